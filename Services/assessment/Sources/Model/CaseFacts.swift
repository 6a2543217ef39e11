import CityGridModel
import Foundation

/// One case's figures as of some instant: the fold of its events in sequence order.
///
/// The service keeps the current fold in `assessment.case_facts` (updated one event at a time)
/// and the engine re-folds "as of the period end" when it computes a period, so a past period
/// always gives the same figures however many later events arrive.
public struct CaseFacts: Codable, Sendable, Hashable {
    public var caseId: UUID
    /// The last applied sequence (0 before the report).
    public var lastSequence: Int = 0
    public var state: CaseState?
    public var reportedAt: Date?
    /// Who reported (a supervisor's id for 上报; `system` for public channels).
    public var reportedBy: String?
    public var reportedByRole: Role?
    public var verifiedAt: Date?
    public var filedAt: Date?
    public var dispatchedAt: Date?
    /// The department holding the case now (nil while awaiting (re-)dispatch).
    public var department: String?
    /// Every department it was dispatched to, in order, without repeats.
    public var departments: [String] = []
    /// The running handling deadline (after extensions, rework and resume).
    public var handlingDeadline: Date?
    public var completedAt: Date?
    /// Whether the latest completion came within its handling clock.
    public var completedOnTime: Bool = false
    /// Completed and not sent back (返工) or returned since.
    public var handled: Bool = false
    public var closedAt: Date?
    public var closedOnTime: Bool = false
    public var voidedAt: Date?
    /// Closed, voided, not accepted or not filed.
    public var endedAt: Date?
    public var suspended: Bool = false
    /// A supervisor's self-handled report approved by the centre (counts as an effective report).
    public var selfHandledApproved: Bool = false
    /// 返工 / 回退 / 延期 per department.
    public var reworks: [String: Int] = [:]
    public var returns: [String: Int] = [:]
    public var extensions: [String: Int] = [:]

    public init(caseId: UUID) { self.caseId = caseId }

    public var reworkCount: Int { reworks.values.reduce(0, +) }
    public var returnCount: Int { returns.values.reduce(0, +) }
    public var extensionCount: Int { extensions.values.reduce(0, +) }
    public var isVoided: Bool { voidedAt != nil }
    public var isClosed: Bool { closedAt != nil }
    /// Filed (立案) and not voided: the cases the area and department denominators start from.
    public var isFiledCase: Bool { filedAt != nil && voidedAt == nil }

    /// Applies the next event. The caller guarantees sequence order (see ``CaseFactsError``).
    public mutating func apply(_ e: CaseEvent) throws(CaseFactsError) {
        guard e.sequence == lastSequence + 1 else {
            if e.sequence <= lastSequence { throw .alreadyApplied(e.sequence) }
            throw .gap(expected: lastSequence + 1, got: e.sequence)
        }
        lastSequence = e.sequence
        state = e.to
        switch e.action {
        case .report, .reportSelfHandled:
            reportedAt = e.at
            reportedBy = e.actorId
            reportedByRole = e.actorRole
        case .verificationConfirmed:
            verifiedAt = e.at
        case .file:
            filedAt = e.at
        case .dispatch:
            dispatchedAt = e.at
            department = e.department
            if let d = e.department, !departments.contains(d) { departments.append(d) }
            handlingDeadline = e.startedDeadline ?? e.detailDeadline
            handled = false
        case .complete:
            completedAt = e.at
            completedOnTime = e.stoppedOnTime
            handled = true
        case .checkFailed:
            bump(&reworks, e.department ?? department)
            handled = false
            handlingDeadline = e.startedDeadline ?? e.detailDeadline ?? handlingDeadline
        case .approveReturn:
            bump(&returns, e.returnedBy ?? e.department ?? department)
            department = nil
            handlingDeadline = nil
            handled = false
        case .approveExtension:
            bump(&extensions, e.department ?? department)
            handlingDeadline = e.detailDeadline ?? e.startedDeadline ?? handlingDeadline
        case .approveSuspension:
            suspended = true
        case .resume:
            suspended = false
            handlingDeadline = e.startedDeadline ?? e.detailDeadline ?? handlingDeadline
        case .close, .handleAtIntake:
            closedAt = e.at
            closedOnTime = e.stoppedOnTime
            endedAt = e.at
        case .approveSelfHandled:
            closedAt = e.at
            closedOnTime = e.stoppedOnTime
            endedAt = e.at
            selfHandledApproved = true
        case .void, .verificationRefuted, .rejectSelfHandled:
            voidedAt = e.at
            endedAt = e.at
            suspended = false
        case .rejectAtAccept, .refuseFiling:
            endedAt = e.at
        case .recomputeDeadline:
            // A replaced calendar moved a running deadline; in handling the only clock that runs
            // is the handling clock, so its new deadline is the case's.
            if e.to == .inHandling, let deadline = e.detailDeadline { handlingDeadline = deadline }
        case .locate, .accept, .requestVerification, .requireManualDispatch, .acceptTask, .progressNote,
             .requestReturn, .refuseReturn, .requestExtension, .refuseExtension, .requestSuspension,
             .refuseSuspension, .requestCheck, .checkPassed, .markWarning, .markOverdue, .urge:
            break
        }
    }

    private func bump(_ counts: inout [String: Int], _ department: String?) {
        counts[department ?? "-", default: 0] += 1
    }

    /// Equal up to `tolerance` seconds on every time: the stored fold keeps milliseconds (JSON) while
    /// the event log keeps microseconds, so a rebuilt fold may differ by a rounding step.
    public func matches(_ other: CaseFacts, tolerance: TimeInterval = 0.002) -> Bool {
        var a = self
        func align(_ mine: WritableKeyPath<CaseFacts, Date?>) {
            if let x = a[keyPath: mine], let y = other[keyPath: mine], abs(x.timeIntervalSince(y)) <= tolerance { a[keyPath: mine] = y }
        }
        for path in [\CaseFacts.reportedAt, \.verifiedAt, \.filedAt, \.dispatchedAt, \.handlingDeadline, \.completedAt, \.closedAt,
                     \.voidedAt, \.endedAt] {
            align(path)
        }
        return a == other
    }

    /// Folds events (sorted by sequence) from scratch, ignoring events at or after `asOf`.
    public static func fold(caseId: UUID, events: [CaseEvent], asOf: Date? = nil) -> CaseFacts {
        var facts = CaseFacts(caseId: caseId)
        for e in events {
            if let asOf, e.at >= asOf { break }
            // A gap or repeat cannot happen in a stored, sequence-ordered history; stop rather than guess.
            do { try facts.apply(e) } catch { break }
        }
        return facts
    }
}

/// Why an event could not be applied to a fold.
public enum CaseFactsError: Error, Equatable, Sendable {
    /// Already folded in (redelivery): nothing to do.
    case alreadyApplied(Int)
    /// An earlier event of the case has not arrived yet.
    case gap(expected: Int, got: Int)
}

/// The attribution rule — the one place that decides which period a case counts in.
///
/// A case counts in the period containing the **earlier** of (a) the moment it ended (closed,
/// voided, refused) and (b) its running handling deadline, both taken from the fold as of the
/// period's end. A case with neither (open and not yet dispatched) is not yet attributable.
/// So a case is judged once its department's time is up or it is finished, whichever comes first:
/// late cases are not hidden until they close, and quick cases count as soon as they close.
public enum Attribution {
    /// The instant that places the case in a period, or nil when it is not attributable yet.
    public static func instant(of facts: CaseFacts) -> Date? {
        switch (facts.endedAt, facts.handlingDeadline) {
        case let (end?, deadline?): return min(end, deadline)
        case let (end?, nil): return end
        case let (nil, deadline?): return deadline
        case (nil, nil): return nil
        }
    }

    /// Whether the case counts in `period` (facts must be folded as of `period.end`).
    public static func counts(_ facts: CaseFacts, in period: Period) -> Bool {
        guard let instant = instant(of: facts) else { return false }
        return period.contains(instant)
    }
}
