import Foundation

/// The citizen's verdict on how a closed case was handled, as a return visit (回访) records it.
/// Raw values are stable: they travel in messages, timeline details and assessment's figures.
public enum ReturnVisitVerdict: String, Codable, Sendable, Hashable, CaseIterable {
    /// 满意.
    case satisfied
    /// 基本满意.
    case basicallySatisfied = "basically_satisfied"
    /// 不满意.
    case dissatisfied

    /// The Chinese term the hotline and the centre use.
    public var label: String {
        switch self {
        case .satisfied: "满意"
        case .basicallySatisfied: "基本满意"
        case .dissatisfied: "不满意"
        }
    }

    /// Counts towards 满意率 (satisfied or basically satisfied).
    public var isSatisfied: Bool { self != .dissatisfied }
}

/// How a return visit reached the centre.
public enum ReturnVisitRoute: String, Codable, Sendable, Hashable, CaseIterable {
    /// The hotline platform reported it by an inbound message (`ReturnVisitReport`).
    case hotline
    /// Centre staff (an acceptor or the shift leader) recorded it over supervision's API.
    case centre
}

/// Why a return visit's request to reopen was put before the shift leader instead of reopening
/// the case by the policy.
public enum ReopenReferralReason: String, Codable, Sendable, Hashable, CaseIterable {
    /// The case was already reopened as often as the policy allows.
    case reopeningLimitReached = "reopening_limit_reached"
    /// No department handled the case (handled at intake, or a supervisor's own fix), so there is
    /// no department to reopen it to.
    case noDepartment = "no_department"
}

/// A reopening the policy did not decide: a closed case waits for the shift leader (重办待定),
/// who reopens it anyway or keeps it closed with a reason.
public struct ReopenReferral: Codable, Sendable, Hashable {
    /// The visit that asked for it (its key as ``CaseRecord/returnVisitKeys`` holds it).
    public var visitKey: String
    public var verdict: ReturnVisitVerdict
    /// The citizen's words, when the visit recorded them.
    public var note: String?
    public var reason: ReopenReferralReason
    public var referredAt: Date

    /// - Parameters: see the properties of the same names.
    public init(visitKey: String, verdict: ReturnVisitVerdict, note: String?, reason: ReopenReferralReason, referredAt: Date) {
        self.visitKey = visitKey
        self.verdict = verdict
        self.note = note
        self.reason = reason
        self.referredAt = referredAt
    }
}

/// One return visit as the workflow's ``CaseCommand/returnVisit(_:referral:)`` carries it.
public struct ReturnVisit: Codable, Sendable, Hashable {
    /// The idempotency key of the visit: the route (the hotline's channel, or `centre`) and the
    /// sender's visit id, e.g. `hotline_12345:HV-20261125-0042`. The same key twice is one visit.
    public var key: String
    public var verdict: ReturnVisitVerdict
    /// The citizen's words.
    public var note: String?
    public var route: ReturnVisitRoute
    /// Who talked to the citizen: the hotline agent's id, or the staff member's.
    public var visitedBy: String?

    /// - Parameters: see the properties of the same names.
    public init(key: String, verdict: ReturnVisitVerdict, note: String?, route: ReturnVisitRoute, visitedBy: String?) {
        self.key = key
        self.verdict = verdict
        self.note = note
        self.route = route
        self.visitedBy = visitedBy
    }

    /// The key of a visit: `<source>:<visit id>`, where the source is the hotline's channel or `centre`.
    public static func key(source: String, visitId: String) -> String { "\(source):\(visitId)" }
}
