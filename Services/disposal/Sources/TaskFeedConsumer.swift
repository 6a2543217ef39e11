import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// `disposal.tasks`: dispatches from grid-routing and notices from the supervision centre fill
/// and update the departments' inboxes.
enum TaskFeedConsumer {
    static func definition() -> ConsumerDefinition {
        ConsumerDefinition(
            queue: "disposal.tasks",
            bindings: [
                .init(exchange: MessagingNames.eventsExchange, routingKey: TaskDispatched.bindingPatternAllDepartments),
                .init(exchange: MessagingNames.eventsExchange, routingKey: TaskNotice.bindingPatternAll),
            ],
            handlers: [
                TaskDispatched.eventType: { message, context in
                    try dispatched(try message.payload(TaskDispatched.self), context: context)
                },
                TaskNotice.eventType: { message, context in
                    try notice(try message.payload(TaskNotice.self), context: context)
                },
            ])
    }

    /// A new task in the department's inbox; the case's previous unfinished task is superseded.
    static func dispatched(_ d: TaskDispatched, context: HandlerContext) throws {
        let connection = context.connection
        if try TaskStore.find(connection, dispatchId: d.dispatchId) != nil { return }  // same dispatch again
        guard !d.departmentCode.isEmpty else { throw HandlerError.invalid("departmentCode is empty") }
        let successor = try TaskStore.newer(connection, caseId: d.caseId, than: d.dispatchedAt)
        try TaskStore.insert(connection, d)
        let replaced = try TaskStore.supersedeOpenTasks(connection, caseId: d.caseId, except: d.dispatchId, at: d.dispatchedAt)
        for old in replaced {
            try TaskStore.append(connection, dispatchId: old, caseId: d.caseId, TaskEventRecord(
                kind: TaskEventRecord.supersededKind, actorId: "routing", channel: "routing", at: d.dispatchedAt,
                note: "replaced by dispatch \(d.dispatchId.uuidString.lowercased()) to \(d.departmentCode)"))
        }
        try TaskStore.append(connection, dispatchId: d.dispatchId, caseId: d.caseId, TaskEventRecord(
            kind: TaskEventRecord.dispatchedKind, actorId: "routing", channel: "routing", at: d.dispatchedAt,
            note: d.redispatch ? "re-dispatch via \(d.via)" : "dispatch via \(d.via)", deadline: d.deadline, deadlineBasis: d.deadlineBasis,
            photos: d.photos))
        if let successor {
            // Delivered late: a newer dispatch of the case is already here, so this one is over on arrival.
            try TaskStore.markSuperseded(connection, dispatchId: d.dispatchId, by: successor, at: d.dispatchedAt)
            try TaskStore.append(connection, dispatchId: d.dispatchId, caseId: d.caseId, TaskEventRecord(
                kind: TaskEventRecord.supersededKind, actorId: "routing", channel: "routing", at: d.dispatchedAt,
                note: "arrived after the newer dispatch \(successor.uuidString.lowercased())"))
        }
        context.logger.info("task dispatched", metadata: ["dispatch_id": "\(d.dispatchId)", "department": "\(d.departmentCode)"])
    }

    static func notice(_ n: TaskNotice, context: HandlerContext) throws {
        let connection = context.connection
        var entry = TaskEventRecord(eventId: n.noticeId, kind: TaskEventRecord.noticeKind(n.kind), actorId: "supervision", channel: "supervision",
                                    at: n.at, note: n.message, reason: n.reason, deadline: n.deadline, deadlineBasis: n.deadlineBasis,
                                    previousDeadline: n.previousDeadline)
        if n.kind == .reworked || n.kind == .reopened, try TaskStore.find(connection, dispatchId: n.dispatchId) == nil {
            try rework(n, entry: entry, context: context)
            return
        }
        guard let task = try TaskStore.find(connection, dispatchId: n.dispatchId, forUpdate: true) else {
            throw HandlerError.notYet("no task for dispatch \(n.dispatchId.uuidString.lowercased()) yet")
        }
        guard task.departmentCode == n.departmentCode else {
            throw HandlerError.invalid("notice for department \(n.departmentCode) names dispatch \(n.dispatchId) of \(task.departmentCode)")
        }
        let effect: NoticeEffect
        switch (n.kind, n.refusal) {
        case (.reworked, _), (.reopened, _):
            effect = .recordOnly
        case (.updateRefused, let refusal?):
            // The centre refused one of this task's updates: the log says so, and the task goes
            // back to where the centre holds it (with what the department did since on top).
            effect = TaskStateMachine.settle(refusal, log: try TaskStore.operations(connection, dispatchId: task.dispatchId), on: task.status)
            context.logger.warning("the centre refused a task update", metadata: [
                "dispatch_id": "\(n.dispatchId)", "update_id": "\(refusal.updateId)", "action": "\(refusal.action.rawValue)",
                "code": "\(refusal.code)", "held_state": "\(refusal.taskState?.rawValue ?? "-")",
            ])
        default:
            effect = TaskStateMachine.apply(n.kind, deadline: n.deadline, basis: n.deadlineBasis, at: n.at, to: task.status)
        }
        if case .update(let next) = effect {
            try TaskStore.save(connection, dispatchId: task.dispatchId, old: task.status, new: next, at: n.at)
            if next.deadline != task.deadline || next.deadlineBasis != task.deadlineBasis {
                // The log is the deadline's history as the department saw it: what the task's
                // deadline was before this notice, and what the new one was counted on.
                entry.previousDeadline = task.deadline
                entry.deadlineBasis = next.deadlineBasis
            }
        }
        try TaskStore.mark(connection, dispatchId: task.dispatchId, notice: n)
        try TaskStore.append(connection, dispatchId: task.dispatchId, caseId: task.caseId, entry)
        if n.kind == .deadlineChanged {
            context.logger.info("task deadline changed", metadata: [
                "dispatch_id": "\(n.dispatchId)", "deadline": "\(n.deadline.map(RFC3339.format) ?? "-")",
                "deadline_basis": "\(n.deadlineBasis.map(String.init(describing:)) ?? "-")",
            ])
        }
    }

    /// 返工 (the check failed) or 重办 (a return visit reopened the closed case): the department
    /// handles the case again under a new dispatch id and deadline, as a copy of its latest task.
    static func rework(_ n: TaskNotice, entry: TaskEventRecord, context: HandlerContext) throws {
        let connection = context.connection
        let what = n.kind == .reopened ? "reopen" : "rework"
        guard let deadline = n.deadline else { throw HandlerError.invalid("\(n.kind.rawValue) notice without a deadline") }
        guard let old = try TaskStore.latest(connection, caseId: n.caseId, department: n.departmentCode) else {
            throw HandlerError.notYet("no earlier task of case \(n.caseNumber) at \(n.departmentCode) to \(what)")
        }
        try TaskStore.insertRework(connection, of: old, dispatchId: n.dispatchId, deadline: deadline, basis: n.deadlineBasis, at: n.at,
                                   via: what)
        let replaced = try TaskStore.supersedeOpenTasks(connection, caseId: n.caseId, except: n.dispatchId, at: n.at)
        for id in replaced {
            try TaskStore.append(connection, dispatchId: id, caseId: n.caseId, TaskEventRecord(
                kind: TaskEventRecord.supersededKind, actorId: "supervision", channel: "supervision", at: n.at,
                note: "\(n.kind == .reopened ? "reopened" : "reworked") as dispatch \(n.dispatchId.uuidString.lowercased())", reason: n.reason))
        }
        try TaskStore.mark(connection, dispatchId: n.dispatchId, notice: n)
        try TaskStore.append(connection, dispatchId: n.dispatchId, caseId: n.caseId, entry)
        context.logger.info(n.kind == .reopened ? "task reopened" : "task reworked",
                            metadata: ["dispatch_id": "\(n.dispatchId)", "rework_of": "\(old.dispatchId)"])
    }
}
