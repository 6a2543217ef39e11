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

    public init(caseNumber: String = "", channel: ReportChannel? = nil, kind: ClassKind? = nil, classCode: String? = nil,
                gridCode: String? = nil, reporterId: String? = nil, componentCode: String? = nil) {
        self.caseNumber = caseNumber
        self.channel = channel
        self.kind = kind
        self.classCode = classCode
        self.gridCode = gridCode
        self.reporterId = reporterId
        self.componentCode = componentCode
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

/// One case's stored history: its meta plus its events in sequence order, and how many later
/// reports intake linked to it as duplicates.
public struct CaseHistory: Sendable, Hashable {
    public var caseId: UUID
    public var meta: CaseMeta
    public var events: [CaseEvent]
    public var duplicateLinks: Int
    /// When repeat complaints (重复投诉) about this case were made: the same caller again about the
    /// same place after the case had ended (intake's `RepeatFound`, `repeat_complaint`).
    public var repeatComplaints: [Date]

    public init(caseId: UUID, meta: CaseMeta, events: [CaseEvent], duplicateLinks: Int = 0, repeatComplaints: [Date] = []) {
        self.caseId = caseId
        self.meta = meta
        self.events = events
        self.duplicateLinks = duplicateLinks
        self.repeatComplaints = repeatComplaints
    }
}
