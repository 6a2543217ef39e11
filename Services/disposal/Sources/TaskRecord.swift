import CityGridModel
import Foundation
import PGClient

/// A department's task as stored and as served over HTTP.
public struct TaskRecord: Codable, Sendable, Equatable {
    public struct PendingRequest: Codable, Sendable, Equatable {
        public var kind: PendingRequestKind
        public var reason: String?
        public var requestedDeadline: Date?
        public var requestedAt: Date?
    }

    public var dispatchId: UUID
    public var caseId: UUID
    public var caseNumber: String
    public var departmentCode: String
    public var departmentName: String
    public var via: String
    public var state: TaskState
    public var pendingRequest: PendingRequest?
    public var deadline: Date
    /// What ``deadline`` was counted on; absent for tasks whose messages carried no basis.
    public var deadlineBasis: DeadlineBasis?
    /// `true` when the deadline was counted through a year whose calendar is still provisional
    /// (no State Council notice yet): it may move, and a `deadline_changed` notice will say so.
    public var deadlineProvisional: Bool
    public var handlingLimit: String
    public var kind: String
    public var classCode: String
    public var className: String
    public var conditionId: String
    public var gridCode: String
    public var description: String
    public var address: String?
    public var longitude: Double?
    public var latitude: Double?
    public var photos: [String]
    public var redispatch: Bool
    public var reworkOf: UUID?
    public var supersededBy: UUID?
    public var dispatchedAt: Date
    public var acceptedAt: Date?
    public var completedAt: Date?
    public var endedAt: Date?
    public var result: String?
    public var resultPhotos: [String]
    /// Display marks from the centre: yellow (warning), red (overdue), urging (督办).
    public var warningAt: Date?
    public var overdueAt: Date?
    public var urgeCount: Int
    public var lastNotice: String?
    public var lastNoticeAt: Date?

    public var status: TaskStatus {
        TaskStatus(state: state, pendingRequest: pendingRequest?.kind, deadline: deadline, deadlineBasis: deadlineBasis, acceptedAt: acceptedAt,
                   completedAt: completedAt)
    }

    init(row: PGRow) throws {
        dispatchId = try row.uuid("dispatch_id")
        caseId = try row.uuid("case_id")
        caseNumber = try row.string("case_number")
        departmentCode = try row.string("department_code")
        departmentName = try row.string("department_name")
        via = try row.string("via")
        guard let state = TaskState(rawValue: try row.string("state")) else { throw PGError(.decoding, "unknown task state") }
        self.state = state
        pendingRequest = row.optionalString("pending_request").flatMap(PendingRequestKind.init(rawValue:)).map {
            PendingRequest(kind: $0, reason: row.optionalString("pending_reason"), requestedDeadline: row.optionalDate("pending_deadline"),
                           requestedAt: row.optionalDate("pending_at"))
        }
        deadline = try row.date("deadline")
        deadlineBasis = try DeadlineBasis.column(row, "deadline_basis")
        deadlineProvisional = deadlineBasis?.isProvisional ?? false
        handlingLimit = try row.string("handling_limit")
        kind = try row.string("kind")
        classCode = try row.string("class_code")
        className = try row.string("class_name")
        conditionId = try row.string("condition_id")
        gridCode = try row.string("grid_code")
        description = try row.string("description")
        address = row.optionalString("address")
        longitude = row.optionalDouble("longitude")
        latitude = row.optionalDouble("latitude")
        photos = try row.textArray("photos")
        redispatch = try row.bool("redispatch")
        reworkOf = row.optionalUUID("rework_of")
        supersededBy = row.optionalUUID("superseded_by")
        dispatchedAt = try row.date("dispatched_at")
        acceptedAt = row.optionalDate("accepted_at")
        completedAt = row.optionalDate("completed_at")
        endedAt = row.optionalDate("ended_at")
        result = row.optionalString("result")
        resultPhotos = try row.textArray("result_photos")
        warningAt = row.optionalDate("warning_at")
        overdueAt = row.optionalDate("overdue_at")
        urgeCount = try row.int("urge_count")
        lastNotice = row.optionalString("last_notice")
        lastNoticeAt = row.optionalDate("last_notice_at")
    }
}

/// One entry of a task's append-only log.
public struct TaskEventRecord: Codable, Sendable, Equatable {
    /// The kind of the entry that opens a task's log.
    public static let dispatchedKind = TaskState.dispatched.rawValue
    /// The kind of the entry that ends a task a newer dispatch replaced.
    public static let supersededKind = TaskState.superseded.rawValue
    /// The kind of the entry recording a supervision notice.
    public static func noticeKind(_ kind: TaskNoticeKind) -> String { "notice.\(kind.rawValue)" }

    public var eventId: UUID
    /// ``dispatchedKind``, ``supersededKind``, a `TaskAction` raw value, or ``noticeKind(_:)``.
    public var kind: String
    public var actorId: String
    /// `http`, `amqp` (department command), `routing` or `supervision`.
    public var channel: String
    public var at: Date
    public var note: String?
    public var result: String?
    public var reason: String?
    public var requestedDeadline: Date?
    /// The deadline the entry set or announced (a dispatch, an approved extension, a resumption,
    /// a rework, a moved deadline).
    public var deadline: Date?
    /// What ``deadline`` was counted on, when known.
    public var deadlineBasis: DeadlineBasis?
    /// The task's deadline before this entry moved it, so the log reads as the deadline's history.
    public var previousDeadline: Date?
    public var photos: [String]

    public init(eventId: UUID = UUID(), kind: String, actorId: String, channel: String, at: Date, note: String? = nil,
                result: String? = nil, reason: String? = nil, requestedDeadline: Date? = nil, deadline: Date? = nil,
                deadlineBasis: DeadlineBasis? = nil, previousDeadline: Date? = nil, photos: [String] = []) {
        self.eventId = eventId
        self.kind = kind
        self.actorId = actorId
        self.channel = channel
        self.at = at
        self.note = note
        self.result = result
        self.reason = reason
        self.requestedDeadline = requestedDeadline
        self.deadline = deadline
        self.deadlineBasis = deadlineBasis
        self.previousDeadline = previousDeadline
        self.photos = photos
    }

    init(row: PGRow) throws {
        eventId = try row.uuid("event_id")
        kind = try row.string("kind")
        actorId = try row.string("actor_id")
        channel = try row.string("channel")
        at = try row.date("at")
        note = row.optionalString("note")
        result = row.optionalString("result")
        reason = row.optionalString("reason")
        requestedDeadline = row.optionalDate("requested_deadline")
        deadline = row.optionalDate("deadline")
        deadlineBasis = try DeadlineBasis.column(row, "deadline_basis")
        previousDeadline = row.optionalDate("previous_deadline")
        photos = try row.textArray("photos")
    }
}

extension DeadlineBasis {
    /// A `deadline_basis` jsonb column: the basis as the messages encode it, or SQL NULL.
    static func column(_ row: PGRow, _ name: String) throws -> DeadlineBasis? {
        guard let text = row.optionalString(name) else { return nil }
        return try MessageCoding.decoder().decode(DeadlineBasis.self, from: Data(text.utf8))
    }

    /// The basis as a `jsonb` parameter, encoded as the messages encode it.
    var parameter: PGJSON {
        get throws { try PGJSON(encoding: self, encoder: MessageCoding.encoder()) }
    }
}
