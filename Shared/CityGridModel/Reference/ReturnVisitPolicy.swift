import Foundation

/// What a return visit (回访) does to a closed case: the city's rule for reopening (重办), from
/// `return-visit-policy.csv`. Pure: ``decide(_:on:)`` reads the case as supervision holds it.
public struct ReturnVisitPolicy: Sendable, Hashable {
    /// The policy's own version (the `version` row), logged and shown with the figures.
    public var version: String
    /// Verdicts that ask for a reopening (`reopen_verdicts`; the demo: 不满意 only).
    public var reopeningVerdicts: Set<ReturnVisitVerdict>
    /// How often the policy itself reopens a case (`max_reopenings`); a verdict beyond goes to
    /// the shift leader. 0 sends every reopening to the shift leader.
    public var maxReopenings: Int
    /// The reopened task's handling limit (`handling_limit`); `nil`: the limit of the case's filing
    /// condition for its area class, as at the first dispatch.
    public var handlingLimit: TimeLimit?

    /// What the policy decided for one visit.
    public enum Decision: Sendable, Hashable {
        /// Record the verdict; nothing else happens.
        case record
        /// Reopen to `department` (the one that handled the case last) with a new handling clock
        /// of `limit` (`nil`: the filing condition's limit).
        case reopen(department: String, limit: TimeLimit?)
        /// Record the verdict and put the reopening before the shift leader.
        case refer(ReopenReferralReason)
    }

    /// - Parameters: see the properties of the same names.
    public init(version: String, reopeningVerdicts: Set<ReturnVisitVerdict>, maxReopenings: Int, handlingLimit: TimeLimit?) {
        self.version = version
        self.reopeningVerdicts = reopeningVerdicts
        self.maxReopenings = maxReopenings
        self.handlingLimit = handlingLimit
    }

    /// Decides a visit with `verdict` on `record` (a closed case; the workflow refuses a visit on
    /// any other). A reopening goes to the department that handled the case last; a case no
    /// department handled, or one reopened as often as the policy allows, goes to the shift leader.
    public func decide(_ verdict: ReturnVisitVerdict, on record: CaseRecord) -> Decision {
        guard reopeningVerdicts.contains(verdict) else { return .record }
        guard let department = record.currentDepartment else { return .refer(.noDepartment) }
        guard record.reopenCount < maxReopenings else { return .refer(.reopeningLimitReached) }
        return .reopen(department: department, limit: handlingLimit)
    }
}
