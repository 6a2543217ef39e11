import CityGridModel
import Foundation

/// The part of a ``TimelineEntry`` the indicators need, flattened so it can be stored in columns
/// and folded without JSON decoding (a month is ~400,000 rows).
public struct CaseEvent: Sendable, Hashable, Codable {
    public var caseId: UUID
    public var sequence: Int
    public var action: CaseAction
    public var at: Date
    public var to: CaseState
    public var actorId: String
    public var actorRole: Role
    /// Responsible department at the time (for a dispatch: the receiving one).
    public var department: String?
    public var stoppedStage: StageClock.Stage?
    public var stoppedDeadline: Date?
    public var startedStage: StageClock.Stage?
    public var startedDeadline: Date?
    /// `details.deadline` (approved extension, resume…), when present.
    public var detailDeadline: Date?
    /// `details.returned_by` for an approved return.
    public var returnedBy: String?
    /// `details.verdict`: the citizen's verdict of a return visit (回访).
    public var verdict: ReturnVisitVerdict?

    public init(caseId: UUID, sequence: Int, action: CaseAction, at: Date, to: CaseState, actorId: String, actorRole: Role,
                department: String? = nil, stoppedStage: StageClock.Stage? = nil, stoppedDeadline: Date? = nil,
                startedStage: StageClock.Stage? = nil, startedDeadline: Date? = nil, detailDeadline: Date? = nil,
                returnedBy: String? = nil, verdict: ReturnVisitVerdict? = nil) {
        self.caseId = caseId
        self.sequence = sequence
        self.action = action
        self.at = at
        self.to = to
        self.actorId = actorId
        self.actorRole = actorRole
        self.department = department
        self.stoppedStage = stoppedStage
        self.stoppedDeadline = stoppedDeadline
        self.startedStage = startedStage
        self.startedDeadline = startedDeadline
        self.detailDeadline = detailDeadline
        self.returnedBy = returnedBy
        self.verdict = verdict
    }

    /// Flattens a timeline entry.
    public init(_ entry: TimelineEntry) {
        self.init(
            caseId: entry.caseId, sequence: entry.sequence, action: entry.action, at: entry.at, to: entry.to,
            actorId: entry.actorId, actorRole: entry.actorRole, department: entry.department,
            stoppedStage: entry.stoppedClock?.stage, stoppedDeadline: entry.stoppedClock?.deadline,
            startedStage: entry.startedClock?.stage, startedDeadline: entry.startedClock?.deadline,
            detailDeadline: entry.date(.deadline),
            returnedBy: entry.detail(.returnedBy),
            verdict: entry.action == .returnVisit ? entry.detail(.verdict).flatMap(ReturnVisitVerdict.init(rawValue:)) : nil)
    }


    /// "On time" for the clock this entry stopped. A stopped clock without a deadline counts as on
    /// time: a centre stage with no limit configured cannot be late. The handling stage always
    /// carries a deadline (dispatch, rework and resume require one), so this never excuses a
    /// department.
    public var stoppedOnTime: Bool {
        guard let deadline = stoppedDeadline else { return true }
        return at <= deadline
    }
}

/// What a case is about, from the `CaseTransitioned` envelope fields (the latest non-nil value wins).
public struct CaseMeta: Sendable, Hashable, Codable {
    public var caseNumber: String
    public var channel: ReportChannel?
    public var kind: ClassKind?
    public var classCode: String?
    public var gridCode: String?
    public var reporterId: String?
    public var componentCode: String?
    /// The supervisor responsible for the grid when the case was reported (supervision's roster,
    /// `CaseTransitioned.gridSupervisorId`): whose 漏报 a verified public report is.
    public var gridSupervisorId: String?

    public init(caseNumber: String = "", channel: ReportChannel? = nil, kind: ClassKind? = nil, classCode: String? = nil,
                gridCode: String? = nil, reporterId: String? = nil, componentCode: String? = nil, gridSupervisorId: String? = nil) {
        self.caseNumber = caseNumber
        self.channel = channel
        self.kind = kind
        self.classCode = classCode
        self.gridCode = gridCode
        self.reporterId = reporterId
        self.componentCode = componentCode
        self.gridSupervisorId = gridSupervisorId
    }

    /// Merges a later message's fields: values present in `other` replace ours.
    public mutating func merge(_ other: CaseMeta) {
        if !other.caseNumber.isEmpty { caseNumber = other.caseNumber }
        channel = other.channel ?? channel
        kind = other.kind ?? kind
        classCode = other.classCode ?? classCode
        gridCode = other.gridCode ?? gridCode
        reporterId = other.reporterId ?? reporterId
        componentCode = other.componentCode ?? componentCode
        gridSupervisorId = other.gridSupervisorId ?? gridSupervisorId
    }

    /// Area codes from the grid code prefixes (GB/T 30428.1: district 6, street 9, community 12, grid 15).
    public func area(_ level: AreaLevel) -> String? {
        guard let grid = gridCode, grid.count >= level.codeLength else { return nil }
        return String(grid.prefix(level.codeLength))
    }

    /// Public channels (everything but a supervisor's own report) must be verified (监督举报).
    public var isPublicReport: Bool { channel.map { $0 != .supervisor } ?? false }
}

/// The four area levels of §5.1.
public enum AreaLevel: String, Sendable, Codable, CaseIterable {
    case district, street, community, grid
    /// Length of the code prefix of a 15-digit grid code.
    public var codeLength: Int {
        switch self {
        case .district: return 6
        case .street: return 9
        case .community: return 12
        case .grid: return 15
        }
    }
}

/// One case's stored history: its meta plus its events in sequence order, how many later
/// reports intake linked to it as duplicates, the assignments of its field tasks and the repeat
/// complaints made about it.
public struct CaseHistory: Sendable, Hashable {
    public var caseId: UUID
    public var meta: CaseMeta
    public var events: [CaseEvent]
    public var duplicateLinks: Int
    /// Every assignment of the case's verification and check tasks (supervision's
    /// `FieldTaskAssigned`), in any order.
    public var assignments: [FieldAssignment]
    /// When repeat complaints (重复投诉) about this case were made: the same caller again about the
    /// same place after the case had ended (intake's `RepeatFound`, `repeat_complaint`).
    public var repeatComplaints: [Date]

    public init(caseId: UUID, meta: CaseMeta, events: [CaseEvent], duplicateLinks: Int = 0, assignments: [FieldAssignment] = [],
                repeatComplaints: [Date] = []) {
        self.caseId = caseId
        self.meta = meta
        self.events = events
        self.duplicateLinks = duplicateLinks
        self.assignments = assignments
        self.repeatComplaints = repeatComplaints
    }
}

/// One assignment of a field task (核实 / 核查) to a supervisor or to the shift leader's queue.
public struct FieldAssignment: Sendable, Hashable, Codable {
    public var taskId: UUID
    public var kind: FieldTaskKind
    /// The timeline sequence of the request that opened the task.
    public var requestSequence: Int
    /// 1 for the first assignment of the task, then 2, 3 …
    public var sequence: Int
    /// `nil`: the shift leader's queue.
    public var supervisorId: String?
    public var assignedAt: Date
    public var dueAt: Date?
    public var reason: FieldTaskAssignmentReason

    public init(taskId: UUID, kind: FieldTaskKind, requestSequence: Int, sequence: Int, supervisorId: String?, assignedAt: Date, dueAt: Date?,
                reason: FieldTaskAssignmentReason) {
        self.taskId = taskId
        self.kind = kind
        self.requestSequence = requestSequence
        self.sequence = sequence
        self.supervisorId = supervisorId
        self.assignedAt = assignedAt
        self.dueAt = dueAt
        self.reason = reason
    }

    /// The assignment a message reports.
    public init(_ m: FieldTaskAssigned) {
        self.init(taskId: m.taskId, kind: m.kind, requestSequence: m.requestSequence, sequence: m.sequence, supervisorId: m.supervisorId,
                  assignedAt: m.assignedAt, dueAt: m.dueAt, reason: m.reason)
    }
}
