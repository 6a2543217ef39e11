import Foundation

/// Where one dispatch (task) stands as its department sees it. Disposal stores it per task;
/// supervision derives it from the case (``CaseRecord/departmentTask(dispatchId:department:)``).
/// Raw values are stored by disposal and shown in its API, so they are never renamed.
public enum TaskState: String, Codable, Sendable, CaseIterable {
    /// 派遣: in the inbox, not yet signed for.
    case dispatched
    /// 签收: the department is handling it.
    case accepted
    /// 挂账 approved by the centre: waiting, no clock, until `resumed`.
    case suspended
    /// 处理反馈 sent: the centre checks (核查); rework comes back as a new task.
    case completed
    /// The centre approved the department's return (回退): the case goes to someone else.
    case returned
    /// The case was closed (结案) by the centre.
    case closed
    /// The case was voided (作废) by the centre.
    case voided
    /// A newer dispatch of the same case (rework 返工 or re-dispatch) replaced this task.
    case superseded

    /// Final for this dispatch: nothing a department or a notice does changes it any more.
    public var isFinal: Bool {
        switch self {
        case .returned, .closed, .voided, .superseded: return true
        case .dispatched, .accepted, .suspended, .completed: return false
        }
    }

    /// 中文 label for messages.
    public var label: String {
        switch self {
        case .dispatched: return "待签收"
        case .accepted: return "处置中"
        case .suspended: return "挂账"
        case .completed: return "已反馈"
        case .returned: return "已回退"
        case .closed: return "已结案"
        case .voided: return "已作废"
        case .superseded: return "已被新派遣替代"
        }
    }
}

/// The part of a task the department rules read: its state, the request waiting for the centre,
/// and the handling deadline in force.
public struct DepartmentTask: Hashable, Sendable {
    public var state: TaskState
    public var pendingRequest: PendingRequest.Kind?
    public var deadline: Date?

    public init(state: TaskState, pendingRequest: PendingRequest.Kind? = nil, deadline: Date? = nil) {
        self.state = state
        self.pendingRequest = pendingRequest
        self.deadline = deadline
    }
}

/// The one owner of what a department may do with its task: sign for it (签收), note progress,
/// report completion (处理反馈), and ask for a return (回退), an extension (延期) or a suspension
/// (挂账), one request at a time.
///
/// Disposal asks before it commits an operation (and answers 409/422); supervision's
/// ``CaseWorkflow`` asks for the same operation arriving as a `TaskUpdated`, on the task as the
/// case shows it. Both sides therefore refuse the same things for the same reasons; each maps a
/// ``Refusal`` onto its own error codes. Pure: no I/O, no clock.
public enum DepartmentTaskRules {
    /// A department operation, named as in the department's commands.
    public typealias Operation = TaskCommandKind

    /// Why an operation does not apply to a task.
    public enum Refusal: Hashable, Sendable {
        /// The dispatch is over (returned, closed, voided, superseded).
        case over(TaskState)
        /// Suspended (挂账): nothing until the centre resumes it.
        case suspended
        /// Completion reported: the centre is checking; rework comes as a new task.
        case completed
        /// Signing for a task that is already signed for.
        case alreadyAccepted(TaskState)
        /// Another request is waiting for the centre's answer.
        case requestPending(PendingRequest.Kind)
        /// An extension that does not go beyond the deadline in force.
        case deadlineNotLater(current: Date)
        /// An extension to a moment already past.
        case deadlineNotInFuture

        /// `true` for refusals of the request's content (the extension's date) rather than of the
        /// task's state: disposal answers them 422 on the field, not 409.
        public var isInputProblem: Bool {
            switch self {
            case .deadlineNotLater, .deadlineNotInFuture: return true
            default: return false
            }
        }

        /// What a department is told, naming the operation and the task's state.
        public func message(for operation: Operation, in state: TaskState) -> String {
            let name = operation.rawValue
            switch self {
            case .over(let state):
                return "\(name) in state \(state.rawValue) (\(state.label)): the task is over; a department can no longer act on it"
            case .suspended:
                return "\(name) in state suspended (挂账): wait until the centre resumes the task"
            case .completed:
                return "\(name) in state completed (已反馈): the centre is checking the result; rework comes as a new task"
            case .alreadyAccepted(let state):
                return "\(name) in state \(state.rawValue) (\(state.label)): the task is already accepted"
            case .requestPending(let pending):
                return "\(name) in state \(state.rawValue): a \(pending.rawValue) request is already pending; wait for the centre's answer"
            case .deadlineNotLater(let current):
                return "must be later than the current deadline \(RFC3339.format(current))"
            case .deadlineNotInFuture:
                return "must be in the future"
            }
        }
    }

    /// Whether `operation` fits the task's state and pending request; `nil` when it does.
    public static func refusal(_ operation: Operation, on task: DepartmentTask) -> Refusal? {
        switch task.state {
        case .returned, .closed, .voided, .superseded: return .over(task.state)
        case .suspended: return .suspended
        case .completed: return .completed
        case .dispatched, .accepted: break
        }
        switch operation {
        case .accept:
            guard task.state == .dispatched else { return .alreadyAccepted(task.state) }
            // Signing for a task the department has asked to give back contradicts the request;
            // the centre's answer comes first (an approved return ends the task, a refused one
            // leaves it to be signed for).
            if task.pendingRequest == .return { return .requestPending(.return) }
            return nil
        case .progress, .complete:
            // A note changes nothing; completing answers whatever request is pending.
            return nil
        case .return, .extension, .suspension:
            return task.pendingRequest.map(Refusal.requestPending)
        }
    }

    /// Whether an extension to `requested` may be asked for at `now`; `nil` when it may.
    public static func refusal(requestedDeadline requested: Date, on task: DepartmentTask, at now: Date) -> Refusal? {
        if let current = task.deadline, requested <= current { return .deadlineNotLater(current: current) }
        if requested <= now { return .deadlineNotInFuture }
        return nil
    }

    /// The task after an operation the rules allowed.
    public static func next(after operation: Operation, from task: DepartmentTask) -> DepartmentTask {
        var next = task
        switch operation {
        case .accept: next.state = .accepted
        case .progress: break
        case .complete:
            next.state = .completed
            next.pendingRequest = nil
        case .return: next.pendingRequest = .return
        case .extension: next.pendingRequest = .extension
        case .suspension: next.pendingRequest = .suspension
        }
        return next
    }
}

extension CaseRecord {
    /// The task of the dispatch the case is with now, as its department sees it; `nil` when no
    /// department holds the case (not dispatched yet, or returned and not dispatched again).
    public var departmentTask: DepartmentTask? {
        guard currentDepartment != nil, let current = dispatchIds.last else { return nil }
        return departmentTask(dispatchId: current, department: currentDepartment)
    }

    /// The task of `dispatchId` (sent to `department`) as the case shows it, or `nil` when the
    /// case does not know that dispatch (yet).
    public func departmentTask(dispatchId: UUID, department: String?) -> DepartmentTask? {
        guard dispatchIds.contains(dispatchId) else { return nil }
        guard let holder = currentDepartment, dispatchId == dispatchIds.last, department == nil || department == holder else {
            // Not the dispatch in force: the department gave it back, or a newer one replaced it.
            return DepartmentTask(state: department.map(returnedBy.contains) == true ? .returned : .superseded)
        }
        let pending = pendingRequest?.kind
        switch state {
        case .inHandling:
            return DepartmentTask(state: taskAcceptedAt == nil ? .dispatched : .accepted, pendingRequest: pending, deadline: handlingDeadline)
        case .suspended:
            return DepartmentTask(state: .suspended, deadline: handlingDeadline)
        case .awaitingCheck, .awaitingClose:
            return DepartmentTask(state: .completed, deadline: handlingDeadline)
        case .closed:
            return DepartmentTask(state: .closed, deadline: handlingDeadline)
        case .voided, .notAccepted, .notFiled:
            return DepartmentTask(state: .voided, deadline: handlingDeadline)
        case .reported, .awaitingAccept, .awaitingVerify, .awaitingFile, .awaitingDispatch, .manualDispatch, .selfHandledPending:
            return nil
        }
    }
}
