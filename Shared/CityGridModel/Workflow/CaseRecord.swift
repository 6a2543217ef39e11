import Foundation

/// The current state of one case as `supervision` keeps it: the aggregate that
/// ``CaseWorkflow/apply(_:to:actor:at:)`` reads and returns a new copy of.
///
/// Everything here can be rebuilt by replaying the timeline; the record exists so a handler can
/// decide without reading the whole history. Deadlines are never computed here: commands carry
/// them, computed outside by the working-time calendar (domain §4.3).
public struct CaseRecord: Codable, Sendable, Hashable {
    public let id: UUID
    /// The human case number assigned by intake.
    public var caseNumber: String
    public var state: CaseState
    /// Incremented by every transition; the timeline entry carries the new value as its sequence,
    /// and a handler can use it for optimistic concurrency (`UPDATE … WHERE version = $old`).
    public var version: Int

    /// Public, petition, media and superior reports must be verified on site before filing;
    /// supervisor reports may be filed directly (domain §1.3). Set by intake from the channel.
    public var requiresVerification: Bool
    /// 15-digit unit grid code, once located.
    public var gridCode: String?
    /// 立案条件 id chosen at filing; the handling limit depends on it.
    public var conditionId: String?

    /// The department holding (or, after completion, last holding) the task.
    public var currentDepartment: String?
    /// Every dispatch (task) id this case has been dispatched under, oldest first. Lets a second
    /// delivery of the same dispatch be recognised as already applied.
    public var dispatchIds: [UUID]
    /// Departments that returned the case as not theirs; routing must never send it back there.
    public var returnedBy: Set<String>
    /// The handling deadline in force (moved by an approved extension). Kept after completion so
    /// "closed within the limit" can still be judged.
    public var handlingDeadline: Date?
    /// What ``handlingDeadline`` was counted on (calendar years and their standing, natural time,
    /// or a decision). `nil` only in records written before bases were recorded.
    public var handlingDeadlineBasis: DeadlineBasis?
    /// The stage clock running now; `nil` when none runs (suspended, or ended).
    public var clock: StageClock?
    /// An extension, suspension or return asked for by the department and not yet decided.
    public var pendingRequest: PendingRequest?

    /// 返工: failed checks.
    public var reworkCount: Int
    /// 回退: approved returns.
    public var returnCount: Int
    /// 延期: approved extensions.
    public var extensionCount: Int

    /// The earlier case this one duplicates, when voided as a duplicate.
    public var duplicateOf: UUID?

    /// 重办: reopenings after a return visit. Stored optional so that records written before
    /// reopening existed still decode (absent = none); read ``reopenCount``.
    private var reopenings: Int?
    /// The keys of the return visits recorded (``ReturnVisit/key``), oldest first; absent in
    /// records written before return visits existed. Read ``returnVisitKeys``.
    private var visitKeys: [String]?
    /// A reopening the return-visit policy put before the shift leader, not yet decided.
    public var reopenReferral: ReopenReferral?

    public var reportedAt: Date
    public var acceptedAt: Date?
    public var filedAt: Date?
    /// Latest dispatch.
    public var dispatchedAt: Date?
    /// When the department signed for the current dispatch (签收).
    public var taskAcceptedAt: Date?
    /// Latest completion report.
    public var completedAt: Date?
    /// When the current check task was sent; `nil` until the acceptor sends it in this round.
    public var checkRequestedAt: Date?
    public var closedAt: Date?
    public var voidedAt: Date?
    /// Set while suspended.
    public var suspendedSince: Date?

    /// A fresh record; every other property starts empty and is filled in by transitions.
    /// - Parameters:
    ///   - id: The case id assigned by intake.
    ///   - caseNumber: The human case number.
    ///   - state: The starting state.
    ///   - reportedAt: When the report arrived.
    ///   - requiresVerification: Whether the channel demands on-site verification before filing.
    public init(id: UUID, caseNumber: String, state: CaseState, reportedAt: Date, requiresVerification: Bool = false) {
        self.id = id
        self.caseNumber = caseNumber
        self.state = state
        self.version = 0
        self.requiresVerification = requiresVerification
        self.dispatchIds = []
        self.returnedBy = []
        self.reworkCount = 0
        self.returnCount = 0
        self.extensionCount = 0
        self.reportedAt = reportedAt
    }

    /// 重办: how often the case was reopened after a return visit.
    public var reopenCount: Int {
        get { reopenings ?? 0 }
        set { reopenings = newValue }
    }

    /// The return visits recorded, by key, oldest first.
    public var returnVisitKeys: [String] {
        get { visitKeys ?? [] }
        set { visitKeys = newValue }
    }

    /// 挂账 cases leave the KPI denominators (domain §4.3, region 立案数 is net of 挂账).
    public var isSuspended: Bool { state == .suspended }

    /// The dispatch the department is working under, if any.
    public var currentDispatchId: UUID? { currentDepartment == nil ? nil : dispatchIds.last }
}

/// One stage's clock (domain §4.3: 受理, 核实, 立案, 派遣, 处置, 核查, 结案 each have one).
///
/// Timeline entries carry the clock a transition stopped, so every "按时/按期" counter is
/// `entry.at <= entry.stoppedClock.deadline`, without looking anything else up.
public struct StageClock: Codable, Sendable, Hashable {
    /// What the clock is waiting for.
    public enum Stage: String, Codable, Sendable, Hashable, CaseIterable {
        /// The acceptor: accept, refuse, or send for verification (受理 / 发核实).
        case accept
        /// The supervisor's verification (核实).
        case verify
        /// The shift leader's filing decision (立案).
        case file
        /// The command centre's dispatch (派遣).
        case dispatch
        /// The department's handling (处置); its deadline is the case's handling deadline.
        case handle
        /// The acceptor sending the check task (发核查).
        case sendCheck = "send_check"
        /// The supervisor's check (核查).
        case check
        /// The shift leader closing (结案).
        case close
        /// The centre reviewing a self-handled report (自处置审核).
        case review
    }

    public var stage: Stage
    public var startedAt: Date
    /// `nil` when the city configured no limit for this stage.
    public var deadline: Date?
    /// What ``deadline`` was counted on; `nil` without a deadline (and in records written before
    /// bases were recorded).
    public var basis: DeadlineBasis?
    /// The limit counted from ``startedAt``, so that the deadline can be counted again when the
    /// calendar changes. `nil` when the deadline was set by a decision (an approved extension).
    public var limit: TimeLimit?
    /// Set by a warning mark (yellow light).
    public var warnedAt: Date?
    /// Set by an overdue mark (red light).
    public var overdueAt: Date?

    /// - Parameters:
    ///   - stage: What the clock waits for.
    ///   - startedAt: When it started.
    ///   - deadline: When it runs out, if the stage has a limit.
    public init(stage: Stage, startedAt: Date, deadline: Date?) {
        self.stage = stage
        self.startedAt = startedAt
        self.deadline = deadline
    }

    /// Same clock (stage and start), whatever its deadline and marks.
    func isSameRun(as other: StageClock?) -> Bool {
        stage == other?.stage && startedAt == other?.startedAt
    }
}

/// A department's request waiting for the centre's decision. The case stays `in_handling`
/// meanwhile and its clock keeps running: the department still owns the problem.
public struct PendingRequest: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// 回退: "not ours"; the dispatcher decides.
        case `return`
        /// 延期: more time; the shift leader decides.
        case `extension`
        /// 挂账: cannot be solved within any reasonable limit; the shift leader decides.
        case suspension
    }

    public var kind: Kind
    public var reason: String
    /// The deadline asked for (extension only).
    public var requestedDeadline: Date?
    public var requestedAt: Date
    /// Actor id of the requester.
    public var requestedBy: String
    /// The requesting department.
    public var department: String

    /// - Parameters:
    ///   - kind: What is asked for.
    ///   - reason: The department's written reason.
    ///   - requestedDeadline: The deadline asked for, for an extension.
    ///   - requestedAt: When it was asked.
    ///   - requestedBy: Actor id of the requester.
    ///   - department: The requesting department.
    public init(kind: Kind, reason: String, requestedDeadline: Date?, requestedAt: Date, requestedBy: String, department: String) {
        self.kind = kind
        self.reason = reason
        self.requestedDeadline = requestedDeadline
        self.requestedAt = requestedAt
        self.requestedBy = requestedBy
        self.department = department
    }
}
