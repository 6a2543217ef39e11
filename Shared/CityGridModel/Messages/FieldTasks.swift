import Foundation

/// A supervisor's field task (外业任务): the on-site work the centre sends a supervisor.
public enum FieldTaskKind: String, Codable, Sendable, CaseIterable {
    /// 核实: verify a public report on site.
    case verification
    /// 核查: check a department's work on site.
    case check

    /// The stage clock the task answers (its deadline is the task's first due time).
    public var stage: StageClock.Stage {
        switch self {
        case .verification: return .verify
        case .check: return .check
        }
    }

    /// The task a workflow action opens, if any.
    public static func opened(by action: CaseAction) -> FieldTaskKind? {
        switch action {
        case .requestVerification: return .verification
        case .requestCheck: return .check
        default: return nil
        }
    }

    /// The task a workflow action answers, if any.
    public static func answered(by action: CaseAction) -> FieldTaskKind? {
        switch action {
        case .verificationConfirmed, .verificationRefuted: return .verification
        case .checkPassed, .checkFailed: return .check
        default: return nil
        }
    }
}

/// Why a field task went to whoever holds it now.
public enum FieldTaskAssignmentReason: String, Codable, Sendable, CaseIterable {
    /// The task was just sent: the supervisor on duty for the grid (or the shift leader's queue
    /// when nobody is).
    case requested
    /// The holder went off duty (their shift ended, or their roster row did) with the task unanswered.
    case offDuty = "off_duty"
    /// The holder let the task's due time pass.
    case overdue
    /// A supervisor came on duty for the grid of a task waiting in the shift leader's queue.
    case onDuty = "on_duty"
    /// The shift leader gave it to someone by hand.
    case manual
    /// Another supervisor answered it (on site before it reached them, or after it left them).
    case takenOver = "taken_over"
}

/// `supervision.field-task.assigned` — a verification or check task went to a supervisor, or to
/// the shift leader's queue (no supervisor), first or again. One message per assignment: the
/// handheld gateway's feed reads it to fill the supervisors' phones, assessment to judge each
/// supervisor's timeliness on the tasks really given to them.
public struct FieldTaskAssigned: DomainEvent, Equatable {
    public static let eventType = "citygrid.field-task.assigned.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "supervision.field-task.assigned"
    public var routingKey: String { Self.routingKey }

    /// One task per request (a verification, or one check round).
    public var taskId: UUID
    public var caseId: UUID
    public var caseNumber: String
    public var kind: FieldTaskKind
    /// The timeline sequence of the entry that opened the task (`request_verification` /
    /// `request_check`): the task's answer is the next entry of its kind.
    public var requestSequence: Int
    public var gridCode: String?
    /// 1 for the first assignment, then 2, 3 … for each reassignment.
    public var sequence: Int
    /// The supervisor who holds the task now; absent: the shift leader's queue.
    public var supervisorId: String?
    /// The shift the supervisor is on duty in (absent for the queue or a hand-made assignment off roster).
    public var shift: String?
    public var assignedAt: Date
    /// When the holder is due to have answered; absent for the queue, or a stage without a limit.
    public var dueAt: Date?
    public var reason: FieldTaskAssignmentReason
    /// Who held it before (absent on the first assignment, or when it came from the queue).
    public var previousSupervisorId: String?
    /// Who decided: `field-task-policy` (the roster) or the shift leader's id.
    public var assignedBy: String
    /// What and where, for the phone.
    public var description: String?
    public var address: String?
    public var longitude: Double?
    public var latitude: Double?

    public init(taskId: UUID, caseId: UUID, caseNumber: String, kind: FieldTaskKind, requestSequence: Int, gridCode: String?, sequence: Int,
                supervisorId: String?, shift: String?, assignedAt: Date, dueAt: Date?, reason: FieldTaskAssignmentReason,
                previousSupervisorId: String?, assignedBy: String, description: String? = nil, address: String? = nil,
                longitude: Double? = nil, latitude: Double? = nil) {
        self.taskId = taskId
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.kind = kind
        self.requestSequence = requestSequence
        self.gridCode = gridCode
        self.sequence = sequence
        self.supervisorId = supervisorId
        self.shift = shift
        self.assignedAt = assignedAt
        self.dueAt = dueAt
        self.reason = reason
        self.previousSupervisorId = previousSupervisorId
        self.assignedBy = assignedBy
        self.description = description
        self.address = address
        self.longitude = longitude
        self.latitude = latitude
    }
}
