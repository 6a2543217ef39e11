import Foundation
import Synchronization

/// Crash points for the reliability tests. Inactive unless `CITYGRID_FAULT` names the point;
/// then the process SIGKILLs itself there, exactly like a power cut at that line.
public enum FaultInjection {
    static let armed: Set<String> = Set((ProcessInfo.processInfo.environment["CITYGRID_FAULT"] ?? "")
        .split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })

    /// Points used by the platform:
    /// - `kill-after-commit-before-ack`: a consumer committed its effects but has not acked.
    /// - `kill-before-relay`: a transaction committed outbox rows; the relay has not published.
    /// - `kill-after-publish-before-mark`: the broker confirmed a batch; the rows are not marked sent.
    /// And one that stops instead of killing: `hang-once-in-handler` (``hangOnce(_:)``).
    public static func point(_ name: String) {
        guard armed.contains(name) else { return }
        FileHandle.standardError.write(Data("fault injection: SIGKILL at \(name)\n".utf8))
        kill(getpid(), SIGKILL)
    }

    public static func isArmed(_ name: String) -> Bool { armed.contains(name) }

    /// `hang-once-in-handler`: the first batch a consumer applies stops, inside its transaction,
    /// for `CITYGRID_FAULT_HANG_SECONDS` (default 20), as a handler stuck on a lock or a slow
    /// disk would, past the broker's `consumer_timeout` (lowered for the test). Only once per
    /// process, so the redelivered copy goes through.
    public static func hangOnce(_ name: String) {
        guard armed.contains(name), hung.withLock({ done in defer { done = true }; return !done }) else { return }
        let seconds = Double(ProcessInfo.processInfo.environment["CITYGRID_FAULT_HANG_SECONDS"] ?? "") ?? 20
        FileHandle.standardError.write(Data("fault injection: hanging \(seconds) s at \(name)\n".utf8))
        Thread.sleep(forTimeInterval: seconds)
    }

    private static let hung = Mutex(false)
}
