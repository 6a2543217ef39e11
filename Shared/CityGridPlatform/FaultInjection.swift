import Foundation

/// Crash points for the reliability tests. Inactive unless `CITYGRID_FAULT` names the point;
/// then the process SIGKILLs itself there, exactly like a power cut at that line.
public enum FaultInjection {
    static let armed: Set<String> = Set((ProcessInfo.processInfo.environment["CITYGRID_FAULT"] ?? "")
        .split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })

    /// Points used by the platform:
    /// - `kill-after-commit-before-ack`: a consumer committed its effects but has not acked.
    /// - `kill-before-relay`: a transaction committed outbox rows; the relay has not published.
    /// - `kill-after-publish-before-mark`: the broker confirmed a batch; the rows are not marked sent.
    public static func point(_ name: String) {
        guard armed.contains(name) else { return }
        FileHandle.standardError.write(Data("fault injection: SIGKILL at \(name)\n".utf8))
        kill(getpid(), SIGKILL)
    }

    public static func isArmed(_ name: String) -> Bool { armed.contains(name) }
}
