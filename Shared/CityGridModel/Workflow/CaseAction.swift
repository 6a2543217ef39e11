import Foundation

/// The name of a transition, without payload: what the timeline records, what the role matrix is
/// keyed by, and what `assessment` counts. Raw values are stable.
public enum CaseAction: String, Codable, Sendable, Hashable, CaseIterable {
    case report
    case reportSelfHandled = "report_self_handled"
    case locate
    case accept
    case rejectAtAccept = "reject_at_accept"
    case requestVerification = "request_verification"
    case handleAtIntake = "handle_at_intake"
    case verificationConfirmed = "verification_confirmed"
    case verificationRefuted = "verification_refuted"
    case file
    case refuseFiling = "refuse_filing"
    case void
    /// 并案: intake found, once the case was located, that it repeats an open case (intake's
    /// `RepeatFound`); the system ends it as a duplicate while it is not yet filed.
    case linkDuplicate = "link_duplicate"
    case dispatch
    case requireManualDispatch = "require_manual_dispatch"
    case acceptTask = "accept_task"
    case progressNote = "progress_note"
    case complete
    case requestReturn = "request_return"
    case approveReturn = "approve_return"
    case refuseReturn = "refuse_return"
    case requestExtension = "request_extension"
    case approveExtension = "approve_extension"
    case refuseExtension = "refuse_extension"
    case requestSuspension = "request_suspension"
    case approveSuspension = "approve_suspension"
    case refuseSuspension = "refuse_suspension"
    case resume
    case requestCheck = "request_check"
    case checkPassed = "check_passed"
    case checkFailed = "check_failed"
    case close
    case approveSelfHandled = "approve_self_handled"
    case rejectSelfHandled = "reject_self_handled"
    case markWarning = "mark_warning"
    case markOverdue = "mark_overdue"
    case urge
    case recomputeDeadline = "recompute_deadline"
    case returnVisit = "return_visit"
    case reopen
    case keepClosed = "keep_closed"

    /// Roles allowed to trigger this action (the role → action matrix).
    public var permittedRoles: Set<Role> { Self.table(self).roles }

    /// States in which this action applies. Empty for the two report actions, which create a case.
    public var sourceStates: Set<CaseState> { Self.table(self).from }

    /// The role → action matrix and the state table, one row per action.
    ///
    /// A `switch` rather than a dictionary so the compiler rejects an action without a row.
    /// `docs/case-lifecycle.md` prints the same table; keep them in step.
    /// Separation of duties shows in the roles column: departments appear only on their own
    /// handling actions, never on close/void/approve; supervisors report, verify and check;
    /// the shift leader decides; the command centre (dispatcher) dispatches and rules on returns.
    private static func table(_ action: CaseAction) -> (roles: Set<Role>, from: Set<CaseState>) {
        let open: Set<CaseState> = [
            .reported, .awaitingAccept, .awaitingVerify, .awaitingFile, .awaitingDispatch, .manualDispatch,
            .inHandling, .suspended, .awaitingCheck, .awaitingClose,
        ]
        switch action {
        case .report: return ([.supervisor, .system], [])
        case .reportSelfHandled: return ([.supervisor], [])
        case .locate: return ([.system, .acceptor], [.reported])
        case .accept, .rejectAtAccept, .requestVerification: return ([.acceptor], [.awaitingAccept])
        case .handleAtIntake: return ([.acceptor], [.reported, .awaitingAccept])
        case .verificationConfirmed, .verificationRefuted: return ([.supervisor], [.awaitingVerify])
        case .file, .refuseFiling: return ([.shiftLeader], [.awaitingFile])
        case .void: return ([.shiftLeader], open)
        // Only before filing: a filed case belongs to the command centre (its dispatch may be in
        // flight), so a repeat found later is only annotated by supervision, never voided.
        case .linkDuplicate: return ([.system], [.reported, .awaitingAccept, .awaitingVerify, .awaitingFile])
        case .dispatch: return ([.dispatcher, .system], [.awaitingDispatch, .manualDispatch])
        case .requireManualDispatch: return ([.system], [.awaitingDispatch])
        case .acceptTask, .progressNote, .complete, .requestReturn, .requestExtension, .requestSuspension:
            return ([.department], [.inHandling])
        case .approveReturn, .refuseReturn: return ([.dispatcher], [.inHandling])
        case .approveExtension, .refuseExtension, .approveSuspension, .refuseSuspension:
            return ([.shiftLeader], [.inHandling])
        case .resume: return ([.shiftLeader], [.suspended])
        case .requestCheck: return ([.acceptor], [.awaitingCheck])
        case .checkPassed, .checkFailed: return ([.supervisor], [.awaitingCheck])
        case .close: return ([.shiftLeader], [.awaitingClose])
        case .approveSelfHandled, .rejectSelfHandled: return ([.shiftLeader], [.selfHandledPending])
        // Timers run on every clock; a suspended case has none.
        case .markWarning, .markOverdue: return ([.system], open.subtracting([.suspended]).union([.selfHandledPending]))
        // A replaced calendar moves running deadlines wherever a clock runs.
        case .recomputeDeadline: return ([.system], open.subtracting([.suspended]).union([.selfHandledPending]))
        case .urge: return ([.dispatcher], [.inHandling])
        // 回访 and 重办: the only moves out of (or on) a closed case. The hotline (system) or an
        // acceptor / the shift leader records the citizen's verdict; the return-visit policy
        // (system) reopens, or the shift leader decides a reopening the policy referred.
        case .returnVisit: return ([.system, .acceptor, .shiftLeader], [.closed])
        case .reopen: return ([.system, .shiftLeader], [.closed])
        case .keepClosed: return ([.shiftLeader], [.closed])
        }
    }
}
