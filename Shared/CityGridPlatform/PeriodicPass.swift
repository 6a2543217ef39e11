import Foundation
import Logging
import ServiceLifecycle

/// The loop of a background watcher: one pass now, then one every `interval`, until graceful
/// shutdown (the wait ends within 200 ms of it). A pass that fails is logged as a warning naming
/// `what` and tried again at the next interval; the service stays up.
public func repeatPasses(every interval: Duration, logger: Logger, what: String, _ pass: () async throws -> Void) async {
    let stopping = Flag()
    await withGracefulShutdownHandler {
        while !stopping.isSet && !Task.isCancelled {
            do {
                try await pass()
            } catch {
                logger.warning("\(what) failed; will retry", metadata: ["error": "\(error)"])
            }
            var slept = Duration.zero
            while slept < interval && !stopping.isSet {
                try? await Task.sleep(for: .milliseconds(200))
                slept += .milliseconds(200)
            }
        }
    } onGracefulShutdown: {
        stopping.set()
    }
}
