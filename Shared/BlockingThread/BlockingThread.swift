import Foundation

/// A single OS thread that runs submitted closures one after another.
///
/// librabbitmq and libpq connections are not thread-safe and every call blocks. Swift's
/// cooperative pool has as many threads as cores (two here), so one blocking call there can
/// stall the whole process. Each C connection is therefore owned by one `BlockingThread`:
/// async code hands it work with ``run(_:)`` and suspends until the thread is done.
public final class BlockingThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var thread: Thread?
    public let name: String

    /// Starts the thread.
    /// - Parameter name: shown in debuggers and crash reports.
    public init(name: String) {
        self.name = name
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    deinit { shutdown() }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Runs `body` on this thread and returns its result to the caller.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            if !accepted { continuation.resume(throwing: BlockingThreadStopped(name: name)) }
        }
    }

    /// Queues `job`; returns false when the thread is shutting down.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Lets queued jobs finish, then ends the thread.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Work was submitted to a ``BlockingThread`` after it was shut down.
public struct BlockingThreadStopped: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "thread \(name) is shut down" }
}
