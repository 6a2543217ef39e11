import CityGridModel
import CityGridPlatform
import Foundation
import Logging
import PGClient
import ServiceLifecycle

/// Time limits (domain §4.3): scans running stage clocks and sets the yellow light once
/// `warningFraction` of the limit has elapsed and the red light once the deadline has passed,
/// through the workflow (`mark_warning` / `mark_overdue` as the system actor). The workflow makes
/// both idempotent per clock, so overlapping scans or restarts never mark twice.
public struct DeadlineWatcher: Service {
    let env: ServiceEnvironment
    let engine: CaseEngine
    let interval: Duration
    let warningFraction: Double

    public init(env: ServiceEnvironment, engine: CaseEngine, interval: Duration, warningFraction: Double) {
        self.env = env
        self.engine = engine
        self.interval = interval
        self.warningFraction = warningFraction
    }

    public func run() async throws {
        let stopping = Flag()
        // The calendar generation the running clocks were last recounted on; -1 recounts once at
        // start-up (a swap may have happened while the service was down or mid-pass).
        var rebasedGeneration = -1
        await withGracefulShutdownHandler {
            while !stopping.isSet && !Task.isCancelled {
                do {
                    let generation = engine.refs.liveCalendar.generation
                    if generation != rebasedGeneration {
                        let moved = try await rebaseOnce()
                        rebasedGeneration = generation
                        env.logger.notice("running clocks checked against the working calendar", metadata: [
                            "generation": "\(generation)", "moved": "\(moved)",
                        ])
                    }
                    let marked = try await scanOnce()
                    if marked > 0 { env.logger.info("deadline marks set", metadata: ["count": "\(marked)"]) }
                } catch {
                    env.logger.warning("deadline scan failed; will retry", metadata: ["error": "\(error)"])
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

    /// One pass: every case whose running clock is due a mark. Returns the number of marks set.
    public func scanOnce() async throws -> Int {
        let now = env.clock.now()
        let fraction = warningFraction
        let due: [UUID] = try await env.pool.withConnection { connection in
            try CaseStore.clocksDue(at: now, warningFraction: fraction, on: connection)
        }
        var marked = 0
        for id in due {
            marked += try await env.transaction { [engine] connection, outbox in
                guard var stored = try CaseStore.load(id, forUpdate: true, on: connection),
                      let clock = stored.record.clock, let deadline = clock.deadline else { return 0 }
                var count = 0
                let warnAt = clock.startedAt.addingTimeInterval(deadline.timeIntervalSince(clock.startedAt) * fraction)
                if clock.warnedAt == nil, warnAt <= now,
                   case .applied = try engine.apply(.markWarning(stage: clock.stage, deadline: deadline), to: &stored,
                                                    actor: CaseEngine.Actors.watcher, at: now, connection: connection, outbox: outbox) {
                    count += 1
                }
                if clock.overdueAt == nil, deadline <= now,
                   case .applied = try engine.apply(.markOverdue(stage: clock.stage, deadline: deadline), to: &stored,
                                                    actor: CaseEngine.Actors.watcher, at: now, connection: connection, outbox: outbox) {
                    count += 1
                }
                return count
            }
        }
        return marked
    }
}
