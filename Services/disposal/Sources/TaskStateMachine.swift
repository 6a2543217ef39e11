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

/// The task rules, pure: no I/O, no clock. Mirrors `CaseWorkflow`'s department rows — sign-off,
/// progress, completion and one pending request at a time — seen from one dispatch.
public enum TaskStateMachine {
    /// Decides a department operation on a task with `status`, at `now`.
    public static func decide(_ operation: DepartmentOperation, on status: TaskStatus, at now: Date) -> TaskDecision {
        let name = operation.kind.rawValue
        if status.state.isFinal {
            return .illegal("\(name) in state \(status.state.rawValue) (\(status.state.label)): the task is over; a department can no longer act on it")
        }
        switch status.state {
        case .suspended:
            return .illegal("\(name) in state suspended (挂账): wait until the centre resumes the task")
        case .completed:
            return .illegal("\(name) in state completed (已反馈): the centre is checking the result; rework comes as a new task")
        default: break
        }
        var next = status
        switch operation {
        case .accept:
            guard status.state == .dispatched else {
                return .illegal("accept in state \(status.state.rawValue) (\(status.state.label)): the task is already accepted")
            }
            next.state = .accepted
            next.acceptedAt = now
        case .progress:
            break  // a note changes nothing but the log
        case .complete:
            // Completing answers a pending request (as in CaseWorkflow) and proves the sign-off.
            next.state = .completed
            next.pendingRequest = nil
            next.completedAt = now
            if next.acceptedAt == nil { next.acceptedAt = now }
        case .requestReturn, .requestExtension, .requestSuspension:
            if let pending = status.pendingRequest {
                return .illegal("\(name) in state \(status.state.rawValue): a \(pending.rawValue) request is already pending; wait for the centre's answer")
            }
            if case .requestExtension(let deadline, _) = operation {
                var issues: [FieldIssue] = []
                if deadline <= status.deadline {
                    issues.append(FieldIssue("requestedDeadline", "must be later than the current deadline \(RFC3339.format(status.deadline))"))
                } else if deadline <= now {
                    issues.append(FieldIssue("requestedDeadline", "must be in the future"))
                }
                if !issues.isEmpty { return .invalid(issues) }
            }
            next.pendingRequest = operation.pendingKind
        }
        return .applied(next)
    }

    /// Applies a supervision notice (other than `reworked`, which opens a new task). The centre is
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
        case .reworked:
            // The old dispatch is replaced; the new one is created by the caller.
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
            guard status.state == .suspended else { return .recordOnly }
            next.state = status.acceptedAt == nil ? .dispatched : .accepted
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
        case .warning, .overdue, .urged:
            return .recordOnly
        }
        return next == status ? .recordOnly : .update(next)
    }
}

extension DepartmentOperation {
    var pendingKind: PendingRequestKind? {
        switch self {
        case .requestReturn: return .return
        case .requestExtension: return .extension
        case .requestSuspension: return .suspension
        default: return nil
        }
    }
}
