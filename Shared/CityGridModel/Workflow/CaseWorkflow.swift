import Foundation

/// The single authority on a case's lifecycle: pure functions from (record, command, actor, time)
/// to a new record plus the timeline entry to append. No I/O, no clock, no calendar.
public enum CaseWorkflow {
    /// What applying a command came to.
    ///
    /// The four cases map onto what a message consumer or HTTP handler does next:
    /// - `applied`: store the record, append the entry, publish; ack.
    /// - `alreadyApplied`: the record already shows this effect (a second delivery, a double
    ///   click). Not an error: ack / answer 200 and change nothing.
    /// - `notYet`: the case has not reached the state the command needs, typically because the
    ///   message that gets it there is still in flight. Retry later (requeue with delay / 409);
    ///   never drop it.
    /// - `rejected`: the command is wrong and retrying cannot help (role, department, payload,
    ///   a state it can never apply in). Dead-letter with `code` / answer 4xx.
    public enum Outcome: Sendable, Hashable {
        case applied(Transition)
        case alreadyApplied
        case notYet(WorkflowError)
        case rejected(WorkflowError)

        /// The transition, when applied.
        public var transition: Transition? {
            if case .applied(let transition) = self { transition } else { nil }
        }

        /// The error, when not yet applicable or rejected.
        public var error: WorkflowError? {
            switch self {
            case .notYet(let error), .rejected(let error): error
            case .applied, .alreadyApplied: nil
            }
        }
    }

    /// Whether a command fits a record's state, regardless of who sends it.
    public enum Applicability: Sendable, Hashable {
        case ready
        case alreadyApplied
        case notYet(WorkflowError)
        case illegal(WorkflowError)
    }

    // MARK: - Creating a case

    /// Creates a case from a report: `reported`, or `self_handled_pending` when the report carries
    /// evidence of an on-the-spot fix. Starts the acceptance (or review) clock at `at`.
    ///
    /// Idempotence is the caller's: a report whose case id already exists is already applied.
    /// - Parameters:
    ///   - report: The report as intake produced it.
    ///   - actor: The reporting supervisor, or `system` for public channels.
    ///   - at: When the report arrived.
    public static func report(_ report: CaseReport, actor: CaseActor, at: Date) -> Result<Transition, WorkflowError> {
        let action: CaseAction = report.selfHandled == nil ? .report : .reportSelfHandled
        func fail(_ code: WorkflowError.Code, _ detail: String) -> Result<Transition, WorkflowError> {
            .failure(WorkflowError(code, action: action, state: nil, detail))
        }
        guard action.permittedRoles.contains(actor.role) else {
            return fail(.forbiddenForRole, "role \(actor.role.rawValue) may not \(action.rawValue)")
        }
        guard !report.caseNumber.isBlank else { return fail(.missingField, "case number is empty") }
        if let deadline = report.deadline, deadline <= at {
            return fail(.invalidDeadline, "deadline \(deadline.iso) is not after \(at.iso)")
        }

        var details: [String: String] = [:]
        details[.gridCode] = report.gridCode
        var record: CaseRecord
        if let evidence = report.selfHandled {
            guard !evidence.beforePhotos.isEmpty, !evidence.afterPhotos.isEmpty else {
                return fail(.missingEvidence, "a self-handled report needs before and after photos")
            }
            record = CaseRecord(id: report.id, caseNumber: report.caseNumber, state: .selfHandledPending, reportedAt: at)
            record.clock = StageClock(stage: .review, startedAt: at, deadline: report.deadline)
            details[.beforePhotos] = evidence.beforePhotos.joined(separator: " ")
            details[.afterPhotos] = evidence.afterPhotos.joined(separator: " ")
        } else {
            record = CaseRecord(
                id: report.id,
                caseNumber: report.caseNumber,
                state: .reported,
                reportedAt: at,
                requiresVerification: report.requiresVerification
            )
            record.clock = StageClock(stage: .accept, startedAt: at, deadline: report.deadline)
        }
        record.gridCode = report.gridCode
        return .success(finish(from: nil, to: record, action: action, actor: actor, at: at, reason: nil, details: details))
    }

    // MARK: - Checking

    /// Whether `command` fits `record`'s state, ignoring who sends it and when.
    ///
    /// Order matters: a command whose effect the record already shows is `alreadyApplied` even
    /// though its source state is gone; otherwise a terminal case refuses everything
    /// (`case_ended`); otherwise a command for a later step of the main path is `notYet`.
    /// - Parameters:
    ///   - command: The command to test.
    ///   - record: The case as stored.
    public static func canApply(_ command: CaseCommand, to record: CaseRecord) -> Applicability {
        let action = command.action
        let state = record.state
        func error(_ code: WorkflowError.Code, _ detail: String) -> WorkflowError {
            WorkflowError(code, action: action, state: state, detail)
        }

        if isAlreadyApplied(command, record) { return .alreadyApplied }
        // An ended case refuses everything but the few commands made for it (a return visit on
        // a closed case, and the reopening it may lead to).
        if state.isTerminal, !action.sourceStates.contains(state) { return .illegal(error(.caseEnded, "the case has ended")) }
        if let operation = command.departmentOperation, let task = record.departmentTask {
            // The department rows are DepartmentTaskRules', which disposal asks too before it
            // commits; only the mapping onto workflow codes is ours.
            guard let refusal = DepartmentTaskRules.refusal(operation, on: task) else { return .ready }
            switch refusal {
            case .alreadyAccepted: return .alreadyApplied
            case .requestPending(let kind): return .illegal(error(.requestPending, "a \(kind.rawValue) request is already pending"))
            case .over: return .illegal(error(.caseEnded, "the case has ended"))
            case .suspended, .completed, .deadlineNotLater, .deadlineNotInFuture:
                return .illegal(error(.illegalTransition, "allowed only in \(sourceList(action))"))
            }
        }
        if action.sourceStates.contains(state) {
            if let problem = stateRule(command, record) { return .illegal(error(problem.code, problem.detail)) }
            return readiness(command, record, error)
        }
        // Loops only go back along the main path, so a lower step means "not there yet".
        if let step = state.step, let needed = action.sourceStates.compactMap(\.step).min(), step < needed {
            return .notYet(error(.notYet, "the case has not reached \(sourceList(action)) yet"))
        }
        return .illegal(error(.illegalTransition, "allowed only in \(sourceList(action))"))
    }

    // MARK: - Applying

    /// Validates and applies one command.
    ///
    /// Checks, in order: the role matrix; a department's scope (only the case currently with it);
    /// the payload (reasons, ids); the state (``canApply(_:to:)``); the times (deadlines after
    /// `at`, overdue only after the deadline). Then computes the new record and the entry.
    /// - Parameters:
    ///   - command: What should happen.
    ///   - record: The case as stored.
    ///   - actor: Who asks for it.
    ///   - at: When it happened (from the injected clock or the message's time).
    public static func apply(_ command: CaseCommand, to record: CaseRecord, actor: CaseActor, at: Date) -> Outcome {
        let action = command.action
        func reject(_ code: WorkflowError.Code, _ detail: String) -> Outcome {
            .rejected(WorkflowError(code, action: action, state: record.state, detail))
        }

        guard action.permittedRoles.contains(actor.role) else {
            return reject(.forbiddenForRole, "role \(actor.role.rawValue) may not \(action.rawValue)")
        }
        if actor.role == .department {
            guard let own = actor.departmentCode, !own.isBlank else {
                return reject(.invalidActor, "a department actor needs a department code")
            }
            if let holder = record.currentDepartment, holder != own {
                return reject(.wrongDepartment, "the case is with department \(holder), not \(own)")
            }
            if record.currentDepartment == nil, record.returnedBy.contains(own) {
                return reject(.wrongDepartment, "department \(own) returned this case")
            }
        }
        if let problem = payloadProblem(command) { return reject(problem.code, problem.detail) }

        switch canApply(command, to: record) {
        case .ready: break
        case .alreadyApplied: return .alreadyApplied
        case .notYet(let error): return .notYet(error)
        case .illegal(let error): return .rejected(error)
        }
        // The policy (system) reopens on its own terms; the shift leader reopens only what the
        // policy referred to them.
        if action == .reopen, actor.role == .shiftLeader, record.reopenReferral == nil {
            return reject(.noPendingRequest, "no reopening was referred to the shift leader")
        }

        if let problem = timeProblem(command, record, at: at) {
            let error = WorkflowError(problem.code, action: action, state: record.state, problem.detail)
            return problem.code == .notYet ? .notYet(error) : .rejected(error)
        }

        let (next, details) = effect(of: command, on: record, actor: actor, at: at)
        return .applied(finish(from: record, to: next, action: action, actor: actor, at: at, reason: command.text, details: details))
    }
}

// MARK: - Rules

/// A refusal found by one of the rule functions; the caller wraps it in a ``WorkflowError``.
private struct Problem {
    var code: WorkflowError.Code
    var detail: String
    init(_ code: WorkflowError.Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
}

extension CaseWorkflow {
    /// Effects the record already shows, so a repeat is harmless. Only commands that can really
    /// arrive twice (messages from other services, timers, double-clicked decisions) are listed;
    /// anything else falls through to the state rules.
    private static func isAlreadyApplied(_ command: CaseCommand, _ record: CaseRecord) -> Bool {
        let state = record.state
        switch command {
        case .locate:
            return (state.step ?? 0) > 0
        case .verificationConfirmed:
            return (state.step ?? 0) >= 3
        case .file:
            return record.filedAt != nil && (state.step ?? 0) >= 4
        case .dispatch(let dispatchId, _, _):
            return record.dispatchIds.contains(dispatchId)
        case .requireManualDispatch:
            return state == .manualDispatch
        case .acceptTask:
            return record.taskAcceptedAt != nil && [.inHandling, .awaitingCheck, .awaitingClose].contains(state)
        case .complete:
            return state == .awaitingCheck || state == .awaitingClose
        case .requestReturn:
            return state == .inHandling && record.pendingRequest?.kind == .return
        case .requestExtension(let until, _):
            return state == .inHandling && record.pendingRequest?.kind == .extension && record.pendingRequest?.requestedDeadline == until
        case .requestSuspension:
            return state == .inHandling && record.pendingRequest?.kind == .suspension
        case .approveSuspension:
            return state == .suspended
        case .requestCheck:
            return (state == .awaitingCheck && record.checkRequestedAt != nil) || state == .awaitingClose
        case .checkPassed:
            return state == .awaitingClose || state == .closed
        case .markWarning(let stage, let deadline):
            return record.clock?.stage == stage && record.clock?.deadline == deadline && record.clock?.warnedAt != nil
        case .markOverdue(let stage, let deadline):
            return record.clock?.stage == stage && record.clock?.deadline == deadline && record.clock?.overdueAt != nil
        case .recomputeDeadline(let stage, _, let deadline, let basis, _):
            return record.clock?.stage == stage && record.clock?.deadline == deadline && record.clock?.basis == basis
        case .handleAtIntake, .close, .approveSelfHandled:
            return state == .closed
        case .verificationRefuted, .void, .rejectSelfHandled:
            return state == .voided
        case .linkDuplicate(let original, _, _, _):
            return state == .voided && record.duplicateOf == original
        case .rejectAtAccept:
            return state == .notAccepted
        case .refuseFiling:
            return state == .notFiled
        case .returnVisit(let visit, _):
            return record.returnVisitKeys.contains(visit.key)
        case .reopen(let dispatchId, _, _, _):
            return record.dispatchIds.contains(dispatchId)
        default:
            return false
        }
    }

    /// Conditions beyond the state that make a command wrong for this record for good.
    private static func stateRule(_ command: CaseCommand, _ record: CaseRecord) -> Problem? {
        let pending = record.pendingRequest?.kind
        func needsPending(_ kind: PendingRequest.Kind) -> Problem? {
            pending == kind ? nil : Problem(.noPendingRequest, "no \(kind.rawValue) request is pending")
        }
        switch command {
        case .accept where record.requiresVerification:
            return Problem(.verificationRequired, "reports from this channel must be verified on site before filing")
        case .dispatch(_, let department, _) where record.returnedBy.contains(department):
            return Problem(.returnedByDepartment, "department \(department) returned this case")
        case .void(_, let duplicateOf?) where duplicateOf == record.id, .linkDuplicate(let duplicateOf, _, _, _) where duplicateOf == record.id:
            return Problem(.duplicateOfSelf, "a case cannot duplicate itself")
        case .linkDuplicate(_, let number, false, _):
            return Problem(.duplicateOfEnded, "case \(number) has ended: a repeat of an ended case is annotated, not voided")
        case .approveReturn, .refuseReturn:
            return needsPending(.return)
        case .approveExtension, .refuseExtension:
            return needsPending(.extension)
        case .approveSuspension, .refuseSuspension:
            return needsPending(.suspension)
        case .keepClosed:
            return record.reopenReferral == nil ? Problem(.noPendingRequest, "no reopening was referred to the shift leader") : nil
        case .markWarning(let stage, let deadline), .markOverdue(let stage, let deadline):
            guard record.clock?.stage == stage, record.clock?.deadline == deadline else {
                return Problem(.clockNotRunning, "no \(stage.rawValue) clock with deadline \(deadline.iso) is running")
            }
            return nil
        case .recomputeDeadline(let stage, let previous, _, _, _):
            guard let clock = record.clock, clock.stage == stage, clock.deadline == previous else {
                return Problem(.clockNotRunning, "no \(stage.rawValue) clock with deadline \(previous?.iso ?? "none") is running")
            }
            return nil
        default:
            return nil
        }
    }

    /// `ready`, or `notYet` when the state is right but an earlier step of the same state is missing.
    private static func readiness(
        _ command: CaseCommand,
        _ record: CaseRecord,
        _ error: (WorkflowError.Code, String) -> WorkflowError
    ) -> Applicability {
        switch command {
        case .checkPassed, .checkFailed:
            // The check result presupposes the check task (发核查); until the acceptor sends it, wait.
            record.checkRequestedAt == nil ? .notYet(error(.notYet, "the check task has not been sent yet")) : .ready
        default:
            .ready
        }
    }

    /// Payload rules that need no state: required text, ids.
    private static func payloadProblem(_ command: CaseCommand) -> Problem? {
        if let text = command.text, text.isBlank {
            return Problem(.missingReason, "a reason, result or note is required")
        }
        switch command {
        case .file(let conditionId, _) where conditionId.isBlank:
            return Problem(.missingField, "a filing condition (立案条件) is required")
        case .dispatch(_, let department, _) where department.isBlank, .reopen(_, let department, _, _) where department.isBlank:
            return Problem(.missingField, "a department code is required")
        case .returnVisit(let visit, _) where visit.key.isBlank:
            return Problem(.missingField, "a return visit needs a visit id")
        case .linkDuplicate(_, let number, _, _) where number.isBlank:
            return Problem(.missingField, "the number of the case repeated is required")
        default:
            return nil
        }
    }

    /// Time rules: a new deadline must lie after the transition, an extension beyond the current
    /// deadline, and an overdue mark cannot precede its deadline (an early timer: retry).
    private static func timeProblem(_ command: CaseCommand, _ record: CaseRecord, at: Date) -> Problem? {
        switch command {
        case .markOverdue(_, let deadline) where at < deadline:
            return Problem(.notYet, "deadline \(deadline.iso) has not passed at \(at.iso)")
        case .requestExtension(let until, _):
            // The department's side of the rule, shared with disposal.
            guard let task = record.departmentTask,
                  let refusal = DepartmentTaskRules.refusal(requestedDeadline: until, on: task, at: at) else { break }
            if case .deadlineNotLater(let current) = refusal {
                return Problem(.invalidDeadline, "\(until.iso) does not extend the deadline \(current.iso)")
            }
            return Problem(.invalidDeadline, "deadline \(until.iso) is not after \(at.iso)")
        case .approveExtension(let until):
            guard let current = record.handlingDeadline, until <= current else { break }
            return Problem(.invalidDeadline, "\(until.iso) does not extend the deadline \(current.iso)")
        default:
            break
        }
        if let deadline = command.newDeadline, deadline <= at {
            return Problem(.invalidDeadline, "deadline \(deadline.iso) is not after \(at.iso)")
        }
        return nil
    }

    private static func sourceList(_ action: CaseAction) -> String {
        action.sourceStates.map(\.rawValue).sorted().joined(separator: " | ")
    }
}

// MARK: - Effects

extension CaseWorkflow {
    /// The new record and the entry details. Called only once every check has passed.
    private static func effect(
        of command: CaseCommand,
        on record: CaseRecord,
        actor: CaseActor,
        at: Date
    ) -> (CaseRecord, [String: String]) {
        var r = record
        var details: [String: String] = [:]
        func startClock(_ stage: StageClock.Stage, _ deadline: Date?) {
            r.clock = StageClock(stage: stage, startedAt: at, deadline: deadline)
        }
        func end(_ state: CaseState) {
            r.state = state
            r.clock = nil
            r.pendingRequest = nil
        }
        func request(_ kind: PendingRequest.Kind, _ reason: String, _ until: Date? = nil) {
            r.pendingRequest = PendingRequest(
                kind: kind,
                reason: reason,
                requestedDeadline: until,
                requestedAt: at,
                requestedBy: actor.id,
                department: record.currentDepartment ?? ""
            )
        }

        switch command {
        case .locate(let gridCode):
            r.state = .awaitingAccept
            r.gridCode = gridCode ?? r.gridCode
            details[.gridCode] = gridCode
        case .accept(let deadline):
            r.state = .awaitingFile
            r.acceptedAt = at
            startClock(.file, deadline)
        case .rejectAtAccept:
            end(.notAccepted)
        case .requestVerification(let deadline):
            r.state = .awaitingVerify
            r.acceptedAt = at
            startClock(.verify, deadline)
        case .handleAtIntake:
            end(.closed)
            r.acceptedAt = r.acceptedAt ?? at
            r.closedAt = at
        case .verificationConfirmed(let deadline):
            r.state = .awaitingFile
            startClock(.file, deadline)
        case .verificationRefuted, .rejectSelfHandled:
            end(.voided)
            r.voidedAt = at
        case .file(let conditionId, let deadline):
            r.state = .awaitingDispatch
            r.filedAt = at
            r.conditionId = conditionId
            details[.conditionId] = conditionId
            startClock(.dispatch, deadline)
        case .refuseFiling:
            end(.notFiled)
        case .void(_, let duplicateOf):
            end(.voided)
            r.voidedAt = at
            r.duplicateOf = duplicateOf
            details[.duplicateOf] = duplicateOf?.uuidString.lowercased()
        case .linkDuplicate(let original, let number, _, _):
            end(.voided)
            r.voidedAt = at
            r.duplicateOf = original
            details[.duplicateOf] = original.uuidString.lowercased()
            details[.duplicateOfNumber] = number
        case .dispatch(let dispatchId, let department, let deadline):
            r.state = .inHandling
            r.currentDepartment = department
            r.dispatchIds.append(dispatchId)
            r.dispatchedAt = at
            r.taskAcceptedAt = nil
            r.checkRequestedAt = nil
            r.handlingDeadline = deadline
            details[.dispatchId] = dispatchId.uuidString.lowercased()
            startClock(.handle, deadline)
        case .requireManualDispatch:
            // Same dispatch clock: the command centre's time keeps counting.
            r.state = .manualDispatch
        case .acceptTask:
            r.taskAcceptedAt = at
        case .progressNote, .urge:
            break
        case .complete(_, let deadline):
            // Finishing the work answers any open request; record which one it overtook.
            details[.supersededRequest] = r.pendingRequest?.kind.rawValue
            r.pendingRequest = nil
            r.state = .awaitingCheck
            r.completedAt = at
            r.taskAcceptedAt = r.taskAcceptedAt ?? at
            r.checkRequestedAt = nil
            startClock(.sendCheck, deadline)
        case .requestReturn(let reason):
            request(.return, reason)
        case .approveReturn(let deadline):
            let department = record.currentDepartment ?? ""
            details[.returnedBy] = department
            details[.requestReason] = record.pendingRequest?.reason
            r.returnedBy.insert(department)
            r.returnCount += 1
            r.currentDepartment = nil
            r.taskAcceptedAt = nil
            r.handlingDeadline = nil
            r.pendingRequest = nil
            r.state = .awaitingDispatch
            startClock(.dispatch, deadline)
        case .refuseReturn, .refuseExtension, .refuseSuspension:
            r.pendingRequest = nil
        case .requestExtension(let until, let reason):
            details[.requestedDeadline] = until.iso
            request(.extension, reason, until)
        case .approveExtension(let until):
            details[.previousDeadline] = record.handlingDeadline?.iso
            details[.requestedDeadline] = record.pendingRequest?.requestedDeadline?.iso
            details[.requestReason] = record.pendingRequest?.reason
            details[.deadline] = until.iso
            r.handlingDeadline = until
            r.handlingDeadlineBasis = .decision
            // Same clock run, later deadline; the marks referred to the old deadline. A date set
            // by a decision is not counted, so a new calendar never moves it.
            r.clock?.deadline = until
            r.clock?.basis = .decision
            r.clock?.limit = nil
            r.clock?.warnedAt = nil
            r.clock?.overdueAt = nil
            r.extensionCount += 1
            r.pendingRequest = nil
        case .requestSuspension(let reason):
            request(.suspension, reason)
        case .approveSuspension:
            details[.requestReason] = record.pendingRequest?.reason
            r.state = .suspended
            r.suspendedSince = at
            r.clock = nil
            r.pendingRequest = nil
        case .resume(let deadline):
            r.state = .inHandling
            r.suspendedSince = nil
            r.handlingDeadline = deadline
            startClock(.handle, deadline)
        case .requestCheck(let deadline):
            r.checkRequestedAt = at
            startClock(.check, deadline)
        case .checkPassed(let deadline):
            r.state = .awaitingClose
            startClock(.close, deadline)
        case .checkFailed(_, let deadline):
            r.state = .inHandling
            r.reworkCount += 1
            r.checkRequestedAt = nil
            // 返工 goes out as a new task: the department signs for it again.
            r.taskAcceptedAt = nil
            r.handlingDeadline = deadline
            details[.reworkCount] = String(r.reworkCount)
            startClock(.handle, deadline)
        case .close, .approveSelfHandled:
            end(.closed)
            r.closedAt = at
        case .returnVisit(let visit, let referral):
            details[.visitKey] = visit.key
            details[.verdict] = visit.verdict.rawValue
            details[.route] = visit.route.rawValue
            details[.visitedBy] = visit.visitedBy
            details[.referral] = referral?.rawValue
            r.returnVisitKeys.append(visit.key)
            if let referral {
                // The latest visit that asks for a reopening is the one the shift leader answers.
                r.reopenReferral = ReopenReferral(visitKey: visit.key, verdict: visit.verdict, note: visit.note, reason: referral,
                                                  referredAt: at)
            }
        case .reopen(let dispatchId, let department, let deadline, _):
            // 重办 goes out as a new task to the department, as a rework does: it signs for it
            // again, under its own dispatch id and a new handling clock.
            details[.dispatchId] = dispatchId.uuidString.lowercased()
            details[.visitKey] = record.reopenReferral?.visitKey
            details[.verdict] = record.reopenReferral?.verdict.rawValue
            r.state = .inHandling
            r.currentDepartment = department
            r.dispatchIds.append(dispatchId)
            r.dispatchedAt = at
            r.taskAcceptedAt = nil
            r.checkRequestedAt = nil
            r.closedAt = nil
            r.pendingRequest = nil
            r.reopenReferral = nil
            r.handlingDeadline = deadline
            r.handlingDeadlineBasis = nil
            r.reopenCount += 1
            details[.reopenCount] = String(r.reopenCount)
            startClock(.handle, deadline)
        case .keepClosed:
            details[.visitKey] = record.reopenReferral?.visitKey
            details[.verdict] = record.reopenReferral?.verdict.rawValue
            r.reopenReferral = nil
        case .markWarning(let stage, let deadline):
            details[.stage] = stage.rawValue
            details[.deadline] = deadline.iso
            r.clock?.warnedAt = at
        case .markOverdue(let stage, let deadline):
            details[.stage] = stage.rawValue
            details[.deadline] = deadline.iso
            r.clock?.overdueAt = at
        case .recomputeDeadline(let stage, let previous, let deadline, let basis, _):
            details[.stage] = stage.rawValue
            details[.previousDeadline] = previous?.iso
            details[.deadline] = deadline.iso
            details[.deadlineBasis] = basis.tokens.joined(separator: " ")
            // Same clock run, another deadline. A later deadline puts out the lights set against
            // the old one (as an extension does) and the watcher judges them again; an earlier
            // one keeps them, they are still true.
            r.clock?.deadline = deadline
            r.clock?.basis = basis
            if let previous, deadline > previous {
                r.clock?.warnedAt = nil
                r.clock?.overdueAt = nil
            }
            if stage == .handle {
                r.handlingDeadline = deadline
                r.handlingDeadlineBasis = basis
            }
        }
        return (r, details)
    }

    /// Bumps the version and writes the timeline entry; the stopped/started clocks are read off
    /// the difference between the old and new record, so no effect has to remember them.
    private static func finish(
        from old: CaseRecord?,
        to new: CaseRecord,
        action: CaseAction,
        actor: CaseActor,
        at: Date,
        reason: String?,
        details: [String: String]
    ) -> Transition {
        var record = new
        record.version = (old?.version ?? 0) + 1
        let clockChanged = !(new.clock?.isSameRun(as: old?.clock) ?? (old?.clock == nil))
        let entry = TimelineEntry(
            caseId: record.id,
            sequence: record.version,
            action: action,
            from: old?.state,
            to: record.state,
            actorId: actor.id,
            actorRole: actor.role,
            actorDepartment: actor.departmentCode,
            at: at,
            department: old?.currentDepartment ?? record.currentDepartment,
            reason: reason,
            details: details,
            stoppedClock: clockChanged ? old?.clock : nil,
            startedClock: clockChanged ? record.clock : nil
        )
        return Transition(record: record, entry: entry)
    }
}

// MARK: - Small helpers

extension CaseCommand {
    /// The deadline of the clock this command starts, if it carries one.
    fileprivate var newDeadline: Date? {
        switch self {
        case .accept(let deadline), .requestVerification(let deadline), .verificationConfirmed(let deadline),
            .file(_, let deadline), .complete(_, let deadline), .approveReturn(let deadline), .requestCheck(let deadline),
            .checkPassed(let deadline):
            deadline
        case .dispatch(_, _, let deadline), .resume(let deadline), .checkFailed(_, let deadline), .approveExtension(let deadline),
            .reopen(_, _, let deadline, _):
            deadline
        default:
            nil
        }
    }
}

extension CaseCommand {
    /// The department operation this command is, for the department rows.
    var departmentOperation: DepartmentTaskRules.Operation? {
        switch self {
        case .acceptTask: .accept
        case .progressNote: .progress
        case .complete: .complete
        case .requestReturn: .return
        case .requestExtension: .extension
        case .requestSuspension: .suspension
        default: nil
        }
    }
}

extension String {
    fileprivate var isBlank: Bool { allSatisfy(\.isWhitespace) }
}

extension Date {
    /// ISO 8601 in UTC, the format of timeline details.
    fileprivate var iso: String { formatted(.iso8601) }
}

extension CaseWorkflow {
    /// The actions a person in `role` may take on `record` now: the role and state table, the
    /// pending request a decision needs, verification before acceptance for channels that demand
    /// it, a check only once the check task was sent, and a reopening decision only while one is
    /// referred. What the workbench offers as buttons;
    /// ``apply(_:to:actor:at:)`` still judges each command on its payload when it arrives.
    public static func offeredActions(to role: Role, on record: CaseRecord) -> [CaseAction] {
        let pending = record.pendingRequest?.kind
        return (tableActions[record.state]?[role] ?? []).filter { action in
            switch action {
            case .accept: return !record.requiresVerification
            case .requestVerification: return record.requiresVerification
            case .approveReturn, .refuseReturn: return pending == .return
            case .approveExtension, .refuseExtension: return pending == .extension
            case .approveSuspension, .refuseSuspension: return pending == .suspension
            case .checkPassed, .checkFailed: return record.checkRequestedAt != nil
            case .requestCheck: return record.checkRequestedAt == nil
            case .reopen, .keepClosed: return record.reopenReferral != nil
            default: return true
            }
        }
    }

    /// The actions of the role and state table per state and role, in `CaseAction.allCases`
    /// order, built once: a list view asks ``offeredActions(to:on:)`` for every row, and
    /// building the table's sets on each call was the largest part of a 200-case list's CPU.
    private static let tableActions: [CaseState: [Role: [CaseAction]]] = {
        var table: [CaseState: [Role: [CaseAction]]] = [:]
        for action in CaseAction.allCases {
            for state in action.sourceStates {
                for role in action.permittedRoles { table[state, default: [:]][role, default: []].append(action) }
            }
        }
        return table
    }()
}
