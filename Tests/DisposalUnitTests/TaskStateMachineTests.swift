import CityGridModel
import Foundation
import Testing
@testable import DisposalService

/// The task rules without I/O.
@Suite struct TaskStateMachineTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test("the log kinds written by the feed keep their stored words")
    func logKinds() {
        #expect(TaskEventRecord.dispatchedKind == "dispatched")
        #expect(TaskEventRecord.supersededKind == "superseded")
        #expect(TaskEventRecord.noticeKind(.deadlineChanged) == "notice.deadline_changed")
    }
    var deadline: Date { now.addingTimeInterval(86_400) }

    func status(_ state: TaskState, pending: PendingRequestKind? = nil, accepted: Bool = false) -> TaskStatus {
        TaskStatus(state: state, pendingRequest: pending, deadline: deadline, acceptedAt: accepted ? now.addingTimeInterval(-60) : nil)
    }

    @Test func acceptSignsForADispatchedTask() {
        let decision = TaskStateMachine.decide(.accept(note: nil), on: status(.dispatched), at: now)
        #expect(decision == .applied(TaskStatus(state: .accepted, deadline: deadline, acceptedAt: now)))
    }

    @Test func acceptTwiceIsIllegal() {
        guard case .illegal(let message) = TaskStateMachine.decide(.accept(note: nil), on: status(.accepted, accepted: true), at: now) else {
            Issue.record("expected illegal"); return
        }
        #expect(message.contains("already accepted"))
    }

    @Test func progressKeepsTheState() {
        let s = status(.accepted, accepted: true)
        #expect(TaskStateMachine.decide(.progress(note: "on site", photos: []), on: s, at: now) == .applied(s))
        #expect(TaskStateMachine.decide(.progress(note: "x", photos: []), on: status(.dispatched), at: now) == .applied(status(.dispatched)))
    }

    @Test func completeAnswersAPendingRequestAndImpliesSignOff() {
        let decision = TaskStateMachine.decide(.complete(result: "fixed", photos: []), on: status(.dispatched, pending: .extension), at: now)
        #expect(decision == .applied(TaskStatus(state: .completed, pendingRequest: nil, deadline: deadline, acceptedAt: now, completedAt: now)))
    }

    @Test func nothingAppliesToCompletedSuspendedOrFinalTasks() {
        let operations: [DepartmentOperation] = [
            .accept(note: nil), .progress(note: "n", photos: []), .complete(result: "r", photos: []), .requestReturn(reason: "r"),
            .requestExtension(deadline: deadline.addingTimeInterval(3600), reason: "r"), .requestSuspension(reason: "r"),
        ]
        for state in [TaskState.completed, .suspended, .returned, .closed, .voided, .superseded] {
            for operation in operations {
                guard case .illegal = TaskStateMachine.decide(operation, on: status(state, accepted: true), at: now) else {
                    Issue.record("\(operation.kind) in \(state) should be illegal"); continue
                }
            }
        }
    }

    @Test func onlyOneRequestAtATime() {
        let opened = TaskStateMachine.decide(.requestReturn(reason: "not ours"), on: status(.accepted, accepted: true), at: now)
        #expect(opened == .applied(status(.accepted, pending: .return, accepted: true)))
        guard case .illegal(let message) = TaskStateMachine.decide(.requestSuspension(reason: "later"), on: status(.accepted, pending: .return), at: now) else {
            Issue.record("expected illegal"); return
        }
        #expect(message.contains("return request is already pending"))
    }

    @Test("a department that asked to return a task cannot sign for it until the centre answers")
    func noSignOffWhileAReturnIsPending() {
        guard case .illegal(let message) = TaskStateMachine.decide(.accept(note: nil), on: status(.dispatched, pending: .return), at: now) else {
            Issue.record("expected illegal"); return
        }
        #expect(message.contains("return request is already pending"))
        // Other pending requests do not stand in the way of signing for the task.
        guard case .applied(let signed) = TaskStateMachine.decide(.accept(note: nil), on: status(.dispatched, pending: .extension), at: now) else {
            Issue.record("expected the sign-off to apply"); return
        }
        #expect(signed.state == .accepted && signed.pendingRequest == .extension && signed.acceptedAt == now)
        // And the case agrees: the same rules decide CaseWorkflow's accept_task.
        #expect(DepartmentTaskRules.refusal(.accept, on: DepartmentTask(state: .dispatched, pendingRequest: .return)) != nil)
    }

    @Test func extensionMustGoBeyondTheCurrentDeadline() {
        let early = TaskStateMachine.decide(.requestExtension(deadline: deadline, reason: "parts"), on: status(.accepted), at: now)
        #expect(early == .invalid([FieldIssue("requestedDeadline", "must be later than the current deadline \(RFC3339.format(deadline))")]))
        let later = TaskStateMachine.decide(.requestExtension(deadline: deadline.addingTimeInterval(3600), reason: "parts"), on: status(.accepted), at: now)
        #expect(later == .applied(status(.accepted, pending: .extension)))
    }

    @Test func inputValidationReportsEveryProblem() {
        let input = OperationInput(reason: "  ", photos: ["ftp://x/y.jpg", "https://img.example/a.jpg"])
        guard case .failure(let problems) = input.operation(.extension) else { Issue.record("expected failure"); return }
        #expect(problems.issues.map(\.field) == ["reason", "requestedDeadline"])
        guard case .failure(let complete) = input.operation(.complete) else { Issue.record("expected failure"); return }
        #expect(complete.issues.map(\.field) == ["result", "photos[0]"])
        #expect(OperationInput(result: " done ").operation(.complete) == .success(.complete(result: "done", photos: [])))
        #expect(OperationInput().operation(.accept) == .success(.accept(note: nil)))
    }

    @Test func noticesFromTheCentre() {
        let later = deadline.addingTimeInterval(7_200)
        #expect(TaskStateMachine.apply(.extensionApproved, deadline: later, at: now, to: status(.accepted, pending: .extension))
                == .update(TaskStatus(state: .accepted, deadline: later, deadlineBasis: .decision)))
        #expect(TaskStateMachine.apply(.extensionRefused, deadline: nil, at: now, to: status(.accepted, pending: .extension))
                == .update(status(.accepted)))
        #expect(TaskStateMachine.apply(.returnRefused, deadline: nil, at: now, to: status(.accepted, pending: .extension)) == .recordOnly)
        #expect(TaskStateMachine.apply(.suspensionApproved, deadline: nil, at: now, to: status(.accepted, pending: .suspension, accepted: true))
                == .update(status(.suspended, accepted: true)))
        #expect(TaskStateMachine.apply(.resumed, deadline: later, at: now, to: status(.suspended, accepted: true))
                == .update(TaskStatus(state: .accepted, deadline: later, acceptedAt: now.addingTimeInterval(-60))))
        #expect(TaskStateMachine.apply(.returnApproved, deadline: nil, at: now, to: status(.dispatched, pending: .return)) == .update(status(.returned)))
        #expect(TaskStateMachine.apply(.closed, deadline: nil, at: now, to: status(.completed)) == .update(status(.closed)))
        #expect(TaskStateMachine.apply(.voided, deadline: nil, at: now, to: status(.accepted)) == .update(status(.voided)))
        #expect(TaskStateMachine.apply(.reworked, deadline: later, at: now, to: status(.completed)) == .update(status(.superseded)))
        for mark in [TaskNoticeKind.warning, .overdue, .urged] {
            #expect(TaskStateMachine.apply(mark, deadline: nil, at: now, to: status(.accepted)) == .recordOnly)
        }
        // A final task only logs what comes later.
        #expect(TaskStateMachine.apply(.closed, deadline: nil, at: now, to: status(.returned)) == .recordOnly)
        #expect(TaskStateMachine.apply(.extensionApproved, deadline: later, at: now, to: status(.superseded)) == .recordOnly)
    }

    /// Bases as supervision sends them: a year counted before its notice, and after.
    let provisional = DeadlineBasis(kind: .workingCalendar, years: [
        .init(year: 2027, standing: .provisional, version: "provisional-0a1b2c3d", notice: nil),
    ])
    let official = DeadlineBasis(kind: .workingCalendar, years: [
        .init(year: 2027, standing: .official, version: "official-4e5f6a7b", notice: "国办发明电〔2026〕9号"),
    ])

    @Test func aChangedDeadlineMovesTheOpenTaskWithItsBasis() {
        let moved = deadline.addingTimeInterval(86_400)
        for state in [TaskState.dispatched, .accepted, .completed] {
            var before = status(state, accepted: state != .dispatched)
            before.deadlineBasis = provisional
            var after = before
            after.deadline = moved
            after.deadlineBasis = official
            #expect(TaskStateMachine.apply(.deadlineChanged, deadline: moved, basis: official, at: now, to: before) == .update(after), "\(state)")
        }
        // A pending request stays pending: the deadline moved, nobody answered it.
        var pending = status(.accepted, pending: .extension, accepted: true)
        pending.deadlineBasis = provisional
        guard case .update(let next) = TaskStateMachine.apply(.deadlineChanged, deadline: moved, basis: official, at: now, to: pending) else {
            Issue.record("expected an update"); return
        }
        #expect(next.pendingRequest == .extension)
        #expect(next.state == .accepted)
    }

    @Test func anOfficialYearThatKeepsTheDeadlineStillUpdatesTheBasis() {
        var before = status(.accepted, accepted: true)
        before.deadlineBasis = provisional
        var after = before
        after.deadlineBasis = official
        #expect(TaskStateMachine.apply(.deadlineChanged, deadline: deadline, basis: official, at: now, to: before) == .update(after))
        // The same deadline and basis again (a redelivery supervision could not tell apart) is only logged.
        #expect(TaskStateMachine.apply(.deadlineChanged, deadline: deadline, basis: official, at: now, to: after) == .recordOnly)
    }

    @Test func aChangedDeadlineOnlyLogsOnAFinishedTaskOrWithoutADeadline() {
        let moved = deadline.addingTimeInterval(86_400)
        for state in [TaskState.returned, .closed, .voided, .superseded] {
            #expect(TaskStateMachine.apply(.deadlineChanged, deadline: moved, basis: official, at: now, to: status(state)) == .recordOnly, "\(state)")
        }
        #expect(TaskStateMachine.apply(.deadlineChanged, deadline: nil, basis: official, at: now, to: status(.accepted)) == .recordOnly)
    }

    @Test func everyNoticeThatSetsADeadlineSetsItsBasis() {
        let later = deadline.addingTimeInterval(7_200)
        var counted = status(.accepted, pending: .extension, accepted: true)
        counted.deadlineBasis = provisional
        // An approved extension is a decision unless the notice says otherwise.
        #expect(TaskStateMachine.apply(.extensionApproved, deadline: later, at: now, to: counted)
                == .update(TaskStatus(state: .accepted, deadline: later, deadlineBasis: .decision, acceptedAt: counted.acceptedAt)))
        #expect(TaskStateMachine.apply(.extensionApproved, deadline: later, basis: .decision, at: now, to: counted)
                == .update(TaskStatus(state: .accepted, deadline: later, deadlineBasis: .decision, acceptedAt: counted.acceptedAt)))
        // Resumed with a fresh count: its basis; without one, the old basis no longer applies.
        var suspended = status(.suspended, accepted: true)
        suspended.deadlineBasis = provisional
        #expect(TaskStateMachine.apply(.resumed, deadline: later, basis: official, at: now, to: suspended)
                == .update(TaskStatus(state: .accepted, deadline: later, deadlineBasis: official, acceptedAt: suspended.acceptedAt)))
        #expect(TaskStateMachine.apply(.resumed, deadline: later, at: now, to: suspended)
                == .update(TaskStatus(state: .accepted, deadline: later, deadlineBasis: nil, acceptedAt: suspended.acceptedAt)))
        // A notice that repeats the deadline without a basis leaves the known basis alone.
        #expect(TaskStateMachine.apply(.resumed, deadline: deadline, at: now, to: suspended)
                == .update(TaskStatus(state: .accepted, deadline: deadline, deadlineBasis: provisional, acceptedAt: suspended.acceptedAt)))
    }

    @Test func departmentOperationsKeepTheBasis() {
        var counted = status(.dispatched)
        counted.deadlineBasis = official
        guard case .applied(let next) = TaskStateMachine.decide(.accept(note: nil), on: counted, at: now) else {
            Issue.record("expected applied"); return
        }
        #expect(next.deadlineBasis == official)
        #expect(official.isProvisional == false && provisional.isProvisional)
    }

    @Test func commandRoutingKeys() {
        #expect(CommandConsumer.parseRoutingKey("SZGY.complete")?.department == "SZGY")
        #expect(CommandConsumer.parseRoutingKey("SZGY.complete")?.command == .complete)
        #expect(CommandConsumer.parseRoutingKey("SZGY.return")?.command == .return)
        #expect(CommandConsumer.parseRoutingKey("SZGY.close") == nil)
        #expect(CommandConsumer.parseRoutingKey("SZGY.complete.x") == nil)
        #expect(CommandConsumer.parseRoutingKey(".accept") == nil)
    }
}
