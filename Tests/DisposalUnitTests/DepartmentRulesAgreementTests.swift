import CityGridModel
import Foundation
import PropertyBased
import Testing
@testable import DisposalService

/// Disposal's task and supervision's case, driven by the same random history, must agree.
///
/// Both sides run their real pure code: disposal's ``TaskStateMachine`` (operations, notices,
/// `update_refused` settling) and supervision's ``CaseWorkflow``. What the services add around it
/// (the database, the outbox) is replaced by two in-memory queues. Which notice a centre
/// transition sends mirrors `CaseEngine.publish`, whose messages the supervision integration
/// tests check.
@Suite struct DepartmentRulesAgreementTests {
    /// One thing that happens in a random history.
    enum Step: CaseIterable, Sendable, Hashable {
        // The department, at disposal.
        case accept, progress, complete, requestReturn, requestExtension, requestEarlyExtension, requestSuspension
        // The centre, at supervision.
        case approveReturn, refuseReturn, approveExtension, refuseExtension, approveSuspension, refuseSuspension, resume
        case checkPass, checkFail, close, void, urge, recount, redispatch
        // A return visit: 不满意 reopens a closed case to its department (重办).
        case revisit
        // Time passes (three hours).
        case wait
        // Messages in flight arrive (only in the history with queues).
        case deliverUpdate, deliverNotice
    }

    static let steps = Gen<Step>.case.array(of: 0...40)

    @Test("every department operation is accepted by both sides or by neither, and task and case agree after every step")
    func agreeStepByStep() async {
        await propertyCheck(count: 500, input: Self.steps) { steps in
            var city = City()
            for (index, step) in steps.enumerated() {
                city.run(step, delivery: .immediate)
                #expect(city.disagreement == nil, "after step \(index) (\(step)) of \(steps): \(city.disagreement ?? "")")
                if city.disagreement != nil { return }
            }
        }
    }

    @Test("with updates and notices in flight, task and case end up agreeing once every message has arrived")
    func agreeWhenQuiet() async {
        await propertyCheck(count: 500, input: Self.steps, Gen<Bool>.bool.array(of: 0...80)) { steps, drainOrder in
            var city = City()
            for step in steps { city.run(step, delivery: .queued) }
            city.drain(drainOrder)
            #expect(city.disagreement == nil, "after \(steps), drained as \(drainOrder): \(city.disagreement ?? "")")
        }
    }

    @Test("a reopening after a return visit gives the department a new task both sides agree on")
    func reopeningAgrees() {
        let steps: [Step] = [.accept, .complete, .checkPass, .close, .revisit, .accept, .progress, .complete, .checkPass, .close, .revisit]
        var city = City()
        for (index, step) in steps.enumerated() {
            city.run(step, delivery: .immediate)
            #expect(city.disagreement == nil, "after step \(index) (\(step)): \(city.disagreement ?? "")")
        }
        // Two reopenings: three tasks at the same department, the last one open and unsigned.
        #expect(city.record.reopenCount == 2 && city.record.state == .inHandling)
        #expect(city.tasks.count == 3 && Set(city.tasks.map(\.task.department)).count == 1)
        #expect(city.tasks.last?.task.status.state == .dispatched)
        #expect(city.tasks.dropLast().allSatisfy { $0.task.status.state == .closed })
    }

    @Test("a refused update settles the task where the centre holds it, with the later operations on top")
    func settleReplaysLaterOperations() {
        let deadline = Date(timeIntervalSince1970: 1_790_000_000)
        let refused = UUID()
        let refusal = TaskNotice.UpdateRefusal(updateId: refused, action: .extensionRequested, code: "invalid_deadline",
                                               taskState: .dispatched, pendingRequest: nil)
        func log(_ later: TaskAction...) -> [(id: UUID, action: TaskAction)] { [(refused, .extensionRequested)] + later.map { (UUID(), $0) } }
        let pending = TaskStatus(state: .dispatched, pendingRequest: .extension, deadline: deadline)
        #expect(TaskStateMachine.settle(refusal, log: log(), on: pending) == .update(TaskStatus(state: .dispatched, deadline: deadline)))
        // Signed for after the refused request: the centre applied that too.
        var accepted = pending
        accepted.state = .accepted
        accepted.acceptedAt = deadline
        #expect(TaskStateMachine.settle(refusal, log: log(.progressNoted, .accepted), on: accepted)
                == .update(TaskStatus(state: .accepted, deadline: deadline, acceptedAt: deadline)))
        // Completed since: completion stands, as it did at the centre.
        let completed = TaskStatus(state: .completed, deadline: deadline, acceptedAt: deadline, completedAt: deadline)
        #expect(TaskStateMachine.settle(refusal, log: log(.completed), on: completed) == .recordOnly)
        // Unknown update, or a task already over: only logged.
        #expect(TaskStateMachine.settle(refusal, log: [], on: pending) == .recordOnly)
        #expect(TaskStateMachine.settle(refusal, log: log(), on: TaskStatus(state: .voided, deadline: deadline)) == .recordOnly)
    }
}

// MARK: - The two sides

/// One case, its department tasks, and the messages between disposal and supervision.
private struct City {
    enum Delivery { case immediate, queued }

    /// What supervision sends disposal: a notice, or a new dispatch of the case.
    enum ToDisposal {
        case notice(TaskNotice)
        case dispatched(UUID, department: String, deadline: Date, at: Date)
    }

    struct Task {
        var status: TaskStatus
        var department: String
        /// The department's operations on the task, oldest first (disposal's log).
        var operations: [(id: UUID, action: TaskAction)] = []
    }

    static let departments = ["SRHW", "SZGY", "YLLH"]
    let caseId = UUID()
    var now = Date(timeIntervalSince1970: 1_790_000_000)
    var record: CaseRecord
    /// Disposal's tasks of the case, oldest first.
    var tasks: [(id: UUID, task: Task)] = []
    var updates: [TaskUpdated] = []
    var notices: [ToDisposal] = []
    /// A contradiction found on the way (an operation one side took and the other refused).
    var failure: String?

    init() {
        record = CaseRecord(id: caseId, caseNumber: "20261125-0001", state: .awaitingDispatch, reportedAt: now)
        record.conditionId = "0101-01"
        record.filedAt = now
        redispatch(delivery: .immediate)
    }

    var handlingLimit: TimeInterval { 8 * 3600 }

    // MARK: Steps

    mutating func run(_ step: City.StepAlias, delivery: Delivery) {
        switch step {
        case .accept: department(.accept(note: nil), delivery)
        case .progress: department(.progress(note: "on site", photos: []), delivery)
        case .complete: department(.complete(result: "fixed", photos: []), delivery)
        case .requestReturn: department(.requestReturn(reason: "not ours"), delivery)
        case .requestExtension:
            // An hour past the deadline the task shows: in the future unless time ran past it.
            guard let task = tasks.last?.task else { return }
            department(.requestExtension(deadline: task.status.deadline.addingTimeInterval(3600), reason: "parts"), delivery)
        case .requestEarlyExtension:
            guard let task = tasks.last?.task else { return }
            department(.requestExtension(deadline: task.status.deadline.addingTimeInterval(-60), reason: "parts"), delivery)
        case .requestSuspension: department(.requestSuspension(reason: "needs a budget"), delivery)
        case .approveReturn: centre(.approveReturn(deadline: now.addingTimeInterval(3600)), by: Actors.dispatcher, delivery)
        case .refuseReturn: centre(.refuseReturn(reason: "it is yours"), by: Actors.dispatcher, delivery)
        case .approveExtension:
            let until = record.pendingRequest?.requestedDeadline ?? now.addingTimeInterval(86_400)
            centre(.approveExtension(until: until), by: Actors.shiftLeader, delivery)
        case .refuseExtension: centre(.refuseExtension(reason: "no"), by: Actors.shiftLeader, delivery)
        case .approveSuspension: centre(.approveSuspension, by: Actors.shiftLeader, delivery)
        case .refuseSuspension: centre(.refuseSuspension(reason: "no"), by: Actors.shiftLeader, delivery)
        case .resume: centre(.resume(deadline: now.addingTimeInterval(handlingLimit)), by: Actors.shiftLeader, delivery)
        case .checkPass: centre(.checkPassed(deadline: now.addingTimeInterval(3600)), by: Actors.supervisor, delivery)
        case .checkFail: centre(.checkFailed(reason: "still broken", deadline: now.addingTimeInterval(handlingLimit)), by: Actors.supervisor, delivery)
        case .close: centre(.close, by: Actors.shiftLeader, delivery)
        case .void: centre(.void(reason: "duplicate", duplicateOf: nil), by: Actors.shiftLeader, delivery)
        case .urge: centre(.urge(note: "hurry"), by: Actors.dispatcher, delivery)
        case .recount:
            // A replaced calendar moves the running handling deadline by two hours.
            guard let clock = record.clock, clock.stage == .handle, let deadline = clock.deadline else { return }
            centre(.recomputeDeadline(stage: .handle, previous: deadline, deadline: deadline.addingTimeInterval(7200),
                                      basis: DeadlineBasis(kind: .workingCalendar), reason: "calendar replaced"),
                   by: Actors.calendar, delivery)
        case .redispatch: redispatch(delivery: delivery)
        case .revisit:
            // CaseEngine.recordReturnVisit: the visit, then the policy's reopening to the same department.
            guard record.state == .closed, let department = record.currentDepartment else { return }
            let visit = ReturnVisit(key: "hotline_12345:\(UUID())", verdict: .dissatisfied, note: "not fixed", route: .hotline, visitedBy: nil)
            guard let visited = CaseWorkflow.apply(.returnVisit(visit, referral: nil), to: record, actor: Actors.routing, at: now).transition else {
                failure = "a return visit on the closed case was refused"
                return
            }
            record = visited.record
            centre(.reopen(dispatchId: UUID(), department: department, deadline: now.addingTimeInterval(handlingLimit), reason: "not fixed"),
                   by: Actors.policy, delivery)
        case .wait: now.addTimeInterval(3 * 3600)
        case .deliverUpdate: deliverUpdate()
        case .deliverNotice: deliverNotice()
        }
    }
    typealias StepAlias = DepartmentRulesAgreementTests.Step

    /// Delivers everything still in flight, in an order the booleans pick (`true`: an update first).
    mutating func drain(_ order: [Bool]) {
        var picks = order.makeIterator()
        while !updates.isEmpty || !notices.isEmpty {
            let updateFirst = picks.next() ?? true
            if updates.isEmpty || (!notices.isEmpty && !updateFirst) { deliverNotice() } else { deliverUpdate() }
        }
    }

    // MARK: Disposal

    /// The department acts on its newest task through disposal's rules; the update goes to supervision.
    mutating func department(_ operation: DepartmentOperation, _ delivery: Delivery) {
        guard let (id, last) = tasks.last else { return }
        var task = last
        guard case .applied(let next) = TaskStateMachine.decide(operation, on: task.status, at: now) else {
            if delivery == .immediate {
                // Refused at disposal: supervision must refuse the same operation too.
                let outcome = CaseWorkflow.apply(command(for: operation), to: record, actor: .department(task.department, id: "clerk"), at: now)
                if outcome.transition != nil {
                    failure = "disposal refused \(operation.kind) on \(task.status.departmentTask) but supervision applied it on \(record.state)"
                }
            }
            return
        }
        let updateId = UUID()
        task.status = next
        task.operations.append((updateId, operation.action))
        tasks[tasks.count - 1] = (id, task)
        var update = TaskUpdated(updateId: updateId, dispatchId: id, caseId: caseId, caseNumber: record.caseNumber,
                                 departmentCode: task.department, action: operation.action, actorId: "clerk", at: now)
        if case .requestExtension(let until, _) = operation { update.requestedDeadline = until }
        updates.append(update)
        if delivery == .immediate {
            let applied = deliverUpdate()
            if !applied { failure = "disposal applied \(operation.kind) but supervision refused it on \(record.state)" }
        }
    }

    /// A message from supervision reaches disposal (TaskFeedConsumer's logic).
    mutating func deliverNotice() {
        guard !notices.isEmpty else { return }
        switch notices.removeFirst() {
        case .dispatched(let id, let department, let deadline, let at):
            supersedeOpenTasks()
            tasks.append((id, Task(status: TaskStatus(state: .dispatched, deadline: deadline), department: department)))
            _ = at
        case .notice(let notice):
            if notice.kind == .reworked || notice.kind == .reopened, !tasks.contains(where: { $0.id == notice.dispatchId }) {
                guard let old = tasks.last(where: { $0.task.department == notice.departmentCode }), let deadline = notice.deadline else { return }
                supersedeOpenTasks()
                tasks.append((notice.dispatchId, Task(status: TaskStatus(state: .dispatched, deadline: deadline), department: old.task.department)))
                return
            }
            guard let index = tasks.firstIndex(where: { $0.id == notice.dispatchId }) else { return }
            var task = tasks[index].task
            let effect: NoticeEffect
            switch (notice.kind, notice.refusal) {
            case (.reworked, _), (.reopened, _): effect = .recordOnly
            case (.updateRefused, let refusal?):
                effect = TaskStateMachine.settle(refusal, log: task.operations, on: task.status)
            default: effect = TaskStateMachine.apply(notice.kind, deadline: notice.deadline, basis: notice.deadlineBasis, at: notice.at, to: task.status)
            }
            if case .update(let next) = effect { task.status = next }
            tasks[index].task = task
        }
    }

    /// TaskStore.supersedeOpenTasks: a new dispatch of the case ends every unfinished older task.
    mutating func supersedeOpenTasks() {
        for index in tasks.indices where !tasks[index].task.status.state.isFinal {
            tasks[index].task.status.state = .superseded
            tasks[index].task.status.pendingRequest = nil
        }
    }

    // MARK: Supervision

    /// The first update in flight reaches supervision (the TaskUpdated consumer's logic).
    /// - Returns: whether the workflow applied it.
    @discardableResult
    mutating func deliverUpdate() -> Bool {
        guard !updates.isEmpty else { return false }
        let update = updates.removeFirst()
        let actor = CaseActor.department(update.departmentCode, id: update.actorId)
        let command: CaseCommand
        switch update.action {
        case .accepted: command = .acceptTask
        case .progressNoted: command = .progressNote(note: "on site")
        case .completed: command = .complete(result: "fixed", deadline: update.at.addingTimeInterval(3600))
        case .returnRequested: command = .requestReturn(reason: "not ours")
        case .extensionRequested: command = .requestExtension(until: update.requestedDeadline!, reason: "parts")
        case .suspensionRequested: command = .requestSuspension(reason: "needs a budget")
        }
        switch CaseWorkflow.apply(command, to: record, actor: actor, at: update.at) {
        case .applied(let transition):
            record = transition.record
            if update.action == .completed {
                // The acceptor's 发核查 goes out with the completion.
                if let check = CaseWorkflow.apply(.requestCheck(deadline: update.at.addingTimeInterval(7200)), to: record,
                                                  actor: Actors.acceptor, at: update.at).transition {
                    record = check.record
                }
            }
            return true
        case .alreadyApplied, .notYet:
            return false
        case .rejected(let error):
            // CaseEngine.refuse: tell the department where the task stands at the centre.
            let held = record.departmentTask(dispatchId: update.dispatchId, department: update.departmentCode)
            var notice = TaskNotice(noticeId: UUID(), kind: .updateRefused, caseId: caseId, caseNumber: record.caseNumber,
                                    departmentCode: update.departmentCode, dispatchId: update.dispatchId, at: now, reason: error.message)
            notice.refusal = TaskNotice.UpdateRefusal(updateId: update.updateId, action: update.action, code: error.code.rawValue,
                                                      taskState: held?.state, pendingRequest: held?.pendingRequest)
            notices.append(.notice(notice))
            return false
        }
    }

    /// A centre decision at supervision, and the notice `CaseEngine.publish` derives from it.
    mutating func centre(_ command: CaseCommand, by actor: CaseActor, _ delivery: Delivery) {
        guard var transition = CaseWorkflow.apply(command, to: record, actor: actor, at: now).transition else { return }
        let previous = record
        if transition.entry.action == .checkFailed { transition.record.dispatchIds.append(UUID()) }  // 返工 is a new task
        record = transition.record
        let department = record.currentDepartment
        let dispatch = record.currentDispatchId ?? record.dispatchIds.last
        func notice(_ kind: TaskNoticeKind, _ department: String?, _ dispatchId: UUID?, deadline: Date? = nil) {
            guard let department, let dispatchId else { return }
            notices.append(.notice(TaskNotice(noticeId: UUID(), kind: kind, caseId: caseId, caseNumber: record.caseNumber,
                                              departmentCode: department, dispatchId: dispatchId, at: now, deadline: deadline)))
        }
        switch transition.entry.action {
        case .approveReturn:
            notice(.returnApproved, previous.pendingRequest?.department ?? previous.currentDepartment,
                   previous.currentDispatchId ?? previous.dispatchIds.last)
        case .refuseReturn: notice(.returnRefused, department, dispatch)
        case .approveExtension: notice(.extensionApproved, department, dispatch, deadline: record.handlingDeadline)
        case .refuseExtension: notice(.extensionRefused, department, dispatch, deadline: record.handlingDeadline)
        case .approveSuspension: notice(.suspensionApproved, department, dispatch)
        case .refuseSuspension: notice(.suspensionRefused, department, dispatch)
        case .resume: notice(.resumed, department, dispatch, deadline: record.handlingDeadline)
        case .checkFailed: notice(.reworked, department, record.dispatchIds.last, deadline: record.handlingDeadline)
        case .close: notice(.closed, department, dispatch)
        case .reopen: notice(.reopened, department, record.dispatchIds.last, deadline: record.handlingDeadline)
        case .void: notice(.voided, previous.currentDepartment, previous.currentDispatchId)
        case .urge: notice(.urged, department, dispatch)
        case .recomputeDeadline: notice(.deadlineChanged, department, dispatch, deadline: record.handlingDeadline)
        default: break
        }
        if delivery == .immediate { while !notices.isEmpty { deliverNotice() } }
    }

    /// Grid-routing dispatches the filed (or returned) case to a department that has not returned it.
    mutating func redispatch(delivery: Delivery) {
        guard let department = Self.departments.first(where: { !record.returnedBy.contains($0) }) else { return }
        let id = UUID()
        let deadline = now.addingTimeInterval(handlingLimit)
        guard let transition = CaseWorkflow.apply(.dispatch(dispatchId: id, department: department, deadline: deadline), to: record,
                                                  actor: Actors.routing, at: now).transition else { return }
        record = transition.record
        notices.append(.dispatched(id, department: department, deadline: deadline, at: now))
        if delivery == .immediate { while !notices.isEmpty { deliverNotice() } }
    }

    // MARK: Agreement

    /// Where the two sides disagree, or `nil`.
    var disagreement: String? {
        if let failure { return failure }
        guard let view = record.departmentTask, let id = record.currentDispatchId else {
            // No department holds the case: every task is over.
            let open = tasks.filter { !$0.task.status.state.isFinal }
            return open.isEmpty ? nil : "the case (\(record.state)) has no department but tasks are open: \(open.map(\.task.status.state))"
        }
        guard let task = tasks.first(where: { $0.id == id })?.task else {
            return "the case's dispatch \(id) has no task at disposal"
        }
        if task.status.departmentTask != view {
            return "task \(task.status.departmentTask) ≠ case \(view) (case state \(record.state))"
        }
        let others = tasks.filter { $0.id != id && !$0.task.status.state.isFinal }
        return others.isEmpty ? nil : "older tasks are still open: \(others.map(\.task.status.state))"
    }

    func command(for operation: DepartmentOperation) -> CaseCommand {
        switch operation {
        case .accept: .acceptTask
        case .progress(let note, _): .progressNote(note: note)
        case .complete(let result, _): .complete(result: result, deadline: now.addingTimeInterval(3600))
        case .requestReturn(let reason): .requestReturn(reason: reason)
        case .requestExtension(let until, let reason): .requestExtension(until: until, reason: reason)
        case .requestSuspension(let reason): .requestSuspension(reason: reason)
        }
    }

    enum Actors {
        static let dispatcher = CaseActor(id: "disp-3", role: .dispatcher)
        static let shiftLeader = CaseActor(id: "lead-1", role: .shiftLeader)
        static let supervisor = CaseActor(id: "sup-7", role: .supervisor)
        static let acceptor = CaseActor(id: "acc-2", role: .acceptor)
        static let routing = CaseActor(id: "grid-routing", role: .system)
        static let calendar = CaseActor(id: "calendar", role: .system)
        static let policy = CaseActor(id: "return-visit-policy", role: .system)
    }
}
