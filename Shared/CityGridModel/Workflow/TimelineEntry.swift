import Foundation

/// One transition in a case's append-only history (CJJ/T 106 audit trail).
///
/// Every KPI of domain §5.2 is meant to be derivable from these rows alone: who acted (actor and
/// role), on which department's behalf, what changed (from/to/action), and which stage clock the
/// transition stopped or started (so "on time" needs no calendar at read time).
public struct TimelineEntry: Codable, Sendable, Hashable {
    public var caseId: UUID
    /// 1-based position in the case's timeline; equals ``CaseRecord/version`` after the transition.
    public var sequence: Int
    public var action: CaseAction
    /// `nil` only for the report that creates the case.
    public var from: CaseState?
    public var to: CaseState
    public var actorId: String
    public var actorRole: Role
    /// Set when the actor is a department.
    public var actorDepartment: String?
    public var at: Date
    /// The department responsible at the moment of the transition (for a dispatch: the receiving one).
    public var department: String?
    /// The command's free text: reason, result or note.
    public var reason: String?
    /// Payload values as strings, with stable snake_case keys (listed in `docs/case-lifecycle.md`):
    /// `grid_code`, `condition_id`, `dispatch_id`, `deadline`, `requested_deadline`,
    /// `previous_deadline`, `duplicate_of`, `returned_by`, `superseded_request`, `stage`,
    /// `before_photos`, `after_photos`, `rework_count`. Dates are ISO 8601 (UTC), lists are
    /// space-separated.
    public var details: [String: String]
    /// The stage clock this transition ended, with its deadline and marks.
    public var stoppedClock: StageClock?
    /// The stage clock this transition started.
    public var startedClock: StageClock?

    /// - Parameters: see the properties of the same names.
    public init(
        caseId: UUID,
        sequence: Int,
        action: CaseAction,
        from: CaseState?,
        to: CaseState,
        actorId: String,
        actorRole: Role,
        actorDepartment: String?,
        at: Date,
        department: String?,
        reason: String?,
        details: [String: String],
        stoppedClock: StageClock?,
        startedClock: StageClock?
    ) {
        self.caseId = caseId
        self.sequence = sequence
        self.action = action
        self.from = from
        self.to = to
        self.actorId = actorId
        self.actorRole = actorRole
        self.actorDepartment = actorDepartment
        self.at = at
        self.department = department
        self.reason = reason
        self.details = details
        self.stoppedClock = stoppedClock
        self.startedClock = startedClock
    }
}

/// What a successful transition produced: the record to store and the entry to append, in one
/// transaction (together with the outbox messages the service derives from the entry).
public struct Transition: Codable, Sendable, Hashable {
    public var record: CaseRecord
    public var entry: TimelineEntry

    /// - Parameters:
    ///   - record: The case after the transition.
    ///   - entry: The timeline row describing it.
    public init(record: CaseRecord, entry: TimelineEntry) {
        self.record = record
        self.entry = entry
    }
}
