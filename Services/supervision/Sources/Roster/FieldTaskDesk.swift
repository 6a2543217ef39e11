import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// Keeps the field tasks (核实 / 核查) beside the case lifecycle: opens a task when the workflow
/// requests a verification or a check, gives it to whoever ``FieldTaskPolicy`` names, moves it
/// on, and closes it when the case's answer arrives or the case moves on without one. Every
/// change is written on the caller's connection with its timeline annotation and its
/// ``FieldTaskAssigned`` message, so task, history and message commit together with the case.
public struct FieldTaskDesk: Sendable {
    /// The roster as the reference files give it; the API's stored changes are folded over it at every read.
    public let baseRoster: GridRoster

    /// The timeline annotation that records a task moved on.
    static let reassignedAction = "task_reassigned"

    public init(baseRoster: GridRoster) { self.baseRoster = baseRoster }

    /// The roster as it stands: the files' rows with every stored change folded in.
    func roster(on connection: PGConnection) throws -> GridRoster {
        baseRoster.applying(try FieldTaskStore.rosterChanges(on: connection).map(\.change))
    }

    /// The supervisor answerable for `gridCode` at `instant` (漏报率's responsible supervisor).
    func responsible(gridCode: String, at instant: Date, on connection: PGConnection) throws -> String? {
        try roster(on: connection).responsible(gridCode: gridCode, at: instant)
    }

    // MARK: Following the workflow

    /// Opens, answers or cancels the case's field task after a transition.
    func follow(_ entry: TimelineEntry, previous: CaseRecord, stored: StoredCase, engine: CaseEngine, connection: PGConnection,
                outbox: OutboxWriter) throws {
        if let kind = FieldTaskKind.opened(by: entry.action) {
            try open(kind, entry: entry, stored: stored, connection: connection, outbox: outbox)
        } else if let kind = FieldTaskKind.answered(by: entry.action) {
            try answer(kind, entry: entry, stored: stored, engine: engine, connection: connection, outbox: outbox)
        } else if [.awaitingVerify, .awaitingCheck].contains(previous.state), stored.record.state != previous.state,
                  let task = try FieldTaskStore.openTask(caseId: stored.record.id, on: connection) {
            // Voided while waiting for the supervisor: nobody needs to go there any more.
            try FieldTaskStore.endAssignment(taskId: task.taskId, seq: task.assignments, at: entry.at, outcome: "cancelled", onTime: nil,
                                             on: connection)
            try FieldTaskStore.endTask(task.taskId, state: "cancelled", at: entry.at, answeredBy: nil, action: entry.action.rawValue,
                                       on: connection)
        }
    }

    func open(_ kind: FieldTaskKind, entry: TimelineEntry, stored: StoredCase, connection: PGConnection, outbox: OutboxWriter) throws {
        if let stale = try FieldTaskStore.openTask(caseId: stored.record.id, on: connection) {
            // A case waits for one field answer at a time; a task left open by an older request is closed.
            try FieldTaskStore.endAssignment(taskId: stale.taskId, seq: stale.assignments, at: entry.at, outcome: "cancelled", onTime: nil,
                                             on: connection)
            try FieldTaskStore.endTask(stale.taskId, state: "cancelled", at: entry.at, answeredBy: nil, action: entry.action.rawValue,
                                       on: connection)
        }
        let grid = stored.record.gridCode ?? stored.facts.gridCode
        let target = FieldTaskPolicy.first(gridCode: grid, at: entry.at, roster: try roster(on: connection))
        let stageDeadline = entry.startedClock?.deadline
        let due = target.supervisorId == nil ? nil : stageDeadline
        let task = FieldTaskRow(taskId: UUID(), caseId: stored.record.id, kind: kind, requestSequence: entry.sequence, gridCode: grid,
                                requestedAt: entry.at, stageDeadline: stageDeadline, state: "open", holder: target.supervisorId,
                                holderShift: target.shift, holderShiftEnd: target.shiftEnd, assignedAt: entry.at, dueAt: due,
                                reason: .requested, assignments: 1, holders: target.supervisorId.map { [$0] } ?? [])
        try FieldTaskStore.insertTask(task, on: connection)
        try FieldTaskStore.insertAssignment(taskId: task.taskId, seq: 1, target: target, day: baseRoster.local(entry.at).day, at: entry.at,
                                            dueAt: due, reason: .requested,
                                            by: FieldTaskPolicy.actor, on: connection)
        try record(task, previous: nil, by: FieldTaskPolicy.actor, stored: stored, connection: connection, outbox: outbox)
    }

    func answer(_ kind: FieldTaskKind, entry: TimelineEntry, stored: StoredCase, engine: CaseEngine, connection: PGConnection,
                outbox: OutboxWriter) throws {
        // A case requested before field tasks existed has none: its answer is the workflow's alone.
        guard var task = try FieldTaskStore.openTask(caseId: stored.record.id, on: connection), task.kind == kind else { return }
        if task.holder != entry.actorId {
            // Someone else answered (on site before it reached them, or after it left them): it is theirs now.
            let duty = task.gridCode.flatMap { try? roster(on: connection).duty(of: entry.actorId, gridCode: $0, at: entry.at) }
            let target = FieldTaskTarget(supervisorId: entry.actorId, shift: duty?.run.shift, shiftDay: duty?.run.day, shiftEnd: duty?.run.end)
            task = try move(task, to: target, reason: .takenOver, by: entry.actorId, at: entry.at, stored: stored, engine: engine,
                            connection: connection, outbox: outbox)
        }
        try FieldTaskStore.endAssignment(taskId: task.taskId, seq: task.assignments, at: entry.at, outcome: "answered",
                                         onTime: task.dueAt.map { entry.at <= $0 } ?? true, on: connection)
        try FieldTaskStore.endTask(task.taskId, state: "answered", at: entry.at, answeredBy: entry.actorId, action: entry.action.rawValue,
                                   on: connection)
    }

    // MARK: Moving a task

    /// Gives an open task to `target`: closes the holder's assignment, opens the new one with its
    /// due time (``FieldTaskPolicy/due(for:stageDeadline:fresh:)``), annotates the case's timeline
    /// and publishes the assignment. Returns the task as it now stands.
    @discardableResult
    func move(_ task: FieldTaskRow, to target: FieldTaskTarget, reason: FieldTaskAssignmentReason, by actor: String, at: Date,
              stored: StoredCase, engine: CaseEngine, connection: PGConnection, outbox: OutboxWriter) throws -> FieldTaskRow {
        var task = task
        var fresh: Date?
        if target.supervisorId != nil, let stage = TimedStage(rawValue: task.kind.stage.rawValue) {
            fresh = try engine.deadline(stage, from: at)
        }
        let due = FieldTaskPolicy.due(for: target, stageDeadline: task.stageDeadline, fresh: fresh)
        try FieldTaskStore.endAssignment(taskId: task.taskId, seq: task.assignments, at: at, outcome: "reassigned", onTime: nil, on: connection)
        let previous = task.holder
        task.holder = target.supervisorId
        task.holderShift = target.shift
        task.holderShiftEnd = target.shiftEnd
        task.assignedAt = at
        task.dueAt = due
        task.reason = reason
        task.assignments += 1
        if let supervisor = target.supervisorId, !task.holders.contains(supervisor) { task.holders.append(supervisor) }
        try FieldTaskStore.updateHolder(task, on: connection)
        try FieldTaskStore.insertAssignment(taskId: task.taskId, seq: task.assignments, target: target, day: baseRoster.local(at).day, at: at,
                                            dueAt: due, reason: reason, by: actor, on: connection)
        try record(task, previous: previous, by: actor, stored: stored, connection: connection, outbox: outbox)
        return task
    }

    /// The message of the task's current assignment, and for a move the policy or the shift
    /// leader made, its timeline annotation (`task_reassigned`). The first assignment follows from
    /// the request entry itself and a takeover from the answer entry that names its supervisor, so
    /// those two are not annotated: the timeline tells a reader only what it does not already say.
    func record(_ task: FieldTaskRow, previous: String?, by actor: String, stored: StoredCase, connection: PGConnection,
                outbox: OutboxWriter) throws {
        if task.assignments > 1, task.reason != .takenOver {
            try annotate(task, previous: previous, by: actor, stored: stored, connection: connection)
        }
        let facts = stored.facts
        try outbox.publish(FieldTaskAssigned(taskId: task.taskId, caseId: stored.record.id, caseNumber: stored.record.caseNumber, kind: task.kind,
                                             requestSequence: task.requestSequence, gridCode: task.gridCode, sequence: task.assignments,
                                             supervisorId: task.holder, shift: task.holderShift, assignedAt: task.assignedAt, dueAt: task.dueAt,
                                             reason: task.reason, previousSupervisorId: previous, assignedBy: actor,
                                             description: facts.description, address: facts.address, longitude: facts.longitude,
                                             latitude: facts.latitude),
                           subject: stored.record.id.uuidString.lowercased(), at: task.assignedAt)
    }

    func annotate(_ task: FieldTaskRow, previous: String?, by actor: String, stored: StoredCase, connection: PGConnection) throws {
        var details: [String: String] = [:]
        details[.taskId] = task.taskId.uuidString.lowercased()
        details[.taskKind] = task.kind.rawValue
        details[.assignee] = task.holder
        details[.previousAssignee] = previous
        details[.assignmentReason] = task.reason.rawValue
        details[.shift] = task.holderShift
        details[.dueAt] = task.dueAt.map(RFC3339.format)
        try CaseStore.annotate(stored.record.id, record: stored.record, action: Self.reassignedAction, actorId: actor, at: task.assignedAt,
                               reason: Self.say(task, previous: previous), details: details, on: connection)
    }

    /// The annotation's words, for the people reading the timeline.
    static func say(_ task: FieldTaskRow, previous: String?) -> String {
        let what = task.kind == .verification ? "核实任务" : "核查任务"
        let to = task.holder.map { "监督员\($0)" + (task.holderShift.map { "（\($0)班次）" } ?? "") } ?? "值班长队列"
        switch task.reason {
        case .requested: return task.holder == nil ? "无当班监督员，\(what)转入值班长队列" : "\(what)派给网格当班\(to)"
        case .offDuty: return "监督员\(previous ?? "?")已下班未处理，\(what)转给\(to)"
        case .overdue: return "监督员\(previous ?? "?")逾期未处理，\(what)转给\(to)"
        case .onDuty: return "值班长队列中的\(what)派给上班的\(to)"
        case .manual: return "值班长将\(what)指派给\(to)"
        case .takenOver: return "\(to)接手\(what)并作答" + (previous.map { "（原由\($0)承担）" } ?? "（原在值班长队列）")
        }
    }
}
