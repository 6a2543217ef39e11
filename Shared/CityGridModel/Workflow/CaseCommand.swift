import Foundation

/// Everything that can happen to an existing case, with its payload.
///
/// Some of these are human decisions arriving over HTTP (accept, file, close); others are facts
/// reported by other services arriving as messages (`task.dispatched` from grid-routing,
/// `task.completed` from disposal). Both are fed in the same way: the resulting
/// ``TimelineEntry`` is the event that `supervision` records and publishes.
///
/// Payload deadlines are computed outside by the working-time calendar. A `deadline` parameter
/// is always the deadline of the stage clock the command *starts* (see ``StageClock/Stage``);
/// it is optional where a city may configure no limit for that stage, and required for the
/// handling clock, which every KPI depends on.
public enum CaseCommand: Codable, Sendable, Hashable {
    /// reported → awaiting_accept. Grid-routing located the report (`nil`: could not; the acceptor places it).
    case locate(gridCode: String?)
    /// awaiting_accept → awaiting_file (受理). Refused for reports that require verification.
    case accept(deadline: Date?)
    /// awaiting_accept → not_accepted (不予受理).
    case rejectAtAccept(reason: String)
    /// awaiting_accept → awaiting_verify (发核实). Also counts as acceptance.
    case requestVerification(deadline: Date?)
    /// reported | awaiting_accept → closed (当即办理: the hotline agent resolved it at once).
    case handleAtIntake(result: String)
    /// awaiting_verify → awaiting_file: the supervisor found the problem on site.
    case verificationConfirmed(deadline: Date?)
    /// awaiting_verify → voided: the supervisor did not find it.
    case verificationRefuted(reason: String)
    /// awaiting_file → awaiting_dispatch (立案) under a filing condition (立案条件).
    case file(conditionId: String, deadline: Date?)
    /// awaiting_file → not_filed (不予立案).
    case refuseFiling(reason: String)
    /// any open state except self_handled_pending → voided (作废), optionally as a duplicate of another case.
    case void(reason: String, duplicateOf: UUID?)
    /// reported | awaiting_accept | awaiting_verify | awaiting_file → voided (并案): intake found,
    /// once the case was located, that it repeats the case `of` (number `caseNumber`). Refused
    /// when that case has ended (`originalOpen` false): a repeat of an ended case is not voided.
    case linkDuplicate(of: UUID, caseNumber: String, originalOpen: Bool, reason: String)
    /// awaiting_dispatch | manual_dispatch → in_handling at `department`, under dispatch (task) id `dispatchId`.
    case dispatch(dispatchId: UUID, department: String, deadline: Date)
    /// awaiting_dispatch → manual_dispatch: automatic routing could not choose (unlocatable, no rule).
    case requireManualDispatch(reason: String)
    /// in_handling: the department signed for the task (签收).
    case acceptTask
    /// in_handling: a progress note from the department.
    case progressNote(note: String)
    /// in_handling → awaiting_check (处理反馈). Supersedes a pending request.
    case complete(result: String, deadline: Date?)
    /// in_handling, pending return (回退申请): "not ours".
    case requestReturn(reason: String)
    /// in_handling with a pending return → awaiting_dispatch; the department is remembered in ``CaseRecord/returnedBy``.
    case approveReturn(deadline: Date?)
    /// in_handling with a pending return: stays with the department.
    case refuseReturn(reason: String)
    /// in_handling, pending extension (延期申请) to `until`.
    case requestExtension(until: Date, reason: String)
    /// in_handling with a pending extension: the handling deadline becomes `until` (may differ from the one asked for).
    case approveExtension(until: Date)
    /// in_handling with a pending extension: the deadline stays.
    case refuseExtension(reason: String)
    /// in_handling, pending suspension (挂账申请).
    case requestSuspension(reason: String)
    /// in_handling with a pending suspension → suspended: no clock, out of the KPI denominators.
    case approveSuspension
    /// in_handling with a pending suspension: handling goes on.
    case refuseSuspension(reason: String)
    /// suspended → in_handling at the same department with a new handling clock.
    case resume(deadline: Date)
    /// awaiting_check: the acceptor sends the check task to a supervisor (发核查).
    case requestCheck(deadline: Date?)
    /// awaiting_check (check sent) → awaiting_close.
    case checkPassed(deadline: Date?)
    /// awaiting_check (check sent) → in_handling (返工) at the same department with a new clock.
    case checkFailed(reason: String, deadline: Date)
    /// awaiting_close → closed (结案).
    case close
    /// self_handled_pending → closed.
    case approveSelfHandled
    /// self_handled_pending → voided.
    case rejectSelfHandled(reason: String)
    /// Yellow light on the running clock `stage` whose deadline is `deadline`. No state change.
    case markWarning(stage: StageClock.Stage, deadline: Date)
    /// Red light on the running clock `stage` whose deadline is `deadline`. No state change.
    case markOverdue(stage: StageClock.Stage, deadline: Date)
    /// in_handling: the command centre urges the department (督办). No state change.
    case urge(note: String)
    /// Any state with a running clock: the calendar the deadline was counted on was replaced (an
    /// imported notice, new office hours), so the same limit counted from the same start now ends
    /// at `deadline`. `previous` is the deadline it replaces; `reason` says what changed.
    case recomputeDeadline(stage: StageClock.Stage, previous: Date?, deadline: Date, basis: DeadlineBasis, reason: String)
    /// closed: the citizen's verdict (回访). No state change. `referral` is set when the
    /// return-visit policy puts a reopening before the shift leader instead of reopening.
    case returnVisit(ReturnVisit, referral: ReopenReferralReason?)
    /// closed → in_handling (重办) at `department` under the new dispatch (task) id `dispatchId`,
    /// with a new handling clock; `reason` is the citizen's words.
    case reopen(dispatchId: UUID, department: String, deadline: Date, reason: String)
    /// closed with a referred reopening: the shift leader keeps the case closed (维持结案).
    case keepClosed(reason: String)

    /// The action this command performs (for the role matrix and the timeline).
    public var action: CaseAction {
        switch self {
        case .locate: .locate
        case .accept: .accept
        case .rejectAtAccept: .rejectAtAccept
        case .requestVerification: .requestVerification
        case .handleAtIntake: .handleAtIntake
        case .verificationConfirmed: .verificationConfirmed
        case .verificationRefuted: .verificationRefuted
        case .file: .file
        case .refuseFiling: .refuseFiling
        case .void: .void
        case .linkDuplicate: .linkDuplicate
        case .dispatch: .dispatch
        case .requireManualDispatch: .requireManualDispatch
        case .acceptTask: .acceptTask
        case .progressNote: .progressNote
        case .complete: .complete
        case .requestReturn: .requestReturn
        case .approveReturn: .approveReturn
        case .refuseReturn: .refuseReturn
        case .requestExtension: .requestExtension
        case .approveExtension: .approveExtension
        case .refuseExtension: .refuseExtension
        case .requestSuspension: .requestSuspension
        case .approveSuspension: .approveSuspension
        case .refuseSuspension: .refuseSuspension
        case .resume: .resume
        case .requestCheck: .requestCheck
        case .checkPassed: .checkPassed
        case .checkFailed: .checkFailed
        case .close: .close
        case .approveSelfHandled: .approveSelfHandled
        case .rejectSelfHandled: .rejectSelfHandled
        case .markWarning: .markWarning
        case .markOverdue: .markOverdue
        case .urge: .urge
        case .recomputeDeadline: .recomputeDeadline
        case .returnVisit: .returnVisit
        case .reopen: .reopen
        case .keepClosed: .keepClosed
        }
    }

    /// The command's free text, whatever it is called (reason, result or note); the timeline
    /// stores it as the entry's reason.
    public var text: String? {
        switch self {
        case .rejectAtAccept(let text), .handleAtIntake(let text), .verificationRefuted(let text), .refuseFiling(let text),
            .void(let text, _), .requireManualDispatch(let text), .progressNote(let text), .complete(let text, _),
            .requestReturn(let text), .refuseReturn(let text), .requestExtension(_, let text), .refuseExtension(let text),
            .requestSuspension(let text), .refuseSuspension(let text), .checkFailed(let text, _), .rejectSelfHandled(let text),
            .urge(let text), .recomputeDeadline(_, _, _, _, let text), .reopen(_, _, _, let text), .keepClosed(let text),
            .linkDuplicate(_, _, _, let text):
            text
        case .returnVisit(let visit, _):
            visit.note
        default:
            nil
        }
    }
}

/// A new report, the input of ``CaseWorkflow/report(_:actor:at:)``.
public struct CaseReport: Codable, Sendable, Hashable {
    public var id: UUID
    public var caseNumber: String
    /// True for public, petition, media and superior channels (domain §1.3).
    public var requiresVerification: Bool
    public var gridCode: String?
    /// Deadline of the first clock: acceptance, or the centre's review for a self-handled report.
    public var deadline: Date?
    /// Present when a supervisor fixed the problem on the spot (自行处置).
    public var selfHandled: SelfHandledEvidence?

    /// - Parameters:
    ///   - id: Case id assigned by intake.
    ///   - caseNumber: Human case number.
    ///   - requiresVerification: Whether the channel demands on-site verification before filing.
    ///   - gridCode: Unit grid, if already known (a supervisor's own grid).
    ///   - deadline: Deadline of the first stage clock.
    ///   - selfHandled: Evidence of an on-the-spot fix.
    public init(
        id: UUID,
        caseNumber: String,
        requiresVerification: Bool = false,
        gridCode: String? = nil,
        deadline: Date? = nil,
        selfHandled: SelfHandledEvidence? = nil
    ) {
        self.id = id
        self.caseNumber = caseNumber
        self.requiresVerification = requiresVerification
        self.gridCode = gridCode
        self.deadline = deadline
        self.selfHandled = selfHandled
    }
}

/// Photos proving a supervisor's on-the-spot fix. References (object keys or URLs), not bytes.
public struct SelfHandledEvidence: Codable, Sendable, Hashable {
    public var beforePhotos: [String]
    public var afterPhotos: [String]

    /// - Parameters:
    ///   - beforePhotos: At least one photo of the problem.
    ///   - afterPhotos: At least one photo after the fix.
    public init(beforePhotos: [String], afterPhotos: [String]) {
        self.beforePhotos = beforePhotos
        self.afterPhotos = afterPhotos
    }
}
