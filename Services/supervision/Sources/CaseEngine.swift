import CityGridModel
import CityGridPlatform
import Foundation
import Logging
import PGClient

/// Applies workflow commands to stored cases: asks `CaseWorkflow`, stores the new record, appends
/// the timeline entry and writes every message the transition implies to the outbox — all on the
/// caller's connection, so one transaction holds state, history and messages.
public struct CaseEngine: Sendable {
    public let refs: ReferenceData

    /// Automated posts acting for the centre's standing policies.
    public enum Actors {
        public static let autoAccept = CaseActor(id: "auto-accept", role: .acceptor)
        public static let autoFiling = CaseActor(id: "auto-filing", role: .shiftLeader)
        public static let autoCheck = CaseActor(id: "auto-check", role: .acceptor)
        public static let routing = CaseActor(id: "grid-routing", role: .system)
        public static let intake = CaseActor(id: "intake", role: .system)
        public static let watcher = CaseActor(id: "deadline-watcher", role: .system)
    }

    /// The field tasks (核实 / 核查) kept beside the lifecycle; `nil` where no roster is loaded.
    public let fieldTasks: FieldTaskDesk?

    public init(refs: ReferenceData, fieldTasks: FieldTaskDesk? = nil) {
        self.refs = refs
        self.fieldTasks = fieldTasks
    }

    // MARK: Deadlines and conditions

    /// The deadline of a centre stage started at `start` (stage-limits.csv on the working calendar);
    /// `nil` only when the city set no limit for the stage.
    /// - Throws: ``APIError`` (409 `calendar_not_covered`) when `start` lies outside the years
    ///   the calendar covers (intake refuses such reports, so this does not happen in practice).
    public func deadline(_ stage: TimedStage, from start: Date) throws -> Date? {
        guard let limit = refs.stageLimit(stage)?.limit else { return nil }
        return try counted { try DeadlineCounting.count(limit, from: start, on: refs.calendar).at }
    }

    /// Counts a deadline, turning a calendar gap into a specific error rather than a missing deadline.
    func counted<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as WorkingCalendarError {
            throw APIError(status: .conflict, code: "calendar_not_covered", message: "cannot count the deadline: \(error)")
        }
    }

    /// The limit a clock of `stage` counts: the stage's, or for handling the case's condition's.
    public func limit(of stage: StageClock.Stage, _ stored: StoredCase) -> TimeLimit? {
        if stage == .handle { return handlingLimit(stored) }
        return TimedStage(rawValue: stage.rawValue).flatMap { refs.stageLimit($0)?.limit }
    }

    /// How a deadline carried by a command was counted, when the service that counted it said so
    /// (grid-routing's dispatch deadline): the basis it sent and the limit it counted.
    public struct CountedBy: Sendable, Hashable {
        public var basis: DeadlineBasis
        public var limit: TimeLimit
    }

    /// Records on a clock the transition started what its deadline was counted on, and the limit,
    /// so that a later calendar can count it again. The workflow takes deadlines as plain dates;
    /// this is the one place that ties them to the calendar: the counter's own word when it gave
    /// one (`counted`), otherwise ``DeadlineCounting/basis(of:from:limit:on:)``, which also
    /// tells a date set some other way (an override over the API) from a count.
    func stamp(_ transition: inout Transition, _ stored: StoredCase, counted: CountedBy? = nil) {
        guard transition.entry.startedClock != nil, var clock = transition.record.clock, let deadline = clock.deadline,
              clock.basis == nil else { return }
        if let counted {
            clock.basis = counted.basis
            clock.limit = counted.limit
        } else {
            let found = DeadlineCounting.basis(of: deadline, from: clock.startedAt, limit: limit(of: clock.stage, stored), on: refs.calendar)
            clock.basis = found.basis
            clock.limit = found.limit
        }
        transition.record.clock = clock
        transition.entry.startedClock = clock
        if clock.stage == .handle { transition.record.handlingDeadlineBasis = clock.basis }
    }

    /// The filing condition to use: the one given, the reporter's, or the class's first one.
    public func filingCondition(_ facts: CaseFacts, preferred: String? = nil) -> FilingCondition? {
        for id in [preferred, facts.conditionId].compactMap({ $0 }) {
            if let condition = refs.filingCondition(facts.kind, id: id) { return condition }
        }
        return refs.filingConditions(for: ClassKey(facts.kind, facts.classCode)).first
    }

    public func areaClass(_ stored: StoredCase) -> AreaClass {
        if let area = stored.facts.areaClass { return area }
        if let grid = (stored.record.gridCode ?? stored.facts.gridCode).flatMap(refs.grid) { return grid.areaClass }
        return .b
    }

    /// The handling limit of the case's condition for its area class.
    public func handlingLimit(_ stored: StoredCase) -> TimeLimit? {
        guard let condition = filingCondition(stored.facts, preferred: stored.record.conditionId) else { return nil }
        return condition.limit(for: areaClass(stored))
    }

    /// A fresh handling deadline for a staff command (rework, resume), or a 409 that says which is
    /// missing: the condition's limit, or calendar coverage of the start.
    public func requireHandlingDeadline(_ stored: StoredCase, from start: Date) throws -> Date {
        guard let limit = handlingLimit(stored) else {
            throw APIError(status: .conflict, code: "no_handling_limit", message: "the case has no filing condition with a handling limit")
        }
        return try counted { try DeadlineCounting.count(limit, from: start, on: refs.calendar).at }
    }

    // MARK: Applying

    /// Applies `command`; on success persists and publishes. Returns the workflow's outcome.
    /// - Parameter details: what the command came with beyond the workflow's payload, recorded
    ///   in the entry's details (the photos of a completion or a check, the reason code and
    ///   competent body of a case sent back); the workflow's own keys win.
    /// - Parameter photos: the photos the command came with, typed by purpose: recorded on the
    ///   entry (`supervision.entry_photos`), and the uploads among them attached to it.
    @discardableResult
    public func apply(_ command: CaseCommand, to stored: inout StoredCase, actor: CaseActor, at: Date, counted: CountedBy? = nil,
                      details: [String: String] = [:], photos: [Photo] = [], connection: PGConnection,
                      outbox: OutboxWriter) throws -> CaseWorkflow.Outcome {
        let outcome = CaseWorkflow.apply(command, to: stored.record, actor: actor, at: at)
        guard case .applied(var transition) = outcome else { return outcome }
        stamp(&transition, stored, counted: counted)
        let previous = stored.record
        if transition.entry.action == .checkFailed {
            // 返工 is a new task for the same department: it gets its own dispatch id.
            let rework = UUID()
            transition.record.dispatchIds.append(rework)
            transition.entry.details[.dispatchId] = rework.uuidString.lowercased()
        }
        transition.entry.details.merge(details.filter { !$0.value.isEmpty }) { own, _ in own }
        stored.record = transition.record
        if transition.entry.action == .locate, let desk = fieldTasks, let grid = stored.record.gridCode ?? stored.facts.gridCode {
            // 漏报率: who patrolled the grid when the problem was reported.
            stored.facts.gridSupervisorId = try desk.responsible(gridCode: grid, at: stored.facts.reportedAt, on: connection)
        }
        try CaseStore.update(stored, on: connection)
        try CaseStore.append(transition.entry, on: connection)
        try attachPhotos(photos, to: transition.entry, connection: connection)
        let resolved = transition.entry.to == .closed
            ? try resolution(of: transition.entry, stored: stored, connection: connection) : nil
        try publish(transition.entry, previous: previous, stored: stored, resolution: resolved, outbox: outbox)
        try fieldTasks?.follow(transition.entry, previous: previous, stored: stored, engine: self, connection: connection, outbox: outbox)
        return .applied(transition)
    }

    /// What a closing entry resolved, for the channel the report came from: the hotline agent's
    /// result (当即办理); the supervisor's report and its `after` photos (自行处置); otherwise the
    /// department's result and `completion` photos of its last completion with the `check`
    /// photos of the passed check, read from the timeline.
    func resolution(of entry: TimelineEntry, stored: StoredCase, connection: PGConnection) throws -> CaseTransitioned.Resolution {
        switch entry.action {
        case .handleAtIntake:
            return CaseTransitioned.Resolution(summary: entry.reason, photos: [])
        case .approveSelfHandled:
            return CaseTransitioned.Resolution(summary: stored.facts.description, photos: stored.facts.photos.filter { $0.purpose == .after })
        default:
            let evidence = try CaseStore.closingEvidence(entry.caseId, on: connection)
            let completion = evidence.completion
            let photos = (completion?.list(.completionPhotos) ?? []).map { Photo(url: $0, purpose: .completion) }
                + (evidence.check?.list(.checkPhotos) ?? []).map { Photo(url: $0, purpose: .check) }
            return CaseTransitioned.Resolution(summary: completion?.reason, photos: photos)
        }
    }

    /// Puts the case in the department's hands with the handling deadline grid-routing counted at
    /// dispatch: the deadline is adopted with the basis and limit the dispatcher sent, never counted
    /// a second time here. If that basis names other calendar versions than supervision holds, the
    /// clock is counted again at once through the rebase path (a `recompute_deadline` entry and a
    /// `deadline_changed` notice when it moves), so the two services never silently disagree.
    @discardableResult
    public func dispatch(_ task: TaskDispatched, actor: CaseActor, to stored: inout StoredCase, at now: Date,
                         connection: PGConnection, outbox: OutboxWriter) throws -> CaseWorkflow.Outcome {
        let judgement = DeadlineCounting.judge(task.deadline, basis: task.deadlineBasis, on: refs.calendar)
        let counted = task.deadlineBasis.map { CountedBy(basis: $0, limit: task.handlingLimit) }
        let outcome = try apply(.dispatch(dispatchId: task.dispatchId, department: task.departmentCode, deadline: task.deadline),
                                to: &stored, actor: actor, at: task.dispatchedAt, counted: counted, connection: connection, outbox: outbox)
        if case .applied = outcome, judgement == .stale {
            _ = try rebase(&stored, at: max(now, task.dispatchedAt), connection: connection, outbox: outbox)
        }
        return outcome
    }

    /// Tells the department that the centre refused one of its updates, and records it on the case.
    ///
    /// Disposal committed the update before the centre saw it; a decision or a void that crossed
    /// it in flight makes the workflow refuse it. A dead letter alone would leave task and case
    /// apart with nobody told, so the refusal goes back as an `update_refused` notice carrying the
    /// task as the case shows it, and disposal settles the task there.
    func refuse(_ update: TaskUpdated, because error: WorkflowError, stored: StoredCase, at: Date,
                connection: PGConnection, outbox: OutboxWriter) throws {
        let record = stored.record
        let held = record.departmentTask(dispatchId: update.dispatchId, department: update.departmentCode)
        var details: [String: String] = [:]
        details[.dispatchId] = update.dispatchId.uuidString.lowercased()
        details[.updateId] = update.updateId.uuidString.lowercased()
        details[.refusedAction] = update.action.rawValue
        details[.errorCode] = error.code.rawValue
        // An ended case's history ends with its end: the late update is only answered.
        if !record.state.isTerminal {
            try CaseStore.annotate(record.id, record: record, action: TaskNoticeKind.updateRefused.rawValue, actorId: "supervision", at: at,
                                   reason: error.message, details: details, on: connection)
            try attachPhotos(update.photos, toAnnotation: TaskNoticeKind.updateRefused.rawValue, of: record.id, at: at, connection: connection)
        } else {
            // Disposal accepted the photos: they are kept even though no entry follows the end.
            try keepPhotos(update.photos, at: at, connection: connection)
        }
        var notice = TaskNotice(noticeId: UUID(), kind: .updateRefused, caseId: record.id, caseNumber: record.caseNumber,
                                departmentCode: update.departmentCode, dispatchId: update.dispatchId, at: at, reason: error.message,
                                message: "\(update.action.rawValue) refused: \(error.code)")
        notice.refusal = TaskNotice.UpdateRefusal(updateId: update.updateId, action: update.action, code: error.code.rawValue,
                                                  taskState: held?.state, pendingRequest: held?.pendingRequest)
        try outbox.publish(notice, subject: subject(record.id), at: at)
    }

    /// Creates a case from a report (and closes it at once when handled at intake).
    public func report(_ reported: CaseReported, connection: PGConnection, outbox: OutboxWriter) throws -> StoredCase? {
        if try CaseStore.load(reported.caseId, forUpdate: false, on: connection) != nil { return nil }
        let facts = CaseFacts(report: reported)
        let bySupervisor = reported.channel == .supervisor
        let actor = bySupervisor ? CaseActor(id: reported.reporterId ?? "supervisor", role: .supervisor) : Actors.intake
        var evidence: SelfHandledEvidence?
        if reported.selfHandled == true, bySupervisor {
            // The reporter declares which photo shows what; intake refuses a self-handled report
            // without a before and an after photo. A report that still lacks one (sent before
            // photos were typed: plain URLs read as `report`) is refused by the workflow.
            evidence = SelfHandledEvidence(beforePhotos: reported.photos.urls(.before), afterPhotos: reported.photos.urls(.after))
        }
        let at = reported.reportedAt
        let report = CaseReport(id: reported.caseId, caseNumber: reported.caseNumber, requiresVerification: reported.requiresVerification,
                                gridCode: nil, deadline: try deadline(evidence == nil ? .accept : .review, from: at), selfHandled: evidence)
        var transition: Transition
        switch CaseWorkflow.report(report, actor: actor, at: at) {
        case .success(let t): transition = t
        case .failure(let error): throw HandlerError.invalid(error.description)
        }
        stamp(&transition, StoredCase(facts: facts, record: transition.record, duplicateCount: 0))
        var stored = StoredCase(facts: facts, record: transition.record, duplicateCount: 0)
        try CaseStore.insert(stored, entry: transition.entry, on: connection)
        // The report's photos (report, or a self-handled report's before and after) belong to its first entry.
        try attachPhotos(reported.photos, to: transition.entry, connection: connection)
        try publish(transition.entry, previous: transition.record, stored: stored, resolution: nil, outbox: outbox)
        if reported.handledAtIntake == true, evidence == nil {
            try apply(.handleAtIntake(result: reported.description), to: &stored, actor: CaseActor(id: "intake-hotline", role: .acceptor),
                      at: at, connection: connection, outbox: outbox)
        }
        return stored
    }

    /// Files the case under its condition as the auto-filing policy (or `actor`).
    @discardableResult
    public func file(_ stored: inout StoredCase, actor: CaseActor = Actors.autoFiling, conditionId: String? = nil, at: Date,
                     connection: PGConnection, outbox: OutboxWriter) throws -> CaseWorkflow.Outcome? {
        guard let condition = filingCondition(stored.facts, preferred: conditionId) else { return nil }
        return try apply(.file(conditionId: condition.id, deadline: try deadline(.dispatch, from: at)), to: &stored, actor: actor, at: at,
                         connection: connection, outbox: outbox)
    }

    // MARK: Messages derived from a transition

    func subject(_ id: UUID) -> String { id.uuidString.lowercased() }

    func publish(_ entry: TimelineEntry, previous: CaseRecord, stored: StoredCase, resolution: CaseTransitioned.Resolution?,
                 outbox: OutboxWriter) throws {
        let record = stored.record
        let facts = stored.facts
        let at = entry.at
        let grid = record.gridCode ?? facts.gridCode
        var transitioned = CaseTransitioned(entry: entry, caseNumber: record.caseNumber, channel: facts.channel, kind: facts.kind,
                                            classCode: facts.classCode, gridCode: grid, reporterId: facts.reporterId)
        transitioned.componentCode = facts.componentCode
        transitioned.resolution = resolution
        transitioned.gridSupervisorId = facts.gridSupervisorId
        try outbox.publish(transitioned, subject: subject(record.id), at: at)
        func notice(_ kind: TaskNoticeKind, department: String?, dispatchId: UUID?, deadline: Date? = nil,
                    reason: String? = nil, message: String? = nil, previousDeadline: Date? = nil) throws {
            guard let department, let dispatchId else { return }
            // A notice with a deadline names what it was counted on (the handling clock's basis).
            let basis = deadline == nil ? nil : (record.handlingDeadline == deadline ? record.handlingDeadlineBasis : nil)
            try outbox.publish(TaskNotice(noticeId: UUID(), kind: kind, caseId: record.id, caseNumber: record.caseNumber,
                                          departmentCode: department, dispatchId: dispatchId, at: at, deadline: deadline,
                                          reason: reason, message: message, deadlineBasis: basis, previousDeadline: previousDeadline),
                               subject: subject(record.id), at: at)
        }
        let department = record.currentDepartment
        let dispatchId = record.currentDispatchId ?? record.dispatchIds.last
        switch entry.action {
        case .file:
            try publishFiled(stored, at: at, redispatch: false, outbox: outbox)
        case .approveReturn:
            try publishFiled(stored, at: at, redispatch: true, outbox: outbox)
            try notice(.returnApproved, department: previous.pendingRequest?.department ?? previous.currentDepartment,
                       dispatchId: previous.currentDispatchId ?? previous.dispatchIds.last)
        case .refuseReturn:
            try notice(.returnRefused, department: department, dispatchId: dispatchId, reason: entry.reason)
        case .requestVerification:
            try outbox.publish(VerificationRequested(caseId: record.id, caseNumber: record.caseNumber, gridCode: grid ?? "",
                                                     description: facts.description, address: facts.address, longitude: facts.longitude,
                                                     latitude: facts.latitude, requestedAt: at, deadline: record.clock?.deadline),
                               subject: subject(record.id), at: at)
        case .approveExtension:
            try notice(.extensionApproved, department: department, dispatchId: dispatchId, deadline: record.handlingDeadline)
        case .refuseExtension:
            try notice(.extensionRefused, department: department, dispatchId: dispatchId, deadline: record.handlingDeadline, reason: entry.reason)
        case .approveSuspension:
            try notice(.suspensionApproved, department: department, dispatchId: dispatchId)
        case .refuseSuspension:
            try notice(.suspensionRefused, department: department, dispatchId: dispatchId, reason: entry.reason)
        case .resume:
            try notice(.resumed, department: department, dispatchId: dispatchId, deadline: record.handlingDeadline)
        case .checkFailed:
            try notice(.reworked, department: department, dispatchId: record.dispatchIds.last, deadline: record.handlingDeadline,
                       reason: entry.reason)
        case .close:
            try notice(.closed, department: department, dispatchId: dispatchId)
        case .reopen:
            // 重办: a new task for the same department, with the citizen's words as the reason.
            try notice(.reopened, department: department, dispatchId: record.dispatchIds.last, deadline: record.handlingDeadline,
                       reason: entry.reason)
        case .void:
            try notice(.voided, department: previous.currentDepartment, dispatchId: previous.currentDispatchId, reason: entry.reason)
        case .markWarning, .markOverdue:
            guard entry.stageDetail == .handle || previous.clock?.stage == .handle else { return }
            try notice(entry.action == .markWarning ? .warning : .overdue, department: department, dispatchId: dispatchId,
                       deadline: record.handlingDeadline)
        case .urge:
            try notice(.urged, department: department, dispatchId: dispatchId, message: entry.reason)
        case .recomputeDeadline:
            // Only the handling deadline is the department's; the centre's own stage clocks move silently.
            guard entry.stageDetail == .handle else { return }
            try notice(.deadlineChanged, department: department, dispatchId: dispatchId, deadline: record.handlingDeadline,
                       reason: entry.reason, previousDeadline: previous.handlingDeadline)
        default:
            break
        }
    }

    func publishFiled(_ stored: StoredCase, at: Date, redispatch: Bool, outbox: OutboxWriter) throws {
        let record = stored.record
        let facts = stored.facts
        guard let condition = filingCondition(facts, preferred: record.conditionId) else { return }
        let area = areaClass(stored)
        // The centre's decisions: grid-routing dispatches the case as it stored it from the report
        // and its own location, under the class filed here (the acceptor may have changed it).
        try outbox.publish(CaseFiled(caseId: record.id, caseNumber: record.caseNumber, conditionId: condition.id,
                                     handlingLimit: condition.limit(for: area), filedAt: at,
                                     excludedDepartments: record.returnedBy.sorted(), redispatch: redispatch ? true : nil,
                                     kind: facts.kind, classCode: facts.classCode),
                           subject: subject(record.id), at: at)
    }
}

/// Photo URLs as a timeline detail: space-separated, like `before_photos` and `after_photos`.
enum TimelinePhotos {
    /// The URLs as one detail value (`nil` for none). A space inside a URL is written `%20`, so
    /// the list splits back into the same URLs.
    static func join(_ urls: [String]) -> String? {
        let cleaned = urls.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: " ", with: "%20") }
            .filter { !$0.isEmpty }
        return cleaned.isEmpty ? nil : cleaned.joined(separator: " ")
    }
}
