import Foundation

// The message catalogue, v1. Every type here travels in an `Envelope` on `citygrid.events`
// (or the inbound / department-command exchanges) with the routing key it names. Changes are
// additive only (new optional fields); anything else is a new `.v2` type. `docs/asyncapi.yaml`
// publishes the same contracts for outsiders.
//
// Two changes were made inside v1 (issue 12), only to messages that pass between CityGrid's own
// services, with readers that accept the earlier shape so that messages already queued, in an
// outbox or parked during an upgrade still decode: `photos` lists became typed ``Photo``
// objects (a bare URL string still reads as a `report` photo), and `CaseFiled` lost the copies
// of the report and the place that grid-routing keeps itself (old filings carry them as extra
// keys, which decoding ignores). Upgrade the readers first: grid-routing and supervision, then
// disposal, then intake (docs/runbook.md). What departments and hotlines read (`TaskDispatched`,
// `TaskNotice`) did not change shape.

/// Where a report came from (信息来源). Public channels need an on-site verification (核实).
public enum ReportChannel: String, Codable, Sendable, CaseIterable {
    /// 监督员上报: grid supervisor on patrol.
    case supervisor
    /// 12345 mayor's hotline.
    case hotline12345 = "hotline_12345"
    /// 12319 urban-construction hotline.
    case hotline12319 = "hotline_12319"
    /// 110 police linkage.
    case police110 = "police_110"
    /// Public apps (随手拍).
    case app
    /// Open311 GeoReport v2 clients.
    case open311
    /// Video / AI capture.
    case video

    /// Reports by the public (and video) must be verified on site before filing.
    public var requiresVerification: Bool { self != .supervisor }
}

/// A place as reported: coordinates, an address text, or both.
public struct ReportedLocation: Codable, Sendable, Equatable {
    public var longitude: Double?
    public var latitude: Double?
    public var address: String?

    public init(longitude: Double? = nil, latitude: Double? = nil, address: String? = nil) {
        self.longitude = longitude
        self.latitude = latitude
        self.address = address
    }
}

/// A point as the reporter sent it, in the coordinate system it declared (or, when it declared
/// none, its channel's default from `channel-coordinates.csv`). `ReportedLocation` always holds
/// the same point converted to WGS84, which is what everyone routes and measures on.
public struct OriginalLocation: Codable, Sendable, Equatable {
    public var longitude: Double
    public var latitude: Double
    public var system: CoordinateSystem

    public init(longitude: Double, latitude: Double, system: CoordinateSystem) {
        self.longitude = longitude
        self.latitude = latitude
        self.system = system
    }
}

/// `intake.case.reported` — a new report became a case (受理前).
public struct CaseReported: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.reported.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "intake.case.reported"
    public var routingKey: String { Self.routingKey }

    public var caseId: UUID
    /// Readable number people quote on the phone, e.g. `20261125-0042`.
    public var caseNumber: String
    public var channel: ReportChannel
    /// The caller's own reference (hotline ticket number, Open311 token…).
    public var channelReference: String?
    public var reporterId: String?
    /// Personal data (a citizen's phone number); never published beyond the centre's services.
    public var reporterContact: String?
    public var kind: ClassKind
    /// The sub-class code (`0101`, `0502`…) or a third-level code.
    public var classCode: String
    /// The filing condition the reporter chose, when known.
    public var conditionId: String?
    /// 16-digit component code when a component is named.
    public var componentCode: String?
    public var location: ReportedLocation
    public var description: String
    /// The reporter's photos, each with its declared purpose: `report`, or for a self-handled
    /// report `before` and `after` (intake refuses a self-handled report without both).
    public var photos: [Photo]
    public var reportedAt: Date
    public var requiresVerification: Bool
    /// 自行处置: the supervisor fixed it on the spot (its `before` and `after` photos in `photos`).
    public var selfHandled: Bool?
    /// 当即办理: the hotline agent resolved it during the call.
    public var handledAtIntake: Bool?
    /// Optional (added with hotline categories): what the mapping table made of a 12345 ticket's
    /// own category, for a report that carried one.
    public var hotlineCategory: HotlineCategoryDecision? = nil
    /// Optional (added with hotline categories): where `kind`/`classCode` came from; absent means
    /// the reporter chose them. `suggestion` means nobody did: the case waits for the acceptor.
    public var classSource: ClassSource? = nil
    /// Optional (added with hotline categories): class and place suggestions from the text, for
    /// the acceptor (sent with every report that carries a hotline category).
    public var suggestions: ReportSuggestions? = nil
    /// Optional (added with declared coordinate systems): the reporter's coordinates as sent, with
    /// their system, whenever the report gave coordinates; `location` holds them in WGS84. Absent
    /// for a report placed by address or by a component's register position.
    public var originalLocation: OriginalLocation? = nil

    public init(caseId: UUID, caseNumber: String, channel: ReportChannel, channelReference: String?, reporterId: String?,
                reporterContact: String?, kind: ClassKind, classCode: String, conditionId: String?, componentCode: String?,
                location: ReportedLocation, description: String, photos: [Photo], reportedAt: Date,
                requiresVerification: Bool, selfHandled: Bool? = nil, handledAtIntake: Bool? = nil) {
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.channel = channel
        self.channelReference = channelReference
        self.reporterId = reporterId
        self.reporterContact = reporterContact
        self.kind = kind
        self.classCode = classCode
        self.conditionId = conditionId
        self.componentCode = componentCode
        self.location = location
        self.description = description
        self.photos = photos
        self.reportedAt = reportedAt
        self.requiresVerification = requiresVerification
        self.selfHandled = selfHandled
        self.handledAtIntake = handledAtIntake
    }
}

/// `intake.case.duplicate-linked` — a report matched an open case and was linked to it instead
/// of opening a new one (it is counted, not dispatched).
public struct DuplicateLinked: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.duplicate-linked.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "intake.case.duplicate-linked"
    public var routingKey: String { Self.routingKey }

    public var reportId: UUID
    public var duplicateOf: UUID
    public var duplicateOfNumber: String
    public var channel: ReportChannel
    public var kind: ClassKind
    public var classCode: String
    public var distanceMeters: Double?
    public var reportedAt: Date
    /// Optional (added with repeats found after locating): present when the report had become a
    /// case of its own and was linked after it was located, once supervision ended that case as a
    /// duplicate (`link_duplicate`): why intake held it for a repeat. Absent for a report linked
    /// at submission by its coordinates (it never became a case).
    public var basis: RepeatBasis? = nil
    /// The repeat report's own photos, typed (absent when it had none, and in messages from before
    /// it was sent): supervision keeps them on the original case's `duplicate_linked` annotation.
    public var photos: [Photo]?

    public init(reportId: UUID, duplicateOf: UUID, duplicateOfNumber: String, channel: ReportChannel, kind: ClassKind,
                classCode: String, distanceMeters: Double?, reportedAt: Date) {
        self.reportId = reportId
        self.duplicateOf = duplicateOf
        self.duplicateOfNumber = duplicateOfNumber
        self.channel = channel
        self.kind = kind
        self.classCode = classCode
        self.distanceMeters = distanceMeters
        self.reportedAt = reportedAt
    }
}

/// How grid-routing found the place.
public enum LocationMethod: String, Codable, Sendable {
    case coordinates, component, houseNumber = "house_number", poi, road, area, manual
}

/// `routing.case.located` — the case has a unit grid and an area.
public struct CaseLocated: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.located.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "routing.case.located"
    public var routingKey: String { Self.routingKey }

    public var caseId: UUID
    public var caseNumber: String
    public var gridCode: String
    public var communityCode: String
    public var streetCode: String
    public var districtCode: String
    public var areaClass: AreaClass
    public var longitude: Double
    public var latitude: Double
    public var method: LocationMethod
    /// The gazetteer name matched, when located from text (may be a former name).
    public var matchedName: String?
    /// Grid + class + normalised address: reports with the same key are recurrences (重复发生).
    public var recurrenceKey: String

    public init(caseId: UUID, caseNumber: String, gridCode: String, communityCode: String, streetCode: String, districtCode: String,
                areaClass: AreaClass, longitude: Double, latitude: Double, method: LocationMethod, matchedName: String?, recurrenceKey: String) {
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.gridCode = gridCode
        self.communityCode = communityCode
        self.streetCode = streetCode
        self.districtCode = districtCode
        self.areaClass = areaClass
        self.longitude = longitude
        self.latitude = latitude
        self.method = method
        self.matchedName = matchedName
        self.recurrenceKey = recurrenceKey
    }
}

/// `routing.case.manual-dispatch-required` — routing could not place or assign the case; it waits
/// in the dispatchers' manual queue (人工派遣).
public struct ManualDispatchRequired: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.manual-dispatch-required.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "routing.case.manual-dispatch-required"
    public var routingKey: String { Self.routingKey }

    public enum Reason: String, Codable, Sendable {
        /// The address could not be matched to a place (unlocatable).
        case unlocatable
        /// No rule or candidate department.
        case noResponsibleDepartment = "no_responsible_department"
        /// Every candidate already returned the case.
        case allCandidatesReturned = "all_candidates_returned"
    }

    public var caseId: UUID
    public var caseNumber: String
    public var reason: Reason
    public var detail: String

    public init(caseId: UUID, caseNumber: String, reason: Reason, detail: String) {
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.reason = reason
        self.detail = detail
    }
}

/// `supervision.case.filed` — 立案: the case is filed under a filing condition and must be dispatched.
/// Also sent (with `redispatch = true`) after a department's return (回退) was approved.
///
/// It carries supervision's decisions only. What the case is and where it is, grid-routing knows
/// from the `CaseReported` it stored and from its own location (`CaseLocated`); supervision
/// never changes a case's class, report text, photos or place, so it does not send them again.
public struct CaseFiled: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.filed.v1"
    /// The routing key of a first filing.
    public static let filedRoutingKey = "supervision.case.filed"
    /// The routing key of a filing after an approved return (`redispatch == true`).
    public static let redispatchRoutingKey = "supervision.case.redispatch-requested"
    public var routingKey: String { redispatch == true ? Self.redispatchRoutingKey : Self.filedRoutingKey }

    public var caseId: UUID
    public var caseNumber: String
    /// The filing condition the case was filed under.
    public var conditionId: String
    /// The handling limit supervision chose: the condition's limit for the case's area class.
    public var handlingLimit: TimeLimit
    public var filedAt: Date
    /// Departments that returned the case; never dispatch to them again.
    public var excludedDepartments: [String]
    public var redispatch: Bool?
    /// Optional: the class the case was filed under. It differs from the report's when the
    /// acceptor chose another at acceptance (a 12345 ticket classified by suggestion); the
    /// department is chosen by this class. Absent in filings made before it was sent.
    public var kind: ClassKind?
    public var classCode: String?

    public init(caseId: UUID, caseNumber: String, conditionId: String, handlingLimit: TimeLimit, filedAt: Date,
                excludedDepartments: [String], redispatch: Bool?, kind: ClassKind? = nil, classCode: String? = nil) {
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.conditionId = conditionId
        self.handlingLimit = handlingLimit
        self.filedAt = filedAt
        self.excludedDepartments = excludedDepartments
        self.redispatch = redispatch
        self.kind = kind
        self.classCode = classCode
    }
}

/// `routing.task.dispatched.<departmentCode>` — 派遣: the department's task. Departments bind
/// their own queue to their code; this is the message their systems consume.
public struct TaskDispatched: DomainEvent, Equatable {
    public static let eventType = "citygrid.task.dispatched.v1"
    /// The routing key of a task for one department.
    public static func routingKey(departmentCode: String) -> String { "routing.task.dispatched.\(departmentCode)" }
    /// Binds the tasks of every department.
    public static let bindingPatternAllDepartments = "routing.task.dispatched.*"
    public var routingKey: String { Self.routingKey(departmentCode: departmentCode) }

    /// Unique per dispatch (a re-dispatch or rework has a new one).
    public var dispatchId: UUID
    public var caseId: UUID
    public var caseNumber: String
    public var departmentCode: String
    public var departmentName: String
    /// How the department was chosen: owner, sector, street, district or manual.
    public var via: String
    public var kind: ClassKind
    public var classCode: String
    public var className: String
    public var conditionId: String
    public var gridCode: String
    public var description: String
    public var address: String?
    public var longitude: Double?
    public var latitude: Double?
    /// The URLs of the report's photos (purpose `report`). Departments' own systems read this
    /// message, so it keeps its first shape: plain URL strings.
    public var photos: [String]
    public var dispatchedAt: Date
    /// The handling deadline (处置时限) on the city's working calendar.
    public var deadline: Date
    public var handlingLimit: TimeLimit
    public var redispatch: Bool
    /// Who chose the department when it was chosen by hand (`via` = manual): the dispatcher's id.
    public var dispatchedBy: String?
    /// What ``deadline`` was counted on: each calendar year it spans, official or provisional.
    /// A provisional deadline may still move when the State Council's notice is imported (then a
    /// `deadline_changed` notice follows).
    public var deadlineBasis: DeadlineBasis?

    public init(dispatchId: UUID, caseId: UUID, caseNumber: String, departmentCode: String, departmentName: String, via: String,
                kind: ClassKind, classCode: String, className: String, conditionId: String, gridCode: String, description: String,
                address: String?, longitude: Double?, latitude: Double?, photos: [String], dispatchedAt: Date, deadline: Date,
                handlingLimit: TimeLimit, redispatch: Bool, dispatchedBy: String? = nil, deadlineBasis: DeadlineBasis? = nil) {
        self.dispatchedBy = dispatchedBy
        self.deadlineBasis = deadlineBasis
        self.dispatchId = dispatchId
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.departmentCode = departmentCode
        self.departmentName = departmentName
        self.via = via
        self.kind = kind
        self.classCode = classCode
        self.className = className
        self.conditionId = conditionId
        self.gridCode = gridCode
        self.description = description
        self.address = address
        self.longitude = longitude
        self.latitude = latitude
        self.photos = photos
        self.dispatchedAt = dispatchedAt
        self.deadline = deadline
        self.handlingLimit = handlingLimit
        self.redispatch = redispatch
    }
}

/// `supervision.case.verification-requested` — 核实 task for the grid's supervisors.
public struct VerificationRequested: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.verification-requested.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "supervision.case.verification-requested"
    public var routingKey: String { Self.routingKey }

    public var caseId: UUID
    public var caseNumber: String
    public var gridCode: String
    public var description: String
    public var address: String?
    public var longitude: Double?
    public var latitude: Double?
    public var requestedAt: Date
    public var deadline: Date?

    public init(caseId: UUID, caseNumber: String, gridCode: String, description: String, address: String?, longitude: Double?,
                latitude: Double?, requestedAt: Date, deadline: Date?) {
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.gridCode = gridCode
        self.description = description
        self.address = address
        self.longitude = longitude
        self.latitude = latitude
        self.requestedAt = requestedAt
        self.deadline = deadline
    }
}

/// `supervision.case.transitioned` — every timeline entry of every case, for assessment and
/// anyone who keeps a projection. The entry is the workflow's own `TimelineEntry`.
public struct CaseTransitioned: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.transitioned.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "supervision.case.transitioned"
    public var routingKey: String { Self.routingKey }

    public var entry: TimelineEntry
    public var caseNumber: String
    public var channel: ReportChannel?
    public var kind: ClassKind?
    public var classCode: String?
    public var gridCode: String?
    public var reporterId: String?
    /// Optional (added for assessment's 完好率): the 16-digit component code when the case names one.
    public var componentCode: String? = nil
    /// Optional (added for the notices to the reporting channel): on an entry that closes the
    /// case (`close`, `approve_self_handled`, `handle_at_intake`), what was done and the photos
    /// that show it, as supervision holds them at the close. Absent on every other entry.
    public var resolution: Resolution? = nil
    /// Optional (added for 漏报率): the supervisor responsible for the case's grid when it was
    /// reported (the roster's first supervisor on duty there then), once the case is located;
    /// absent when nobody was on duty, or before the case has a grid.
    public var gridSupervisorId: String? = nil

    /// How a closed case was resolved.
    public struct Resolution: Codable, Sendable, Equatable {
        /// What was done: the department's result of its last completion, the hotline agent's
        /// result for a case handled at intake, the supervisor's report for a self-handled one.
        public var summary: String?
        /// Photos of the result, each with its purpose: the last completion's `completion`
        /// photos and the passed check's `check` photos, or a self-handled report's `after` photos.
        public var photos: [Photo]

        public init(summary: String?, photos: [Photo]) {
            self.summary = summary
            self.photos = photos
        }
    }

    public init(entry: TimelineEntry, caseNumber: String, channel: ReportChannel?, kind: ClassKind?, classCode: String?,
                gridCode: String?, reporterId: String?) {
        self.entry = entry
        self.caseNumber = caseNumber
        self.channel = channel
        self.kind = kind
        self.classCode = classCode
        self.gridCode = gridCode
        self.reporterId = reporterId
    }
}

/// What a department did with its task (处置 / 反馈 and the side-path requests).
public enum TaskAction: String, Codable, Sendable, CaseIterable {
    case accepted
    case progressNoted = "progress_noted"
    case completed
    case returnRequested = "return_requested"
    case extensionRequested = "extension_requested"
    case suspensionRequested = "suspension_requested"
}

/// `disposal.task.<action>` — a department's update on its task, relayed by disposal to the
/// supervision centre. Departments never close cases: completion only asks for a check (核查).
public struct TaskUpdated: DomainEvent, Equatable {
    public static let eventType = "citygrid.task.updated.v1"
    /// The routing key of an update with this action (`_` in the action becomes `-`).
    public static func routingKey(action: TaskAction) -> String { "disposal.task.\(action.rawValue.replacingOccurrences(of: "_", with: "-"))" }
    /// Binds every update.
    public static let bindingPatternAll = "disposal.task.#"
    public var routingKey: String { Self.routingKey(action: action) }

    public var updateId: UUID
    public var dispatchId: UUID
    public var caseId: UUID
    public var caseNumber: String
    public var departmentCode: String
    public var action: TaskAction
    /// The department's staff member or system that acted.
    public var actorId: String
    public var at: Date
    public var note: String?
    /// Completion result (处置结果).
    public var result: String?
    /// Reason for a return, extension or suspension.
    public var reason: String?
    public var requestedDeadline: Date?
    /// The department's photos: `progress` with a progress note, `completion` with a completion.
    public var photos: [Photo]

    public init(updateId: UUID, dispatchId: UUID, caseId: UUID, caseNumber: String, departmentCode: String, action: TaskAction,
                actorId: String, at: Date, note: String? = nil, result: String? = nil, reason: String? = nil,
                requestedDeadline: Date? = nil, photos: [Photo] = []) {
        self.updateId = updateId
        self.dispatchId = dispatchId
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.departmentCode = departmentCode
        self.action = action
        self.actorId = actorId
        self.at = at
        self.note = note
        self.result = result
        self.reason = reason
        self.requestedDeadline = requestedDeadline
        self.photos = photos
    }
}

/// What the supervision centre tells a department about its task.
public enum TaskNoticeKind: String, Codable, Sendable, CaseIterable {
    case extensionApproved = "extension_approved"
    case extensionRefused = "extension_refused"
    case suspensionApproved = "suspension_approved"
    case suspensionRefused = "suspension_refused"
    case resumed
    case returnApproved = "return_approved"
    case returnRefused = "return_refused"
    /// 返工: the check failed; the department must handle it again (new dispatch id and deadline).
    case reworked
    case closed
    case voided
    /// Deadline approaching (黄灯).
    case warning
    /// Deadline passed (红灯).
    case overdue
    /// 督办: an urging notice from the dispatcher.
    case urged
    /// The handling deadline moved because the calendar it was counted on was replaced (the State
    /// Council's notice for a provisional year was imported, or office hours changed).
    case deadlineChanged = "deadline_changed"
    /// The centre could not apply one of the department's updates (the case was voided, a decision
    /// crossed the update in flight): ``TaskNotice/refusal`` says which, why, and where the task
    /// stands at the centre, so that disposal can put it back there.
    case updateRefused = "update_refused"
    /// 重办: a return visit reopened the closed case; the department handles it again under a new
    /// dispatch id and handling deadline (like ``reworked``, but after closure). `reason` carries
    /// the citizen's words.
    case reopened
}

/// `supervision.notice.<departmentCode>.<kind>` — decisions, rework, closure and urging for a
/// department's task. Departments bind `supervision.notice.<their code>.#`.
public struct TaskNotice: DomainEvent, Equatable {
    public static let eventType = "citygrid.task.notice.v1"
    /// The routing key of a notice of this kind to one department (`_` in the kind becomes `-`).
    public static func routingKey(departmentCode: String, kind: TaskNoticeKind) -> String {
        "supervision.notice.\(departmentCode).\(kind.rawValue.replacingOccurrences(of: "_", with: "-"))"
    }
    /// Binds every notice to every department.
    public static let bindingPatternAll = "supervision.notice.#"
    /// Binds every notice to one department (its own queue binds this).
    public static func bindingPattern(departmentCode: String) -> String { "supervision.notice.\(departmentCode).#" }
    public var routingKey: String { Self.routingKey(departmentCode: departmentCode, kind: kind) }

    public var noticeId: UUID
    public var kind: TaskNoticeKind
    public var caseId: UUID
    public var caseNumber: String
    public var departmentCode: String
    /// The dispatch the notice is about (for `reworked` and `reopened`, the new one).
    public var dispatchId: UUID
    public var at: Date
    /// The new or current handling deadline.
    public var deadline: Date?
    public var reason: String?
    public var message: String?
    /// What ``deadline`` was counted on, when the notice carries one.
    public var deadlineBasis: DeadlineBasis?
    /// The deadline it replaces (`deadline_changed`).
    public var previousDeadline: Date?
    /// Optional (added with `update_refused`): the refused update and the task as the centre holds it.
    public var refusal: UpdateRefusal? = nil

    /// What an `update_refused` notice says about the update and the task.
    public struct UpdateRefusal: Codable, Sendable, Equatable {
        /// The refused ``TaskUpdated/updateId``.
        public var updateId: UUID
        public var action: TaskAction
        /// The workflow's error code (`illegal_transition`, `request_pending`, `case_ended`, …).
        public var code: String
        /// The task's state as the centre holds it; `nil` when the centre does not know the dispatch.
        public var taskState: TaskState?
        /// The request the centre holds as pending for the task, if any.
        public var pendingRequest: PendingRequest.Kind?

        public init(updateId: UUID, action: TaskAction, code: String, taskState: TaskState?, pendingRequest: PendingRequest.Kind?) {
            self.updateId = updateId
            self.action = action
            self.code = code
            self.taskState = taskState
            self.pendingRequest = pendingRequest
        }
    }

    public init(noticeId: UUID, kind: TaskNoticeKind, caseId: UUID, caseNumber: String, departmentCode: String, dispatchId: UUID,
                at: Date, deadline: Date? = nil, reason: String? = nil, message: String? = nil, deadlineBasis: DeadlineBasis? = nil,
                previousDeadline: Date? = nil) {
        self.deadlineBasis = deadlineBasis
        self.previousDeadline = previousDeadline
        self.noticeId = noticeId
        self.kind = kind
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.departmentCode = departmentCode
        self.dispatchId = dispatchId
        self.at = at
        self.deadline = deadline
        self.reason = reason
        self.message = message
    }
}

/// `hotline.<platform>.report` / `police.110.report` on ``MessagingNames/inboundExchange`` —
/// a report handed over by a hotline platform (12345, 12319) or by 110 linkage, envelope type
/// `citygrid.hotline.report.v1`. The data is the same JSON as intake's `POST /api/v1/reports`
/// body; `channel` must be `hotline_12345`, `hotline_12319` or `police_110`, and
/// `channelReference` (the platform's ticket number) makes redelivery idempotent.
///
/// A 12345 ticket may give its category in the hotline's own tree (`hotlineCategory`) instead of
/// `kind` and `classCode`; intake maps it with `hotline-categories.csv`. `kind` and `classCode`
/// became optional for that (a ticket naming neither and no category is refused, as before).
public struct HotlineReport: DomainEvent, Equatable {
    public static let eventType = "citygrid.hotline.report.v1"
    /// The routing key a platform publishes a report of this channel under (anything but 12319
    /// and 110 goes as 12345).
    public static func routingKey(channel: ReportChannel) -> String {
        switch channel {
        case .police110: return "police.110.report"
        case .hotline12319: return "hotline.12319.report"
        default: return "hotline.12345.report"
        }
    }
    /// Binds every hotline platform's reports.
    public static let bindingPatternHotlines = "hotline.#"
    /// Binds every 110 linkage report.
    public static let bindingPatternPolice = "police.#"
    public var routingKey: String { Self.routingKey(channel: channel) }

    public var channel: ReportChannel
    public var channelReference: String?
    public var reporterId: String?
    public var reporterContact: String?
    /// Required unless `hotlineCategory` is given.
    public var kind: ClassKind?
    /// Required unless `hotlineCategory` is given.
    public var classCode: String?
    public var conditionId: String?
    public var componentCode: String?
    public var location: ReportedLocation
    public var description: String
    /// Plain URL strings (read as `report` photos) or ``Photo`` objects.
    public var photos: [Photo]?
    public var reportedAt: Date?
    public var selfHandled: Bool?
    public var handledAtIntake: Bool?
    /// Optional (12345 only): the ticket's category in the hotline's own tree.
    public var hotlineCategory: HotlineCategory?
    /// Optional: the coordinate system of `location`'s coordinates (`wgs84`, `cgcs2000`, `gcj02`,
    /// `bd09`; see ``CoordinateSystem/init(name:)`` for the spellings read). Absent: the channel's
    /// default (`channel-coordinates.csv`). Text rather than the enum, so that intake can name an
    /// unknown system in the dead letter's reason instead of failing to decode the message.
    public var coordinateSystem: String? = nil

    public init(channel: ReportChannel, channelReference: String?, reporterId: String? = nil, reporterContact: String? = nil,
                kind: ClassKind?, classCode: String?, conditionId: String? = nil, componentCode: String? = nil,
                location: ReportedLocation, description: String, photos: [Photo]? = nil, reportedAt: Date? = nil,
                selfHandled: Bool? = nil, handledAtIntake: Bool? = nil, hotlineCategory: HotlineCategory? = nil,
                coordinateSystem: String? = nil) {
        self.channel = channel
        self.channelReference = channelReference
        self.reporterId = reporterId
        self.reporterContact = reporterContact
        self.kind = kind
        self.classCode = classCode
        self.conditionId = conditionId
        self.componentCode = componentCode
        self.location = location
        self.description = description
        self.photos = photos
        self.reportedAt = reportedAt
        self.selfHandled = selfHandled
        self.handledAtIntake = handledAtIntake
        self.hotlineCategory = hotlineCategory
        self.coordinateSystem = coordinateSystem
    }
}

/// The commands a department's system may send about its own task (see ``TaskCommand``).
public enum TaskCommandKind: String, Codable, Sendable, CaseIterable {
    /// 签收: the department takes the task.
    case accept
    /// A progress note (text + photo URLs); no state change.
    case progress
    /// 处理反馈: the work is done; the centre checks it (核查). `result` is required.
    case complete
    /// 回退申请: "not ours"; `reason` is required. The dispatcher decides.
    case `return`
    /// 延期申请: `requestedDeadline` (later than the current deadline) and `reason` are required.
    case `extension`
    /// 挂账申请: cannot be solved for now; `reason` is required.
    case suspension
}

/// `<departmentCode>.<command>` on ``MessagingNames/departmentCommandsExchange`` — a department's
/// system acting on its task over AMQP, envelope type `citygrid.task.command.v1`. The department
/// is the first segment of the routing key (the broker restricts which keys a department's user
/// may publish); disposal answers with a ``TaskUpdated`` or dead-letters the command with a
/// reason. There is deliberately no command to close or void a case.
public struct TaskCommand: Codable, Sendable, Equatable {
    public static let eventType = "citygrid.task.command.v1"

    public var dispatchId: UUID
    /// Must equal the routing key's second segment.
    public var command: TaskCommandKind
    /// The department's staff member or system acting.
    public var actorId: String
    public var note: String?
    public var result: String?
    public var reason: String?
    public var requestedDeadline: Date?
    /// Photo URLs; their purpose follows from the command (`progress` or `completion`).
    public var photos: [String]?

    public init(dispatchId: UUID, command: TaskCommandKind, actorId: String, note: String? = nil, result: String? = nil,
                reason: String? = nil, requestedDeadline: Date? = nil, photos: [String]? = nil) {
        self.dispatchId = dispatchId
        self.command = command
        self.actorId = actorId
        self.note = note
        self.result = result
        self.reason = reason
        self.requestedDeadline = requestedDeadline
        self.photos = photos
    }

    /// `<departmentCode>.<command>`.
    public func routingKey(departmentCode: String) -> String { "\(departmentCode).\(command.rawValue)" }
    /// Binds every department's every command.
    public static let bindingPatternAll = "#"
}

/// `admin.reference.changed` — an operator loaded a new version of one reference-data item into
/// the running city (`citygrid calendar import`). Every service that uses the item stores it in
/// its own schema and swaps it in without a restart; the same version twice changes nothing.
public struct ReferenceDataChanged: DomainEvent, Equatable {
    public static let eventType = "citygrid.reference.changed.v1"
    public static let routingKeyPrefix = "admin.reference.changed"
    public var routingKey: String { "\(Self.routingKeyPrefix).\(table)" }
    /// Binds every table's changes.
    public static let bindingPatternAll = routingKeyPrefix + ".#"

    /// Tables that can be changed this way.
    public enum Table: String, Codable, Sendable, CaseIterable {
        /// One year's holidays and make-up working days (`calendar/<year>.csv`); `key` is the year.
        case calendar
    }

    public var changeId: UUID
    public var table: Table
    /// Which item of the table (the year for `calendar`).
    public var key: String
    /// The item's version, e.g. `official-3f9a1c2e`; the idempotency key with `table` and `key`.
    public var version: String
    /// The file's text, exactly as validated.
    public var content: String
    /// Where it came from (the notice's reference for a calendar).
    public var source: String?
    public var changedAt: Date
    public var changedBy: String

    public init(changeId: UUID, table: Table, key: String, version: String, content: String, source: String?, changedAt: Date,
                changedBy: String) {
        self.changeId = changeId
        self.table = table
        self.key = key
        self.version = version
        self.content = content
        self.source = source
        self.changedAt = changedAt
        self.changedBy = changedBy
    }
}

/// `return-visit.<platform>` (`return-visit.12345`, `return-visit.12319`, `return-visit.110`) on
/// ``MessagingNames/inboundExchange`` — a hotline platform reports the citizen's verdict on a
/// case's result (回访), envelope type `citygrid.hotline.return-visit.v1`. Supervision consumes it
/// (queue `supervision.return-visits`) and records it on the case; 不满意 may reopen the case (重办)
/// under the return-visit policy. The case is named by the hotline's own ticket reference (the
/// `channelReference` its report carried), by the case number, or both (then they must agree).
/// `visitId` is the platform's id of the call: the same id twice is one visit.
public struct ReturnVisitReport: Codable, Sendable, Equatable {
    public static let eventType = "citygrid.hotline.return-visit.v1"
    /// The routing key a platform publishes a visit of this channel under (anything but 12319 and
    /// 110 goes as 12345).
    public static func routingKey(channel: ReportChannel) -> String {
        switch channel {
        case .police110: return "return-visit.110"
        case .hotline12319: return "return-visit.12319"
        default: return "return-visit.12345"
        }
    }
    /// Binds every platform's return visits. Deliberately outside `hotline.#` and `police.#`,
    /// which carry reports to intake.
    public static let bindingPatternAll = "return-visit.#"

    /// The platform's id of this call (回访单号); with the channel, the idempotency key.
    public var visitId: String
    /// `hotline_12345`, `hotline_12319` or `police_110`.
    public var channel: ReportChannel
    /// The platform's ticket number, as its report carried it.
    public var channelReference: String?
    /// The case number the platform was given (`20261125-0042`).
    public var caseNumber: String?
    public var verdict: ReturnVisitVerdict
    /// The citizen's words.
    public var note: String?
    /// When the citizen was called; the time the centre receives it when absent.
    public var visitedAt: Date?
    /// The hotline agent who called.
    public var visitedBy: String?

    public init(visitId: String, channel: ReportChannel, channelReference: String? = nil, caseNumber: String? = nil,
                verdict: ReturnVisitVerdict, note: String? = nil, visitedAt: Date? = nil, visitedBy: String? = nil) {
        self.visitId = visitId
        self.channel = channel
        self.channelReference = channelReference
        self.caseNumber = caseNumber
        self.verdict = verdict
        self.note = note
        self.visitedAt = visitedAt
        self.visitedBy = visitedBy
    }
}

/// `supervision.case.return-visit-recorded` — a return visit (回访) was recorded on a closed case,
/// and what it led to: nothing more, a reopening (重办) to the department under a new task, or a
/// reopening put before the shift leader. Published in the same transaction as the case's
/// timeline entries (`return_visit`, and `reopen` when it reopened), which assessment counts.
public struct ReturnVisitRecorded: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.return-visit-recorded.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "supervision.case.return-visit-recorded"
    public var routingKey: String { Self.routingKey }

    /// What the visit led to.
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        /// The verdict is recorded; the case stays closed.
        case recorded
        /// The policy reopened the case to ``ReturnVisitRecorded/departmentCode`` (new task ``ReturnVisitRecorded/dispatchId``).
        case reopened
        /// The policy did not reopen it (``ReturnVisitRecorded/referral`` says why); the shift leader decides.
        case referred
    }

    /// The sender's visit id (the hotline's, or the one given or made over the API).
    public var visitId: String
    public var caseId: UUID
    public var caseNumber: String
    public var route: ReturnVisitRoute
    /// The hotline platform, for a visit that came by message.
    public var channel: ReportChannel?
    /// The case's channel reference (the hotline's ticket number), when the case came from a channel.
    public var channelReference: String?
    public var verdict: ReturnVisitVerdict
    public var note: String?
    public var visitedBy: String?
    public var visitedAt: Date
    /// Who recorded it at the centre: the hotline channel, or the staff member's id.
    public var recordedBy: String
    public var recordedAt: Date
    /// The department that handled the case last (the one a reopening goes to).
    public var departmentCode: String?
    public var outcome: Outcome
    public var referral: ReopenReferralReason?
    /// Reopenings of the case so far (after this visit).
    public var reopenCount: Int
    /// The reopened task's dispatch id and handling deadline (`reopened` only).
    public var dispatchId: UUID?
    public var deadline: Date?

    public init(visitId: String, caseId: UUID, caseNumber: String, route: ReturnVisitRoute, channel: ReportChannel?, channelReference: String?,
                verdict: ReturnVisitVerdict, note: String?, visitedBy: String?, visitedAt: Date, recordedBy: String, recordedAt: Date,
                departmentCode: String?, outcome: Outcome, referral: ReopenReferralReason?, reopenCount: Int, dispatchId: UUID?,
                deadline: Date?) {
        self.visitId = visitId
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.route = route
        self.channel = channel
        self.channelReference = channelReference
        self.verdict = verdict
        self.note = note
        self.visitedBy = visitedBy
        self.visitedAt = visitedAt
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
        self.departmentCode = departmentCode
        self.outcome = outcome
        self.referral = referral
        self.reopenCount = reopenCount
        self.dispatchId = dispatchId
        self.deadline = deadline
    }
}
