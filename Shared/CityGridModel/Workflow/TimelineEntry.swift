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
    /// Payload values as strings, with the stable snake_case keys of ``TimelineDetail`` (listed in
    /// `docs/case-lifecycle.md`). Dates are ISO 8601 (UTC), lists are space-separated. Read and
    /// write them through the typed keys: `details[.deadline]`, ``date(_:)``, ``list(_:)``.
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

/// The keys of ``TimelineEntry/details``. The raw values are the JSON keys on the wire and in
/// the stored timelines, so they never change; a new key is a new case.
public enum TimelineDetail: String, Codable, Sendable, CaseIterable {
    /// The unit grid the case was located in (report, locate).
    case gridCode = "grid_code"
    /// The filing condition (file).
    case conditionId = "condition_id"
    /// The department task's id, lowercase UUID (dispatch, and the new task of a rework).
    case dispatchId = "dispatch_id"
    /// The deadline set or marked: ISO 8601 (approve extension, warning, overdue, recompute).
    case deadline
    /// The deadline a department asked for: ISO 8601 (request/approve extension).
    case requestedDeadline = "requested_deadline"
    /// The deadline before the change: ISO 8601 (approve extension, recompute).
    case previousDeadline = "previous_deadline"
    /// The calendar basis of a recomputed deadline, space-separated tokens (recompute).
    case deadlineBasis = "deadline_basis"
    /// The case a voided case repeats, lowercase UUID (void, link duplicate).
    case duplicateOf = "duplicate_of"
    /// That case's number (link duplicate), so a reader (intake's notice to the channel) can name it.
    case duplicateOfNumber = "duplicate_of_number"
    /// The earlier case a case repeats, lowercase UUID (supervision's `repeat_noted` and
    /// `repeat_complaint` annotations).
    case repeatOf = "repeat_of"
    /// That case's number (`repeat_noted`, `repeat_complaint`).
    case repeatOfNumber = "repeat_of_number"
    /// Why intake held the report for a repeat, a `RepeatBasis` raw value (link duplicate and the
    /// repeat annotations).
    case repeatBasis = "repeat_basis"
    /// The department whose return was approved (approve return).
    case returnedBy = "returned_by"
    /// The kind of pending request a completion overtook (complete).
    case supersededRequest = "superseded_request"
    /// The stage clock a mark or recompute is about (warning, overdue, recompute).
    case stage
    /// Photo URLs before the work, space-separated (self-handled report).
    case beforePhotos = "before_photos"
    /// Photo URLs after the work, space-separated (self-handled report).
    case afterPhotos = "after_photos"
    /// How many reworks the task has had (check failed).
    case reworkCount = "rework_count"
    /// The repeating report, lowercase UUID (supervision's `duplicate_linked` annotation).
    case reportId = "report_id"
    /// The repeating report's channel (`duplicate_linked` annotation).
    case channel
    /// How many repeats the case has now (`duplicate_linked` annotation).
    case duplicateCount = "duplicate_count"
    /// Metres between the repeat and the case, one decimal (`duplicate_linked` annotation).
    case distanceMeters = "distance_meters"
    /// The department update the centre refused, lowercase UUID (`update_refused` annotation).
    case updateId = "update_id"
    /// The refused update's action, a `TaskAction` raw value (`update_refused` annotation).
    case refusedAction = "refused_action"
    /// Why it was refused, a workflow error code (`update_refused` annotation).
    case errorCode = "error_code"
    /// Where the case's class came from, a `ClassSource` raw value (`held_for_acceptor` annotation).
    case classSource = "class_source"
    /// The class the acceptor replaced when accepting, `<kind>:<code>` (accept, request verification).
    case reclassifiedFrom = "reclassified_from"
    /// The class the acceptor chose when accepting, `<kind>:<code>` (accept, request verification).
    case reclassifiedTo = "reclassified_to"
    /// The 12345 ticket's own category code (`held_for_acceptor` annotation).
    case hotlineCategory = "hotline_category"
    /// What the mapping table made of it, a `HotlineCategoryDecision.Outcome` raw value (`held_for_acceptor`).
    case hotlineOutcome = "hotline_outcome"
    /// The mapping table's version (`held_for_acceptor` annotation).
    case mappingVersion = "mapping_version"
    /// The department's reason for the request a decision approved (approve extension, suspension, return).
    case requestReason = "request_reason"
    /// The department's photo URLs sent with its completion, space-separated (complete; recorded by supervision).
    case completionPhotos = "completion_photos"
    /// The supervisor's photo URLs taken at the check, space-separated (check passed / failed; recorded by supervision).
    case checkPhotos = "check_photos"
    /// The supervisor's photo URLs taken on site when verifying, space-separated (verification confirmed / refuted; recorded by supervision).
    case verificationPhotos = "verification_photos"
    /// The department's photo URLs sent with a progress note, space-separated (progress note; recorded by supervision).
    case progressPhotos = "progress_photos"
    /// Why a case ended without handling, a ``NotHandledReason`` raw value (reject at accept, refuse filing, void).
    case reasonCode = "reason_code"
    /// The competent body (有权处理单位): who handles a not-ours 12345 ticket instead (`held_for_acceptor` annotation), or
    /// the body a case outside city management is sent back towards (with `reason_code`; reject at accept, refuse filing, void).
    case competentBody = "competent_body"
    /// The return visit's key, `<source>:<visit id>` (return visit; reopen and keep-closed: the visit they answer).
    case visitKey = "visit_key"
    /// The citizen's verdict, a `ReturnVisitVerdict` raw value (return visit, reopen, keep-closed).
    case verdict
    /// How the visit reached the centre: `hotline` or `centre` (return visit).
    case route
    /// Who talked to the citizen: the hotline agent or the staff member (return visit).
    case visitedBy = "visited_by"
    /// Why the reopening went to the shift leader, a `ReopenReferralReason` raw value (return visit).
    case referral
    /// How many reopenings the case has had now (reopen).
    case reopenCount = "reopen_count"
    /// A field task's id, lowercase UUID (`task_reassigned` annotation).
    case taskId = "task_id"
    /// A field task's kind, a `FieldTaskKind` raw value (`task_reassigned`).
    case taskKind = "task_kind"
    /// Who holds the task now, a supervisor id; absent: the shift leader's queue (`task_reassigned`).
    case assignee
    /// Who held it before (`task_reassigned`).
    case previousAssignee = "previous_assignee"
    /// Why it went there, a `FieldTaskAssignmentReason` raw value (`task_reassigned`).
    case assignmentReason = "assignment_reason"
    /// The holder's shift, a roster shift code (`task_reassigned`).
    case shift
    /// When the holder is due to have answered: ISO 8601 (`task_reassigned`).
    case dueAt = "due_at"
    /// Where the phone was when the supervisor answered: `longitude latitude`, WGS84 (verification, check from the phone).
    case gpsPosition = "gps_position"
    /// The phone's stated accuracy of that position, metres (verification, check from the phone).
    case gpsAccuracyMeters = "gps_accuracy_m"
    /// When the supervisor answered on the phone, by its clock: ISO 8601 (verification, check from the phone).
    case capturedAt = "captured_at"
    /// The phone's own id of the submission (verification, check from the phone).
    case clientId = "client_id"
}

extension Dictionary where Key == String, Value == String {
    /// A timeline detail by its typed key; setting `nil` removes it.
    public subscript(detail: TimelineDetail) -> String? {
        get { self[detail.rawValue] }
        set { self[detail.rawValue] = newValue }
    }
}

extension TimelineEntry {
    /// The detail's text, if the entry has it.
    public func detail(_ key: TimelineDetail) -> String? { details[key.rawValue] }

    /// A date detail (``TimelineDetail/deadline`` and the other deadlines); `nil` if absent or not ISO 8601.
    public func date(_ key: TimelineDetail) -> Date? { details[key.rawValue].flatMap(RFC3339.parse) }

    /// A UUID detail (``TimelineDetail/dispatchId``, ``TimelineDetail/duplicateOf``, ``TimelineDetail/reportId``).
    public func uuid(_ key: TimelineDetail) -> UUID? { details[key.rawValue].flatMap(UUID.init(uuidString:)) }

    /// A list detail (the photos, the deadline basis); empty if absent.
    public func list(_ key: TimelineDetail) -> [String] {
        details[key.rawValue].map { $0.split(separator: " ").map(String.init) } ?? []
    }

    /// The stage clock a mark or recompute is about.
    public var stageDetail: StageClock.Stage? { details[TimelineDetail.stage.rawValue].flatMap(StageClock.Stage.init(rawValue:)) }
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
