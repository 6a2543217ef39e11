import CityGridModel
import Foundation

/// What a department operation does to a task: the new status, or why it cannot apply.
public enum TaskDecision: Equatable, Sendable {
    case applied(TaskStatus)
    /// The input is wrong for this task (e.g. an extension not beyond the current deadline) → 422.
    case invalid([FieldIssue])
    /// The task's state does not allow the operation → 409 `illegal_transition`.
    case illegal(String)
}

/// What a supervision notice does to a task.
public enum NoticeEffect: Equatable, Sendable {
    /// Store the new status (and the notice in the task's log).
    case update(TaskStatus)
    /// Only log the notice (and its display marks); the status stays.
    case recordOnly
}

/// The task's side of the department rules, pure: no I/O, no clock. Whether an operation is
/// allowed, and what it does to the state and the pending request, is ``DepartmentTaskRules``'
/// (CityGridModel), which supervision's `CaseWorkflow` asks too; this adds the task's own
/// timestamps and how the centre's notices move the task.
public enum TaskStateMachine {
    /// Decides a department operation on a task with `status`, at `now`.
    public static func decide(_ operation: DepartmentOperation, on status: TaskStatus, at now: Date) -> TaskDecision {
        let task = status.departmentTask
        if let refusal = DepartmentTaskRules.refusal(operation.kind, on: task) {
            return .illegal(refusal.message(for: operation.kind, in: status.state))
        }
        if case .requestExtension(let deadline, _) = operation,
           let refusal = DepartmentTaskRules.refusal(requestedDeadline: deadline, on: task, at: now) {
            return .invalid([FieldIssue("requestedDeadline", refusal.message(for: operation.kind, in: status.state))])
        }
        let after = DepartmentTaskRules.next(after: operation.kind, from: task)
        var next = status
        next.state = after.state
        next.pendingRequest = after.pendingRequest
        switch operation {
        case .accept:
            next.acceptedAt = now
        case .complete:
            // Completing proves the sign-off.
            next.completedAt = now
            if next.acceptedAt == nil { next.acceptedAt = now }
        case .progress, .requestReturn, .requestExtension, .requestSuspension:
            break
        }
        return .applied(next)
    }

    /// Puts a task back where the centre holds it after the centre refused one of its updates
    /// (`update_refused`). The notice shows the task as the centre held it when it refused; the
    /// department's later operations reached the centre after that one, in order, and the centre
    /// judged them by the same rules, so they are replayed on top of it. If one of them does not
    /// replay, a centre decision came between them at the centre and the notice is only logged.
    /// - Parameters:
    ///   - refusal: what the notice says.
    ///   - log: the task's department operations (update id and action), oldest first.
    public static func settle(_ refusal: TaskNotice.UpdateRefusal, log: [(id: UUID, action: TaskAction)], on status: TaskStatus) -> NoticeEffect {
        guard let heldState = refusal.taskState, let index = log.firstIndex(where: { $0.id == refusal.updateId }),
              !status.state.isFinal else { return .recordOnly }
        let later = log[(index + 1)...].map(\.action)
        var next = status
        // A sign-off goes with the update that made it (an accept, or a completion that implied it):
        // the centre never saw it, so a later resumption must go back to "not signed for".
        let signedBefore = log[..<index].contains { $0.action == .accepted }
        let signedByRefused = refusal.action == .accepted || (refusal.action == .completed && !signedBefore)
        let signedLater = later.contains(.accepted) || later.contains(.completed)
        if signedByRefused, !signedLater, status.state != .accepted, status.state != .completed { next.acceptedAt = nil }
        var held = DepartmentTask(state: heldState, pendingRequest: heldState.isFinal ? nil : refusal.pendingRequest, deadline: status.deadline)
        for action in later {
            let operation = action.operation
            // A later operation the rules refuse on the held task either reached the centre after a
            // decision that allowed it, or is refused there too and answered by its own notice:
            // either way this notice no longer describes the task's state.
            guard DepartmentTaskRules.refusal(operation, on: held) == nil else { return next == status ? .recordOnly : .update(next) }
            held = DepartmentTaskRules.next(after: operation, from: held)
        }
        next.state = held.state
        next.pendingRequest = held.pendingRequest
        if signedByRefused || held.state == .dispatched { next.acceptedAt = nil }
        if held.state != .completed { next.completedAt = nil }
        if held.state == .accepted || held.state == .completed, next.acceptedAt == nil { next.acceptedAt = status.acceptedAt }
        return next == status ? .recordOnly : .update(next)
    }

    /// Applies a supervision notice (other than `reworked` and `reopened`, which open a new task). The centre is
    /// the authority, so its decisions are taken as given; a task that is already final only logs them.
    /// - Parameters:
    ///   - deadline: the notice's deadline, if it carries one.
    ///   - basis: what that deadline was counted on, if the notice says.
    public static func apply(_ kind: TaskNoticeKind, deadline: Date?, basis: DeadlineBasis? = nil, at: Date,
                             to status: TaskStatus) -> NoticeEffect {
        var next = status
        /// A deadline and its basis move together: a moved deadline takes the notice's basis, or
        /// `fallback` when the notice names none (the old basis no longer describes it).
        func move(to deadline: Date?, fallback: DeadlineBasis? = nil) {
            guard let deadline else { return }
            next.deadlineBasis = basis ?? (deadline == status.deadline ? status.deadlineBasis : fallback)
            next.deadline = deadline
        }
        switch kind {
        case .closed, .voided:
            if status.state.isFinal { return .recordOnly }
            next.state = kind == .closed ? .closed : .voided
            next.pendingRequest = nil
        case .reworked, .reopened:
            // The old dispatch is replaced; the new one is created by the caller. (A reopened
            // case's old task is closed already, so it only logs.)
            if status.state.isFinal { return .recordOnly }
            next.state = .superseded
            next.pendingRequest = nil
        case .extensionApproved:
            if status.state.isFinal { return .recordOnly }
            if status.pendingRequest == .extension { next.pendingRequest = nil }
            // An approved extension's date is a decision, not a count.
            move(to: deadline, fallback: .decision)
        case .extensionRefused, .suspensionRefused, .returnRefused:
            let answered: PendingRequestKind = kind == .extensionRefused ? .extension : kind == .suspensionRefused ? .suspension : .return
            guard status.pendingRequest == answered else { return .recordOnly }
            next.pendingRequest = nil
        case .suspensionApproved:
            guard status.state == .dispatched || status.state == .accepted else { return .recordOnly }
            next.state = .suspended
            next.pendingRequest = nil
        case .resumed:
            if status.state.isFinal { return .recordOnly }
            // A task the department completed while the resumption was in flight stays completed,
            // but takes the new deadline, as the case did.
            if status.state == .suspended { next.state = status.acceptedAt == nil ? .dispatched : .accepted }
            move(to: deadline)
        case .returnApproved:
            if status.state.isFinal { return .recordOnly }
            next.state = .returned
            next.pendingRequest = nil
        case .deadlineChanged:
            // A replaced calendar moved the deadline (or only confirmed it on an official year):
            // the task follows while it is still open.
            if status.state.isFinal { return .recordOnly }
            move(to: deadline)
        case .warning, .overdue, .urged, .updateRefused:
            // An update_refused settles through ``settle(_:later:on:)``, which needs the log.
            return .recordOnly
        }
        return next == status ? .recordOnly : .update(next)
    }
}

extension TaskAction {
    /// The department operation an update reports.
    var operation: DepartmentTaskRules.Operation {
        switch self {
        case .accepted: return .accept
        case .progressNoted: return .progress
        case .completed: return .complete
        case .returnRequested: return .return
        case .extensionRequested: return .extension
        case .suspensionRequested: return .suspension
        }
    }
}
