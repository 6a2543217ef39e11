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
    /// The running handling deadline (after extensions, rework, resume and calendar recomputes).
    /// Nil while no handling clock runs: before dispatch, after an approved return (back to
    /// dispatch), and while suspended (挂账).
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
    /// When the current suspension was approved (nil when not suspended); it attributes a hung case.
    public var suspendedAt: Date?
    /// A supervisor's self-handled report approved by the centre (counts as an effective report).
    public var selfHandledApproved: Bool = false
    /// The latest return visit (回访); it keeps a closed case among a later period's histories,
    /// where its visits count.
    public var lastVisitAt: Date?
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
            // Back to dispatch: the returning department's clock stops, and no one's runs until the
            // next dispatch starts one. Keeping the old deadline would make the case fall due (and
            // count as overdue) against a department that no longer holds it.
            bump(&returns, e.returnedBy ?? e.department ?? department)
            department = nil
            handlingDeadline = nil
            handled = false
        case .approveExtension:
            bump(&extensions, e.department ?? department)
            handlingDeadline = e.detailDeadline ?? e.startedDeadline ?? handlingDeadline
        case .approveSuspension:
            // 挂账 stops the handling clock; resume starts a new one.
            suspended = true
            suspendedAt = e.at
            handlingDeadline = nil
        case .resume:
            suspended = false
            suspendedAt = nil
            handlingDeadline = e.startedDeadline ?? e.detailDeadline
        case .close, .handleAtIntake:
            closedAt = e.at
            closedOnTime = e.stoppedOnTime
            endedAt = e.at
        case .approveSelfHandled:
            closedAt = e.at
            closedOnTime = e.stoppedOnTime
            endedAt = e.at
            selfHandledApproved = true
        case .void, .verificationRefuted, .rejectSelfHandled, .linkDuplicate:
            voidedAt = e.at
            endedAt = e.at
            suspended = false
            suspendedAt = nil
        case .rejectAtAccept, .refuseFiling:
            endedAt = e.at
        case .recomputeDeadline:
            followRecomputedDeadline(e)
        case .returnVisit:
            lastVisitAt = e.at
        case .reopen:
            // 重办: the case is open again at the same department with a new handling clock, and
            // is judged again (by its new deadline or its next close) like a fresh dispatch. The
            // figures of the period it was closed in were folded before this and stay.
            dispatchedAt = e.at
            department = e.department ?? department
            if let d = department, !departments.contains(d) { departments.append(d) }
            handlingDeadline = e.startedDeadline ?? e.detailDeadline
            handled = false
            closedAt = nil
            closedOnTime = false
            endedAt = nil
        case .locate, .accept, .requestVerification, .requireManualDispatch, .acceptTask, .progressNote,
             .requestReturn, .refuseReturn, .requestExtension, .refuseExtension, .requestSuspension,
             .refuseSuspension, .requestCheck, .checkPassed, .markWarning, .markOverdue, .urge, .keepClosed:
            break
        }
    }

    /// `recompute_deadline`: an imported official calendar moved a running deadline. Only the
    /// handling stage matters here; the deadline moves without being anyone's extension.
    ///
    /// Supervision writes it as the same clock run with another deadline (no started clock, the
    /// stage in `details`); in handling the only clock that runs is the handling clock.
    private mutating func followRecomputedDeadline(_ e: CaseEvent) {
        let stage = e.startedStage ?? (e.to == .inHandling ? .handle : nil)
        guard stage == .handle, let deadline = e.detailDeadline ?? e.startedDeadline else { return }
        handlingDeadline = deadline
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
                     \.voidedAt, \.endedAt, \.suspendedAt, \.lastVisitAt] {
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
/// A case counts in the period containing the **earliest** of (a) the moment it ended (closed,
/// voided, refused), (b) its running handling deadline and (c) while it is suspended (挂账), the
/// moment the suspension was approved — all taken from the fold as of the period's end. A case
/// with none of them (open and not yet dispatched, or back at dispatch) is not yet attributable.
/// So a case is judged once its department's time is up or it is finished, whichever comes first:
/// late cases are not hidden until they close, and quick cases count as soon as they close. A hung
/// case has no running clock; it shows (as `suspended`) in the period it was hung in.
///
/// The instant must also have come: a period still running is judged as of the city's now, so a
/// case whose deadline is later this period and which has not ended is not due yet (see
/// ``counts(_:in:asOf:)``).
public enum Attribution {
    /// The instant that places the case in a period, or nil when it is not attributable yet.
    public static func instant(of facts: CaseFacts) -> Date? {
        [facts.endedAt, facts.handlingDeadline, facts.suspendedAt].compactMap { $0 }.min()
    }

    /// Whether the case counts in `period` judged at `asOf` (facts folded as of `period.end`).
    ///
    /// `asOf` is the instant "the deadline passed" is judged at: the period end for a finished
    /// period (the default), the city's now for a running one (``Period/asOf(now:)``). The case
    /// counts when its instant lies in `[period.start, asOf)`: a deadline at or after `asOf` has not
    /// passed yet, as completing exactly at the deadline is still on time.
    public static func counts(_ facts: CaseFacts, in period: Period, asOf: Date? = nil) -> Bool {
        guard let instant = instant(of: facts) else { return false }
        let cutoff = min(asOf ?? period.end, period.end)
        return instant >= period.start && instant < cutoff
    }
}
