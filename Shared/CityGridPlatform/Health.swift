import Foundation
import Synchronization

/// Liveness of each connection a service depends on, as last observed by its owner.
public final class HealthState: Sendable {
    public struct Check: Sendable, Codable {
        public var ok: Bool
        public var detail: String
    }

    private let checks = Mutex<[String: Check]>([:])
    private let warnings = Mutex<[String: String]>([:])

    public init() {}

    /// Raises (or, with `nil`, clears) a warning: something operators must act on that does not
    /// make the service unready (a provisional calendar ahead).
    public func setWarning(_ component: String, _ detail: String?) {
        warnings.withLock { $0[component] = detail }
    }

    public var warningSnapshot: [String: String] { warnings.withLock { $0 } }

    public func set(_ component: String, ok: Bool, detail: String = "") {
        checks.withLock { $0[component] = Check(ok: ok, detail: detail) }
    }

    public var snapshot: [String: Check] { checks.withLock { $0 } }
}

/// Backoff with full jitter: a random wait in [0, min(cap, base·2^attempt)], so that many
/// services reconnecting after a broker restart do not arrive in lockstep.
public enum Backoff {
    public static func delay(attempt: Int, baseMilliseconds: Int = 200, capMilliseconds: Int = 10_000) -> Duration {
        let exp = min(capMilliseconds, baseMilliseconds << min(attempt, 16))
        return .milliseconds(Int.random(in: max(50, exp / 4)...max(50, exp)))
    }
}
