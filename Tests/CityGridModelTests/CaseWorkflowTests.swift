import CityGridModel
import Foundation
import Testing

// Walks every path of the case state table (docs/case-lifecycle.md) through the public API only.

/// Minutes after a fixed start, so deadlines read as small numbers.
private func t(_ minutes: Double) -> Date { Date(timeIntervalSince1970: 1_780_000_000 + minutes * 60) }

private let supervisor = CaseActor(id: "sup-7", role: .supervisor)
private let acceptor = CaseActor(id: "acc-2", role: .acceptor)
private let shiftLeader = CaseActor(id: "lead-1", role: .shiftLeader)
private let dispatcher = CaseActor(id: "disp-3", role: .dispatcher)
private let system = CaseActor(id: "grid-routing", role: .system)
private let deptA = CaseActor.department("SRHW", id: "srhw-clerk")  // 市容环卫
private let deptB = CaseActor.department("SZGY", id: "szgy-clerk")  // 市政公用

/// Every detail key the workflow writes is a ``TimelineDetail``, so readers can use the typed keys.
private func expectTypedDetails(of entry: TimelineEntry, sourceLocation: SourceLocation = #_sourceLocation) {
    for key in entry.details.keys {
        #expect(TimelineDetail(rawValue: key) != nil, "\(entry.action) wrote the untyped detail '\(key)'", sourceLocation: sourceLocation)
    }
}

/// The typed accessors read back what the command carried.
private func expectDetails(of entry: TimelineEntry, carry command: CaseCommand, reworkCount: Int,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    switch command {
    case .locate(let gridCode):
        #expect(entry.detail(.gridCode) == gridCode, sourceLocation: sourceLocation)
    case .file(let conditionId, _):
        #expect(entry.detail(.conditionId) == conditionId, sourceLocation: sourceLocation)
    case .void(_, let duplicateOf):
        #expect(entry.uuid(.duplicateOf) == duplicateOf, sourceLocation: sourceLocation)
    case .dispatch(let dispatchId, _, _):
        #expect(entry.uuid(.dispatchId) == dispatchId, sourceLocation: sourceLocation)
    case .requestExtension(let until, _):
        #expect(entry.date(.requestedDeadline) == until, sourceLocation: sourceLocation)
    case .approveExtension(let until):
        #expect(entry.date(.deadline) == until, sourceLocation: sourceLocation)
    case .approveReturn:
        #expect(entry.detail(.returnedBy) != nil, sourceLocation: sourceLocation)
    case .checkFailed:
        #expect(entry.detail(.reworkCount).flatMap { Int($0) } == reworkCount, sourceLocation: sourceLocation)
    case .markWarning(let stage, let deadline), .markOverdue(let stage, let deadline):
        #expect(entry.stageDetail == stage && entry.date(.deadline) == deadline, sourceLocation: sourceLocation)
    case .recomputeDeadline(let stage, let previous, let deadline, let basis, _):
        #expect(entry.stageDetail == stage && entry.date(.previousDeadline) == previous && entry.date(.deadline) == deadline,
                sourceLocation: sourceLocation)
        #expect(entry.list(.deadlineBasis) == basis.tokens, sourceLocation: sourceLocation)
    default:
        break
    }
}

/// A case being walked through the workflow, keeping every entry it produced.
private struct Walk {
    var record: CaseRecord
    var entries: [TimelineEntry]

    init(_ report: CaseReport = CaseReport(id: UUID(), caseNumber: "2026-000123"), by actor: CaseActor = supervisor) throws {
        let transition = try CaseWorkflow.report(report, actor: actor, at: t(0)).get()
        record = transition.record
        entries = [transition.entry]
        expectTypedDetails(of: transition.entry)
        #expect(transition.entry.detail(.gridCode) == report.gridCode)
        #expect(transition.entry.list(.beforePhotos) == report.selfHandled?.beforePhotos ?? [])
        #expect(transition.entry.list(.afterPhotos) == report.selfHandled?.afterPhotos ?? [])
    }

    /// Applies a command that must succeed and returns its entry.
    @discardableResult
    mutating func step(
        _ command: CaseCommand,
        by actor: CaseActor,
        at minutes: Double,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> TimelineEntry {
        let outcome = CaseWorkflow.apply(command, to: record, actor: actor, at: t(minutes))
        let transition = try #require(outcome.transition, "\(command.action) gave \(outcome)", sourceLocation: sourceLocation)
        #expect(transition.entry.sequence == entries.count + 1, sourceLocation: sourceLocation)
        #expect(transition.record.version == entries.count + 1, sourceLocation: sourceLocation)
        expectTypedDetails(of: transition.entry, sourceLocation: sourceLocation)
        expectDetails(of: transition.entry, carry: command, reworkCount: transition.record.reworkCount, sourceLocation: sourceLocation)
        record = transition.record
        entries.append(transition.entry)
        return transition.entry
    }

    /// Applies a command without keeping the result.
    func attempt(_ command: CaseCommand, by actor: CaseActor, at minutes: Double) -> CaseWorkflow.Outcome {
        CaseWorkflow.apply(command, to: record, actor: actor, at: t(minutes))
    }

    /// Report → locate → accept → file: a supervisor's case waiting for dispatch.
    static func filed() throws -> Walk {
        var walk = try Walk()
        try walk.step(.locate(gridCode: "150102001001001"), by: system, at: 1)
        try walk.step(.accept(deadline: t(60)), by: acceptor, at: 5)
        try walk.step(.file(conditionId: "0102-01", deadline: t(120)), by: shiftLeader, at: 10)
        return walk
    }

    /// …and dispatched to department A with the handling deadline at minute 480.
    static func inHandling() throws -> Walk {
        var walk = try filed()
        try walk.step(.dispatch(dispatchId: UUID(), department: "SRHW", deadline: t(480)), by: system, at: 20)
        return walk
    }

    /// …handled, check sent: waiting for the supervisor's check result.
    static func checking() throws -> Walk {
        var walk = try inHandling()
        try walk.step(.complete(result: "cleared", deadline: t(600)), by: deptA, at: 200)
        try walk.step(.requestCheck(deadline: t(700)), by: acceptor, at: 210)
        return walk
    }
}

/// Checks the fields every timeline entry must get right.
private func expectEntry(
    _ entry: TimelineEntry,
    _ action: CaseAction,
    from: CaseState?,
    to: CaseState,
    by actor: CaseActor,
    at minutes: Double,
    reason: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(entry.action == action, sourceLocation: sourceLocation)
    #expect(entry.from == from, sourceLocation: sourceLocation)
    #expect(entry.to == to, sourceLocation: sourceLocation)
    #expect(entry.actorId == actor.id, sourceLocation: sourceLocation)
    #expect(entry.actorRole == actor.role, sourceLocation: sourceLocation)
    #expect(entry.actorDepartment == actor.departmentCode, sourceLocation: sourceLocation)
    #expect(entry.at == t(minutes), sourceLocation: sourceLocation)
    #expect(entry.reason == reason, sourceLocation: sourceLocation)
}

/// The error code of a rejected or not-yet outcome.
private func code(_ outcome: CaseWorkflow.Outcome) -> String? { outcome.error?.code.rawValue }

@Suite("Case workflow: main path")
struct MainPathTests {
    @Test("report → accept → file → dispatch → handle → complete → check → close")
    func normalLoop() throws {
        var walk = try Walk()
        expectEntry(walk.entries[0], .report, from: nil, to: .reported, by: supervisor, at: 0)
        #expect(walk.entries[0].startedClock?.stage == .accept)

        var entry = try walk.step(.locate(gridCode: "150102001001001"), by: system, at: 1)
        expectEntry(entry, .locate, from: .reported, to: .awaitingAccept, by: system, at: 1)
        #expect(entry.details["grid_code"] == "150102001001001")
        #expect(entry.stoppedClock == nil, "locating does not stop the acceptance clock")

        entry = try walk.step(.accept(deadline: t(60)), by: acceptor, at: 5)
        expectEntry(entry, .accept, from: .awaitingAccept, to: .awaitingFile, by: acceptor, at: 5)
        #expect(entry.stoppedClock?.stage == .accept)
        #expect(entry.startedClock == StageClock(stage: .file, startedAt: t(5), deadline: t(60)))

        entry = try walk.step(.file(conditionId: "0102-01", deadline: t(120)), by: shiftLeader, at: 10)
        expectEntry(entry, .file, from: .awaitingFile, to: .awaitingDispatch, by: shiftLeader, at: 10)
        #expect(entry.details["condition_id"] == "0102-01")
        #expect(entry.stoppedClock?.deadline == t(60), "按时立案 = entry.at <= stopped deadline")

        let dispatchId = UUID()
        entry = try walk.step(.dispatch(dispatchId: dispatchId, department: "SRHW", deadline: t(480)), by: dispatcher, at: 20)
        expectEntry(entry, .dispatch, from: .awaitingDispatch, to: .inHandling, by: dispatcher, at: 20)
        #expect(entry.department == "SRHW")
        #expect(entry.details["dispatch_id"] == dispatchId.uuidString.lowercased())
        #expect(entry.startedClock == StageClock(stage: .handle, startedAt: t(20), deadline: t(480)))
        #expect(walk.record.currentDispatchId == dispatchId)
        #expect(walk.record.handlingDeadline == t(480))

        entry = try walk.step(.acceptTask, by: deptA, at: 25)
        expectEntry(entry, .acceptTask, from: .inHandling, to: .inHandling, by: deptA, at: 25)
        entry = try walk.step(.progressNote(note: "crew on site"), by: deptA, at: 60)
        expectEntry(entry, .progressNote, from: .inHandling, to: .inHandling, by: deptA, at: 60, reason: "crew on site")

        entry = try walk.step(.complete(result: "garbage cleared", deadline: t(300)), by: deptA, at: 200)
        expectEntry(entry, .complete, from: .inHandling, to: .awaitingCheck, by: deptA, at: 200, reason: "garbage cleared")
        #expect(entry.stoppedClock?.stage == .handle)
        #expect(entry.startedClock?.stage == .sendCheck)

        entry = try walk.step(.requestCheck(deadline: t(400)), by: acceptor, at: 210)
        expectEntry(entry, .requestCheck, from: .awaitingCheck, to: .awaitingCheck, by: acceptor, at: 210)
        #expect(entry.startedClock?.stage == .check)

        entry = try walk.step(.checkPassed(deadline: t(500)), by: supervisor, at: 260)
        expectEntry(entry, .checkPassed, from: .awaitingCheck, to: .awaitingClose, by: supervisor, at: 260)
        #expect(entry.department == "SRHW")

        entry = try walk.step(.close, by: shiftLeader, at: 270)
        expectEntry(entry, .close, from: .awaitingClose, to: .closed, by: shiftLeader, at: 270)
        #expect(entry.stoppedClock?.stage == .close)

        let record = walk.record
        #expect(record.state == .closed)
        #expect(record.clock == nil)
        #expect(record.reportedAt == t(0) && record.acceptedAt == t(5) && record.filedAt == t(10))
        #expect(record.dispatchedAt == t(20) && record.taskAcceptedAt == t(25) && record.completedAt == t(200))
        #expect(record.closedAt == t(270))
        #expect(record.reworkCount == 0 && record.returnCount == 0 && record.extensionCount == 0)
        #expect(walk.entries.map(\.sequence) == Array(1...11))
    }

    @Test("public report: verification confirmed → awaiting_file")
    func publicReportVerified() throws {
        var walk = try Walk(CaseReport(id: UUID(), caseNumber: "2026-000124", requiresVerification: true), by: system)
        expectEntry(walk.entries[0], .report, from: nil, to: .reported, by: system, at: 0)
        try walk.step(.locate(gridCode: nil), by: system, at: 1)

        let direct = walk.attempt(.accept(deadline: nil), by: acceptor, at: 2)
        #expect(code(direct) == "verification_required")

        var entry = try walk.step(.requestVerification(deadline: t(30)), by: acceptor, at: 2)
        expectEntry(entry, .requestVerification, from: .awaitingAccept, to: .awaitingVerify, by: acceptor, at: 2)
        #expect(walk.record.acceptedAt == t(2))
        #expect(entry.startedClock?.stage == .verify)

        entry = try walk.step(.verificationConfirmed(deadline: t(90)), by: supervisor, at: 20)
        expectEntry(entry, .verificationConfirmed, from: .awaitingVerify, to: .awaitingFile, by: supervisor, at: 20)
        #expect(entry.stoppedClock?.deadline == t(30))
        #expect(entry.startedClock?.stage == .file)

        #expect(walk.attempt(.verificationConfirmed(deadline: nil), by: supervisor, at: 21) == .alreadyApplied)
    }

    @Test("public report: verification refuted → voided")
    func publicReportRefuted() throws {
        var walk = try Walk(CaseReport(id: UUID(), caseNumber: "2026-000125", requiresVerification: true), by: system)
        try walk.step(.locate(gridCode: nil), by: system, at: 1)
        try walk.step(.requestVerification(deadline: nil), by: acceptor, at: 2)
        #expect(code(walk.attempt(.verificationRefuted(reason: " "), by: supervisor, at: 3)) == "missing_reason")

        let entry = try walk.step(.verificationRefuted(reason: "nothing found on site"), by: supervisor, at: 20)
        expectEntry(entry, .verificationRefuted, from: .awaitingVerify, to: .voided, by: supervisor, at: 20, reason: "nothing found on site")
        #expect(walk.record.voidedAt == t(20))
        #expect(walk.record.clock == nil)
    }

    @Test("不予受理: rejected at acceptance")
    func notAccepted() throws {
        var walk = try Walk()
        try walk.step(.locate(gridCode: nil), by: system, at: 1)
        #expect(code(walk.attempt(.rejectAtAccept(reason: ""), by: acceptor, at: 2)) == "missing_reason")
        let entry = try walk.step(.rejectAtAccept(reason: "private property dispute"), by: acceptor, at: 2)
        expectEntry(entry, .rejectAtAccept, from: .awaitingAccept, to: .notAccepted, by: acceptor, at: 2, reason: "private property dispute")
        #expect(walk.attempt(.rejectAtAccept(reason: "again"), by: acceptor, at: 3) == .alreadyApplied)
        #expect(code(walk.attempt(.accept(deadline: nil), by: acceptor, at: 3)) == "case_ended")
    }

    @Test("不予立案: filing refused")
    func notFiled() throws {
        var walk = try Walk()
        try walk.step(.locate(gridCode: nil), by: system, at: 1)
        try walk.step(.accept(deadline: nil), by: acceptor, at: 2)
        let entry = try walk.step(.refuseFiling(reason: "no filing condition met"), by: shiftLeader, at: 5)
        expectEntry(entry, .refuseFiling, from: .awaitingFile, to: .notFiled, by: shiftLeader, at: 5, reason: "no filing condition met")
        #expect(code(walk.attempt(.file(conditionId: "x", deadline: nil), by: shiftLeader, at: 6)) == "case_ended")
    }

    @Test("作废 as a duplicate of an earlier case")
    func voidAsDuplicate() throws {
        var walk = try Walk.filed()
        #expect(code(walk.attempt(.void(reason: "dup", duplicateOf: walk.record.id), by: shiftLeader, at: 11)) == "duplicate_of_self")

        let original = UUID()
        let entry = try walk.step(.void(reason: "duplicate report", duplicateOf: original), by: shiftLeader, at: 12)
        expectEntry(entry, .void, from: .awaitingDispatch, to: .voided, by: shiftLeader, at: 12, reason: "duplicate report")
        #expect(entry.details["duplicate_of"] == original.uuidString.lowercased())
        #expect(entry.stoppedClock?.stage == .dispatch)
        #expect(walk.record.duplicateOf == original)
        #expect(walk.record.voidedAt == t(12))

        #expect(walk.attempt(.void(reason: "duplicate report", duplicateOf: original), by: shiftLeader, at: 13) == .alreadyApplied)
        #expect(code(walk.attempt(.dispatch(dispatchId: UUID(), department: "SRHW", deadline: t(99)), by: system, at: 13)) == "case_ended")
    }

    @Test("void while a department handles it drops its pending request")
    func voidDuringHandling() throws {
        var walk = try Walk.inHandling()
        try walk.step(.requestExtension(until: t(900), reason: "parts"), by: deptA, at: 30)
        let entry = try walk.step(.void(reason: "duplicate of the case handled yesterday", duplicateOf: UUID()), by: shiftLeader, at: 40)
        #expect(entry.department == "SRHW")
        #expect(walk.record.pendingRequest == nil)
    }

    @Test("manual dispatch when routing cannot choose")
    func manualDispatch() throws {
        var walk = try Walk.filed()
        let entry = try walk.step(.requireManualDispatch(reason: "address not found in gazetteer"), by: system, at: 11)
        expectEntry(entry, .requireManualDispatch, from: .awaitingDispatch, to: .manualDispatch, by: system, at: 11,
            reason: "address not found in gazetteer")
        #expect(entry.stoppedClock == nil, "the dispatch clock keeps running")
        #expect(walk.attempt(.requireManualDispatch(reason: "again"), by: system, at: 12) == .alreadyApplied)

        let dispatched = try walk.step(.dispatch(dispatchId: UUID(), department: "SZGY", deadline: t(500)), by: dispatcher, at: 30)
        expectEntry(dispatched, .dispatch, from: .manualDispatch, to: .inHandling, by: dispatcher, at: 30)
        #expect(dispatched.stoppedClock?.stage == .dispatch && dispatched.stoppedClock?.startedAt == t(10))
    }

    @Test("当即办理: handled at intake → closed")
    func handledAtIntake() throws {
        var walk = try Walk(CaseReport(id: UUID(), caseNumber: "2026-000126", requiresVerification: true), by: system)
        try walk.step(.locate(gridCode: nil), by: system, at: 1)
        let entry = try walk.step(.handleAtIntake(result: "told caller the collection schedule"), by: acceptor, at: 3)
        expectEntry(entry, .handleAtIntake, from: .awaitingAccept, to: .closed, by: acceptor, at: 3,
            reason: "told caller the collection schedule")
        #expect(walk.record.closedAt == t(3))

        // Also straight from `reported`, before routing located it.
        var early = try Walk()
        let direct = try early.step(.handleAtIntake(result: "answered"), by: acceptor, at: 1)
        #expect(direct.from == .reported && direct.to == .closed)
    }
}

@Suite("Case workflow: department side paths")
struct SidePathTests {
    @Test("回退 → re-dispatch to another department; the returning one is remembered")
    func returnAndRedispatch() throws {
        var walk = try Walk.inHandling()
        var entry = try walk.step(.requestReturn(reason: "this road belongs to the county"), by: deptA, at: 30)
        expectEntry(entry, .requestReturn, from: .inHandling, to: .inHandling, by: deptA, at: 30, reason: "this road belongs to the county")
        #expect(walk.record.pendingRequest?.kind == .return)
        #expect(walk.attempt(.requestReturn(reason: "again"), by: deptA, at: 31) == .alreadyApplied)
        #expect(code(walk.attempt(.approveReturn(deadline: nil), by: shiftLeader, at: 32)) == "forbidden_for_role")

        entry = try walk.step(.approveReturn(deadline: t(100)), by: dispatcher, at: 40)
        expectEntry(entry, .approveReturn, from: .inHandling, to: .awaitingDispatch, by: dispatcher, at: 40)
        #expect(entry.department == "SRHW")
        #expect(entry.details["returned_by"] == "SRHW")
        #expect(entry.stoppedClock?.stage == .handle)
        #expect(entry.startedClock?.stage == .dispatch)
        #expect(walk.record.returnedBy == ["SRHW"])
        #expect(walk.record.returnCount == 1)
        #expect(walk.record.currentDepartment == nil)
        #expect(walk.record.pendingRequest == nil)

        // Routing must not send it back; the returning department can no longer act.
        let back = walk.attempt(.dispatch(dispatchId: UUID(), department: "SRHW", deadline: t(600)), by: system, at: 41)
        #expect(code(back) == "returned_by_department")
        #expect(code(walk.attempt(.progressNote(note: "still here"), by: deptA, at: 41)) == "wrong_department")

        entry = try walk.step(.dispatch(dispatchId: UUID(), department: "SZGY", deadline: t(600)), by: system, at: 50)
        expectEntry(entry, .dispatch, from: .awaitingDispatch, to: .inHandling, by: system, at: 50)
        #expect(entry.department == "SZGY")
        #expect(walk.record.dispatchIds.count == 2)
        #expect(walk.record.returnedBy == ["SRHW"], "remembered after re-dispatch")
        #expect(code(walk.attempt(.complete(result: "done", deadline: nil), by: deptA, at: 60)) == "wrong_department")
        try walk.step(.complete(result: "valve replaced", deadline: nil), by: deptB, at: 60)
    }

    @Test("回退 refused: the department keeps the case and its clock")
    func returnRefused() throws {
        var walk = try Walk.inHandling()
        try walk.step(.requestReturn(reason: "not ours"), by: deptA, at: 30)
        let entry = try walk.step(.refuseReturn(reason: "the component register names SRHW"), by: dispatcher, at: 35)
        expectEntry(entry, .refuseReturn, from: .inHandling, to: .inHandling, by: dispatcher, at: 35,
            reason: "the component register names SRHW")
        #expect(entry.stoppedClock == nil)
        #expect(walk.record.pendingRequest == nil)
        #expect(walk.record.clock?.startedAt == t(20))
        #expect(walk.record.returnCount == 0 && walk.record.returnedBy.isEmpty)
    }

    @Test("延期 approved: new deadline on the same clock")
    func extensionApproved() throws {
        var walk = try Walk.inHandling()
        #expect(code(walk.attempt(.requestExtension(until: t(400), reason: "x"), by: deptA, at: 30)) == "invalid_deadline")
        #expect(code(walk.attempt(.approveExtension(until: t(900)), by: shiftLeader, at: 30)) == "no_pending_request")

        var entry = try walk.step(.requestExtension(until: t(960), reason: "waiting for a replacement cover"), by: deptA, at: 30)
        expectEntry(entry, .requestExtension, from: .inHandling, to: .inHandling, by: deptA, at: 30, reason: "waiting for a replacement cover")
        #expect(entry.details["requested_deadline"] != nil)
        #expect(walk.record.handlingDeadline == t(480), "the clock runs unchanged while the request waits")
        #expect(walk.attempt(.requestExtension(until: t(960), reason: "same again"), by: deptA, at: 31) == .alreadyApplied)
        #expect(code(walk.attempt(.requestSuspension(reason: "also"), by: deptA, at: 31)) == "request_pending")
        #expect(code(walk.attempt(.approveExtension(until: t(900)), by: deptA, at: 32)) == "forbidden_for_role")

        entry = try walk.step(.approveExtension(until: t(900)), by: shiftLeader, at: 40)
        expectEntry(entry, .approveExtension, from: .inHandling, to: .inHandling, by: shiftLeader, at: 40)
        #expect(entry.stoppedClock == nil && entry.startedClock == nil, "same clock run, only the deadline moves")
        #expect(entry.details["previous_deadline"] != nil && entry.details["deadline"] != nil)
        #expect(walk.record.handlingDeadline == t(900))
        #expect(walk.record.clock?.deadline == t(900))
        #expect(walk.record.clock?.startedAt == t(20))
        #expect(walk.record.extensionCount == 1)
        #expect(walk.record.pendingRequest == nil)
    }

    @Test("延期 refused: the deadline stays")
    func extensionRefused() throws {
        var walk = try Walk.inHandling()
        try walk.step(.requestExtension(until: t(960), reason: "rain"), by: deptA, at: 30)
        let entry = try walk.step(.refuseExtension(reason: "rain does not stop sweeping"), by: shiftLeader, at: 40)
        expectEntry(entry, .refuseExtension, from: .inHandling, to: .inHandling, by: shiftLeader, at: 40, reason: "rain does not stop sweeping")
        #expect(walk.record.handlingDeadline == t(480))
        #expect(walk.record.extensionCount == 0)
    }

    @Test("挂账 approved → suspended → resumed with a new clock → closed")
    func suspensionResumeClose() throws {
        var walk = try Walk.inHandling()
        var entry = try walk.step(.requestSuspension(reason: "needs a capital project"), by: deptA, at: 30)
        expectEntry(entry, .requestSuspension, from: .inHandling, to: .inHandling, by: deptA, at: 30, reason: "needs a capital project")

        entry = try walk.step(.approveSuspension, by: shiftLeader, at: 40)
        expectEntry(entry, .approveSuspension, from: .inHandling, to: .suspended, by: shiftLeader, at: 40)
        #expect(entry.stoppedClock?.stage == .handle)
        #expect(entry.startedClock == nil)
        #expect(walk.record.isSuspended)
        #expect(walk.record.clock == nil)
        #expect(walk.record.suspendedSince == t(40))
        #expect(walk.attempt(.approveSuspension, by: shiftLeader, at: 41) == .alreadyApplied)
        #expect(code(walk.attempt(.complete(result: "x", deadline: nil), by: deptA, at: 41)) == "illegal_transition")
        #expect(code(walk.attempt(.markOverdue(stage: .handle, deadline: t(480)), by: system, at: 500)) == "illegal_transition")

        entry = try walk.step(.resume(deadline: t(20_000)), by: shiftLeader, at: 10_000)
        expectEntry(entry, .resume, from: .suspended, to: .inHandling, by: shiftLeader, at: 10_000)
        #expect(entry.startedClock == StageClock(stage: .handle, startedAt: t(10_000), deadline: t(20_000)))
        #expect(!walk.record.isSuspended)
        #expect(walk.record.currentDepartment == "SRHW")

        try walk.step(.complete(result: "rebuilt", deadline: nil), by: deptA, at: 15_000)
        try walk.step(.requestCheck(deadline: nil), by: acceptor, at: 15_010)
        try walk.step(.checkPassed(deadline: nil), by: supervisor, at: 15_100)
        try walk.step(.close, by: shiftLeader, at: 15_110)
        #expect(walk.record.state == .closed)
    }

    @Test("挂账 refused: handling goes on")
    func suspensionRefused() throws {
        var walk = try Walk.inHandling()
        try walk.step(.requestSuspension(reason: "budget"), by: deptA, at: 30)
        let entry = try walk.step(.refuseSuspension(reason: "budget is not a reason"), by: shiftLeader, at: 40)
        expectEntry(entry, .refuseSuspension, from: .inHandling, to: .inHandling, by: shiftLeader, at: 40, reason: "budget is not a reason")
        #expect(walk.record.state == .inHandling && walk.record.pendingRequest == nil)
    }

    @Test("返工 twice, then closed")
    func reworkTwice() throws {
        var walk = try Walk.checking()
        var entry = try walk.step(.checkFailed(reason: "garbage still there", deadline: t(800)), by: supervisor, at: 250)
        expectEntry(entry, .checkFailed, from: .awaitingCheck, to: .inHandling, by: supervisor, at: 250, reason: "garbage still there")
        #expect(entry.department == "SRHW")
        #expect(entry.details["rework_count"] == "1")
        #expect(entry.stoppedClock?.stage == .check)
        #expect(entry.startedClock == StageClock(stage: .handle, startedAt: t(250), deadline: t(800)))
        #expect(walk.record.reworkCount == 1)
        #expect(walk.record.currentDepartment == "SRHW")
        #expect(walk.record.checkRequestedAt == nil)

        try walk.step(.complete(result: "cleared again", deadline: nil), by: deptA, at: 300)
        #expect(code(walk.attempt(.checkPassed(deadline: nil), by: supervisor, at: 301)) == "not_yet", "check task not sent yet")
        try walk.step(.requestCheck(deadline: nil), by: acceptor, at: 310)
        entry = try walk.step(.checkFailed(reason: "bins still overflowing", deadline: t(1000)), by: supervisor, at: 350)
        #expect(entry.details["rework_count"] == "2")

        try walk.step(.complete(result: "bins emptied", deadline: nil), by: deptA, at: 400)
        try walk.step(.requestCheck(deadline: nil), by: acceptor, at: 410)
        try walk.step(.checkPassed(deadline: nil), by: supervisor, at: 420)
        try walk.step(.close, by: shiftLeader, at: 430)
        #expect(walk.record.state == .closed)
        #expect(walk.record.reworkCount == 2)
        let actions = walk.entries.map(\.action)
        #expect(actions.filter { $0 == .checkFailed }.count == 2)
        #expect(actions.filter { $0 == .complete }.count == 3)
    }

    @Test("completing answers a pending request")
    func completeSupersedesRequest() throws {
        var walk = try Walk.inHandling()
        try walk.step(.requestExtension(until: t(960), reason: "parts"), by: deptA, at: 30)
        let entry = try walk.step(.complete(result: "parts arrived early", deadline: nil), by: deptA, at: 100)
        #expect(entry.details["superseded_request"] == "extension")
        #expect(walk.record.pendingRequest == nil)
        #expect(code(walk.attempt(.approveExtension(until: t(960)), by: shiftLeader, at: 101)) == "illegal_transition")
    }

    @Test("督办: the dispatcher urges")
    func urge() throws {
        var walk = try Walk.inHandling()
        let entry = try walk.step(.urge(note: "residents called twice"), by: dispatcher, at: 300)
        expectEntry(entry, .urge, from: .inHandling, to: .inHandling, by: dispatcher, at: 300, reason: "residents called twice")
        #expect(entry.department == "SRHW")
        #expect(code(walk.attempt(.urge(note: "x"), by: supervisor, at: 301)) == "forbidden_for_role")
    }
}

@Suite("Case workflow: self-handled, marks")
struct SelfHandledAndMarksTests {
    private static let evidence = SelfHandledEvidence(beforePhotos: ["p/1-before.jpg"], afterPhotos: ["p/1-after.jpg", "p/2-after.jpg"])

    @Test("自行处置 approved → closed")
    func selfHandledApproved() throws {
        var walk = try Walk(CaseReport(id: UUID(), caseNumber: "2026-000130", deadline: t(60), selfHandled: Self.evidence))
        let first = walk.entries[0]
        expectEntry(first, .reportSelfHandled, from: nil, to: .selfHandledPending, by: supervisor, at: 0)
        #expect(first.details["after_photos"] == "p/1-after.jpg p/2-after.jpg")
        #expect(first.startedClock?.stage == .review)
        #expect(code(walk.attempt(.locate(gridCode: nil), by: system, at: 1)) == "illegal_transition")
        #expect(code(walk.attempt(.void(reason: "x", duplicateOf: nil), by: shiftLeader, at: 1)) == "illegal_transition")

        let entry = try walk.step(.approveSelfHandled, by: shiftLeader, at: 10)
        expectEntry(entry, .approveSelfHandled, from: .selfHandledPending, to: .closed, by: shiftLeader, at: 10)
        #expect(entry.stoppedClock?.deadline == t(60))
        #expect(walk.record.closedAt == t(10))
    }

    @Test("自行处置 rejected → voided")
    func selfHandledRejected() throws {
        var walk = try Walk(CaseReport(id: UUID(), caseNumber: "2026-000131", selfHandled: Self.evidence))
        let entry = try walk.step(.rejectSelfHandled(reason: "photos show a different street"), by: shiftLeader, at: 10)
        expectEntry(entry, .rejectSelfHandled, from: .selfHandledPending, to: .voided, by: shiftLeader, at: 10,
            reason: "photos show a different street")
    }

    @Test("self-handled reports need photos and a supervisor")
    func selfHandledRules() {
        func failure(_ report: CaseReport, by actor: CaseActor) -> WorkflowError.Code? {
            if case .failure(let error) = CaseWorkflow.report(report, actor: actor, at: t(0)) { error.code } else { nil }
        }
        let noPhotos = CaseReport(id: UUID(), caseNumber: "n", selfHandled: SelfHandledEvidence(beforePhotos: [], afterPhotos: ["a"]))
        #expect(failure(noPhotos, by: supervisor) == .missingEvidence)
        #expect(failure(CaseReport(id: UUID(), caseNumber: "n", selfHandled: Self.evidence), by: acceptor) == .forbiddenForRole)
        #expect(failure(CaseReport(id: UUID(), caseNumber: " "), by: system) == .missingField)
        #expect(failure(CaseReport(id: UUID(), caseNumber: "n"), by: acceptor) == .forbiddenForRole)
    }

    @Test("warning and overdue marks on the running clock")
    func overdueAndWarning() throws {
        var walk = try Walk.inHandling()
        var entry = try walk.step(.markWarning(stage: .handle, deadline: t(480)), by: system, at: 400)
        expectEntry(entry, .markWarning, from: .inHandling, to: .inHandling, by: system, at: 400)
        #expect(entry.details["stage"] == "handle")
        #expect(walk.record.clock?.warnedAt == t(400))
        #expect(walk.attempt(.markWarning(stage: .handle, deadline: t(480)), by: system, at: 401) == .alreadyApplied)

        #expect(code(walk.attempt(.markOverdue(stage: .handle, deadline: t(480)), by: system, at: 479)) == "not_yet")
        #expect(code(walk.attempt(.markOverdue(stage: .dispatch, deadline: t(120)), by: system, at: 500)) == "clock_not_running")
        #expect(code(walk.attempt(.markOverdue(stage: .handle, deadline: t(480)), by: dispatcher, at: 500)) == "forbidden_for_role")

        entry = try walk.step(.markOverdue(stage: .handle, deadline: t(480)), by: system, at: 480)
        expectEntry(entry, .markOverdue, from: .inHandling, to: .inHandling, by: system, at: 480)
        #expect(walk.record.clock?.overdueAt == t(480))
        #expect(walk.attempt(.markOverdue(stage: .handle, deadline: t(480)), by: system, at: 481) == .alreadyApplied)

        // The completion entry carries the stopped clock with its red light: 超期处置 is derivable.
        entry = try walk.step(.complete(result: "late but done", deadline: nil), by: deptA, at: 600)
        #expect(entry.stoppedClock?.overdueAt == t(480))
        #expect(entry.stoppedClock?.deadline == t(480))
    }

    @Test("an extension makes the old deadline's timer stale")
    func staleTimerAfterExtension() throws {
        var walk = try Walk.inHandling()
        try walk.step(.markWarning(stage: .handle, deadline: t(480)), by: system, at: 400)
        try walk.step(.requestExtension(until: t(900), reason: "parts"), by: deptA, at: 410)
        try walk.step(.approveExtension(until: t(900)), by: shiftLeader, at: 420)
        #expect(walk.record.clock?.warnedAt == nil, "marks referred to the old deadline")
        #expect(code(walk.attempt(.markOverdue(stage: .handle, deadline: t(480)), by: system, at: 480)) == "clock_not_running")
        try walk.step(.markWarning(stage: .handle, deadline: t(900)), by: system, at: 800)
    }
}

@Suite("Case workflow: roles, departments, ordering")
struct GuardTests {
    @Test("a department can never close or void")
    func departmentCannotClose() throws {
        var walk = try Walk.checking()
        try walk.step(.checkPassed(deadline: nil), by: supervisor, at: 260)
        let close = walk.attempt(.close, by: deptA, at: 261)
        #expect(code(close) == "forbidden_for_role")
        #expect(close.error?.message.contains("awaiting_close") == true)
        #expect(close.error?.message.contains("close") == true)
        #expect(code(walk.attempt(.void(reason: "x", duplicateOf: nil), by: deptA, at: 261)) == "forbidden_for_role")
        #expect(code(walk.attempt(.checkPassed(deadline: nil), by: deptA, at: 261)) == "forbidden_for_role")
    }

    @Test("department B cannot act on department A's case")
    func wrongDepartment() throws {
        let walk = try Walk.inHandling()
        for command in [CaseCommand.acceptTask, .progressNote(note: "n"), .complete(result: "r", deadline: nil), .requestReturn(reason: "r")] {
            #expect(code(walk.attempt(command, by: deptB, at: 30)) == "wrong_department")
        }
        let nameless = CaseActor(id: "x", role: .department)
        #expect(code(walk.attempt(.acceptTask, by: nameless, at: 30)) == "invalid_actor")
    }

    @Test("completed before dispatch is not yet applicable, so a consumer retries it")
    func completeBeforeDispatch() throws {
        var walk = try Walk.filed()
        let early = walk.attempt(.complete(result: "done", deadline: nil), by: deptA, at: 15)
        guard case .notYet(let error) = early else {
            Issue.record("expected notYet, got \(early)")
            return
        }
        #expect(error.code == .notYet)
        #expect(error.state == .awaitingDispatch)
        #expect(CaseWorkflow.canApply(.complete(result: "done", deadline: nil), to: walk.record) == .notYet(error))
        #expect(code(walk.attempt(.dispatch(dispatchId: UUID(), department: "SRHW", deadline: t(15)), by: system, at: 15)) == "invalid_deadline")

        // Once the dispatch arrives, the same command applies.
        try walk.step(.dispatch(dispatchId: UUID(), department: "SRHW", deadline: t(480)), by: system, at: 20)
        try walk.step(.complete(result: "done", deadline: nil), by: deptA, at: 30)
        #expect(walk.attempt(.complete(result: "done", deadline: nil), by: deptA, at: 31) == .alreadyApplied)
    }

    @Test("early commands on the main path are notYet, late ones illegal")
    func earlyAndLate() throws {
        let walk = try Walk()
        #expect(code(walk.attempt(.dispatch(dispatchId: UUID(), department: "SRHW", deadline: t(480)), by: system, at: 1)) == "not_yet")
        #expect(code(walk.attempt(.accept(deadline: nil), by: acceptor, at: 1)) == "not_yet")
        #expect(code(walk.attempt(.checkPassed(deadline: nil), by: supervisor, at: 1)) == "not_yet")

        let handling = try Walk.inHandling()
        #expect(code(handling.attempt(.rejectAtAccept(reason: "r"), by: acceptor, at: 30)) == "illegal_transition")
        #expect(handling.attempt(.locate(gridCode: nil), by: system, at: 30) == .alreadyApplied)
        #expect(handling.attempt(.file(conditionId: "0102-01", deadline: nil), by: shiftLeader, at: 30) == .alreadyApplied)
    }

    @Test("a second identical dispatch is alreadyApplied; a different one is illegal")
    func duplicateDispatch() throws {
        var walk = try Walk.filed()
        let dispatchId = UUID()
        let command = CaseCommand.dispatch(dispatchId: dispatchId, department: "SRHW", deadline: t(480))
        try walk.step(command, by: system, at: 20)
        #expect(walk.attempt(command, by: system, at: 21) == .alreadyApplied)
        #expect(CaseWorkflow.canApply(command, to: walk.record) == .alreadyApplied)
        let other = walk.attempt(.dispatch(dispatchId: UUID(), department: "SZGY", deadline: t(480)), by: dispatcher, at: 21)
        #expect(code(other) == "illegal_transition")
        #expect(walk.attempt(.acceptTask, by: deptA, at: 22).transition != nil)
    }

    @Test("auditors and admins trigger nothing")
    func readOnlyRoles() throws {
        let walk = try Walk.inHandling()
        for role in [Role.auditor, .admin] {
            let actor = CaseActor(id: "u", role: role)
            #expect(code(walk.attempt(.void(reason: "r", duplicateOf: nil), by: actor, at: 30)) == "forbidden_for_role")
            #expect(code(walk.attempt(.urge(note: "n"), by: actor, at: 30)) == "forbidden_for_role")
        }
    }
}

@Suite("Case workflow: tables and encoding")
struct TableTests {
    @Test("role matrix keeps duties separate")
    func separationOfDuties() {
        for action in CaseAction.allCases {
            #expect(!action.permittedRoles.isEmpty, "\(action) has no role")
            #expect(!action.permittedRoles.contains(.auditor) && !action.permittedRoles.contains(.admin))
        }
        let departmentActions = Set(CaseAction.allCases.filter { $0.permittedRoles.contains(.department) })
        #expect(departmentActions == [.acceptTask, .progressNote, .complete, .requestReturn, .requestExtension, .requestSuspension])
        #expect(CaseAction.close.permittedRoles == [.shiftLeader])
        #expect(CaseAction.void.permittedRoles == [.shiftLeader])
        #expect(CaseAction.file.permittedRoles == [.shiftLeader])
        for action in [CaseAction.verificationConfirmed, .verificationRefuted, .checkPassed, .checkFailed] {
            #expect(action.permittedRoles == [.supervisor])
        }
        #expect(CaseAction.dispatch.permittedRoles == [.dispatcher, .system])
    }

    @Test("stable raw values")
    func rawValues() {
        #expect(CaseState.allCases.map(\.rawValue) == [
            "reported", "awaiting_accept", "not_accepted", "awaiting_verify", "awaiting_file", "not_filed", "awaiting_dispatch",
            "manual_dispatch", "in_handling", "suspended", "awaiting_check", "awaiting_close", "closed", "voided", "self_handled_pending",
        ])
        #expect(Role.allCases.map(\.rawValue) == ["supervisor", "acceptor", "shift_leader", "dispatcher", "department", "system", "auditor", "admin"])
        #expect(CaseState.allCases.filter(\.isTerminal) == [.notAccepted, .notFiled, .closed, .voided])
    }

    @Test("records, entries, commands and errors round-trip through JSON")
    func codable() throws {
        var walk = try Walk.inHandling()
        try walk.step(.requestExtension(until: t(900), reason: "parts"), by: deptA, at: 30)
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        #expect(try decoder.decode(CaseRecord.self, from: encoder.encode(walk.record)) == walk.record)
        #expect(try decoder.decode(TimelineEntry.self, from: encoder.encode(walk.entries[4])) == walk.entries[4])
        let command = CaseCommand.void(reason: "dup", duplicateOf: UUID())
        #expect(try decoder.decode(CaseCommand.self, from: encoder.encode(command)) == command)

        let error = try #require(walk.attempt(.close, by: deptA, at: 31).error)
        let json = try #require(String(data: encoder.encode(error), encoding: .utf8))
        #expect(json.contains("\"code\":\"forbidden_for_role\""))
        #expect(try decoder.decode(WorkflowError.self, from: encoder.encode(error)) == error)
    }
}

@Suite("Timeline detail keys")
struct TimelineDetailTests {
    @Test("the typed keys are the documented wire keys")
    func wireKeys() {
        // docs/case-lifecycle.md lists the workflow's keys; supervision's duplicate annotation adds four,
        // its update_refused annotation three, its held_for_acceptor annotation five; approvals add the
        // request's reason, and supervision records what staff and departments send besides the workflow's
        // payload: completion, progress, verification and check photos, and a case sent back's reason code (with competent_body,
        // which the hold writes too).
        #expect(Set(TimelineDetail.allCases.map(\.rawValue)) == [
            "grid_code", "condition_id", "dispatch_id", "deadline", "requested_deadline", "previous_deadline", "deadline_basis",
            "duplicate_of", "returned_by", "superseded_request", "stage", "before_photos", "after_photos", "rework_count",
            "report_id", "channel", "duplicate_count", "distance_meters", "update_id", "refused_action", "error_code",
            "class_source", "hotline_category", "hotline_outcome", "mapping_version", "competent_body",
            "request_reason", "completion_photos", "check_photos", "verification_photos", "progress_photos", "reason_code",
            "visit_key", "verdict", "route", "visited_by", "referral", "reopen_count",
            // the class the acceptor chose when accepting, and the one it replaced
            "reclassified_from", "reclassified_to",
            // field tasks: supervision's task_reassigned annotation, and what the phone adds to an answer
            "task_id", "task_kind", "assignee", "previous_assignee", "assignment_reason", "shift", "due_at",
            "gps_position", "gps_accuracy_m", "captured_at", "client_id",
            // Repeats found after locating: link_duplicate names the case's number; supervision's
            // repeat_noted and repeat_complaint annotations name the earlier case and the basis.
            "duplicate_of_number", "repeat_of", "repeat_of_number", "repeat_basis",
        ])
    }

    @Test("typed keys write the same JSON as string keys")
    func sameJSON() throws {
        var typed: [String: String] = [:]
        typed[.gridCode] = "150102001001001"
        typed[.deadline] = "2026-11-25T10:00:00Z"
        typed[.stage] = "handle"
        typed[.returnedBy] = nil
        #expect(typed == ["grid_code": "150102001001001", "deadline": "2026-11-25T10:00:00Z", "stage": "handle"])
        typed[.stage] = nil
        #expect(typed.keys.sorted() == ["deadline", "grid_code"])
        let entry = TimelineEntry(caseId: UUID(), sequence: 1, action: .markWarning, from: .inHandling, to: .inHandling, actorId: "x",
                                  actorRole: .system, actorDepartment: nil, at: t(0), department: nil, reason: nil,
                                  details: ["stage": "handle", "deadline": "2026-11-25T10:00:00Z", "after_photos": "a.jpg b.jpg"],
                                  stoppedClock: nil, startedClock: nil)
        #expect(entry.stageDetail == .handle)
        #expect(entry.date(.deadline) == RFC3339.parse("2026-11-25T10:00:00Z"))
        #expect(entry.list(.afterPhotos) == ["a.jpg", "b.jpg"])
        #expect(entry.list(.beforePhotos) == [])
        #expect(entry.uuid(.dispatchId) == nil)
    }
}

/// What the workbench offers each post as buttons: the table, narrowed by the pending request and
/// the check task, and every offered action accepted by the workflow when sent.
@Suite("Case workflow: offered actions")
struct OfferedActionsTests {
    @Test("each post sees only its own moves at each step")
    func offeredPerPost() throws {
        let filed = try Walk.filed()
        #expect(CaseWorkflow.offeredActions(to: .dispatcher, on: filed.record) == [.dispatch])
        #expect(CaseWorkflow.offeredActions(to: .shiftLeader, on: filed.record) == [.void])
        #expect(CaseWorkflow.offeredActions(to: .acceptor, on: filed.record).isEmpty)
        #expect(CaseWorkflow.offeredActions(to: .auditor, on: filed.record).isEmpty)

        var handling = try Walk.inHandling()
        #expect(CaseWorkflow.offeredActions(to: .dispatcher, on: handling.record) == [.urge])
        #expect(CaseWorkflow.offeredActions(to: .department, on: handling.record)
                == [.acceptTask, .progressNote, .complete, .requestReturn, .requestExtension, .requestSuspension])
        try handling.step(.requestReturn(reason: "不属本单位"), by: deptA, at: 30)
        #expect(CaseWorkflow.offeredActions(to: .dispatcher, on: handling.record) == [.approveReturn, .refuseReturn, .urge])
        #expect(CaseWorkflow.offeredActions(to: .shiftLeader, on: handling.record) == [.void], "the shift leader does not rule on returns")
        #expect(handling.attempt(.approveReturn(deadline: t(90)), by: dispatcher, at: 31).transition != nil)

        let checking = try Walk.checking()
        #expect(CaseWorkflow.offeredActions(to: .supervisor, on: checking.record) == [.checkPassed, .checkFailed])
        #expect(checking.attempt(.checkPassed(deadline: t(800)), by: supervisor, at: 220).transition != nil)
    }

    @Test("a public report is sent to verification, not accepted straight away")
    func verificationFirst() throws {
        var walk = try Walk(CaseReport(id: UUID(), caseNumber: "2026-000777", requiresVerification: true), by: system)
        try walk.step(.locate(gridCode: "150102001001001"), by: system, at: 1)
        #expect(CaseWorkflow.offeredActions(to: .acceptor, on: walk.record) == [.rejectAtAccept, .requestVerification, .handleAtIntake])
    }
}
