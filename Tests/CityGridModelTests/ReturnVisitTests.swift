import CityGridModel
import Foundation
import Testing

// Return visits (回访) and reopening (重办): the policy's decisions and the workflow's moves on a
// closed case, without I/O (plus loading the policy file, in the last suite).

private func t(_ minutes: Double) -> Date { Date(timeIntervalSince1970: 1_780_000_000 + minutes * 60) }

private let supervisor = CaseActor(id: "sup-7", role: .supervisor)
private let acceptor = CaseActor(id: "acc-2", role: .acceptor)
private let shiftLeader = CaseActor(id: "lead-1", role: .shiftLeader)
private let hotline = CaseActor(id: "hotline_12345", role: .system)
private let policyActor = CaseActor(id: "return-visit-policy", role: .system)
private let routing = CaseActor(id: "grid-routing", role: .system)
private let deptA = CaseActor.department("SRHW", id: "srhw-clerk")

/// The demo policy as `return-visit-policy.csv` ships it: 不满意 reopens once, with the filing
/// condition's limit.
private let demoPolicy = ReturnVisitPolicy(version: "test", reopeningVerdicts: [.dissatisfied], maxReopenings: 1, handlingLimit: nil)

private func code(_ outcome: CaseWorkflow.Outcome) -> String? { outcome.error?.code.rawValue }

private func visit(_ id: String, _ verdict: ReturnVisitVerdict, note: String? = nil, route: ReturnVisitRoute = .hotline) -> ReturnVisit {
    ReturnVisit(key: ReturnVisit.key(source: route == .hotline ? "hotline_12345" : "centre", visitId: id), verdict: verdict, note: note,
                route: route, visitedBy: "agent-9")
}

/// A case walked through the workflow as supervision would, applying the policy's decisions.
private struct Case {
    var record: CaseRecord
    var entries: [TimelineEntry] = []

    /// Reported, filed, dispatched to SRHW, handled, checked and closed at minute 100.
    static func closed() throws -> Case {
        var c = Case(record: try CaseWorkflow.report(CaseReport(id: UUID(), caseNumber: "20261125-0042"), actor: supervisor, at: t(0)).get().record)
        try c.step(.locate(gridCode: "150102001001001"), routing, 1)
        try c.step(.accept(deadline: t(60)), acceptor, 2)
        try c.step(.file(conditionId: "0102-01", deadline: t(120)), shiftLeader, 3)
        try c.step(.dispatch(dispatchId: UUID(), department: "SRHW", deadline: t(480)), routing, 4)
        try c.handleAndClose(from: 10)
        return c
    }

    mutating func handleAndClose(from minute: Double) throws {
        try step(.acceptTask, deptA, minute)
        try step(.complete(result: "done", deadline: t(minute + 60)), deptA, minute + 1)
        try step(.requestCheck(deadline: t(minute + 90)), acceptor, minute + 2)
        try step(.checkPassed(deadline: t(minute + 120)), supervisor, minute + 3)
        try step(.close, shiftLeader, minute + 4)
    }

    @discardableResult
    mutating func step(_ command: CaseCommand, _ actor: CaseActor, _ minute: Double,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> TimelineEntry {
        let outcome = CaseWorkflow.apply(command, to: record, actor: actor, at: t(minute))
        let transition = try #require(outcome.transition, "\(command.action) gave \(outcome)", sourceLocation: sourceLocation)
        for key in transition.entry.details.keys {
            #expect(TimelineDetail(rawValue: key) != nil, "\(command.action) wrote the untyped detail \(key)", sourceLocation: sourceLocation)
        }
        record = transition.record
        entries.append(transition.entry)
        return transition.entry
    }

    /// What supervision's engine does with a visit: ask the policy, record the visit (with a
    /// referral when the policy refers), then reopen when the policy reopens.
    mutating func visited(_ v: ReturnVisit, policy: ReturnVisitPolicy = demoPolicy, at minute: Double) throws -> ReturnVisitPolicy.Decision {
        let decision = policy.decide(v.verdict, on: record)
        var referral: ReopenReferralReason?
        if case .refer(let reason) = decision { referral = reason }
        try step(.returnVisit(v, referral: referral), hotline, minute)
        if case .reopen(let department, _) = decision {
            try step(.reopen(dispatchId: UUID(), department: department, deadline: t(minute + 480), reason: v.note ?? "回访不满意"),
                     policyActor, minute)
        }
        return decision
    }
}

@Suite("Return visits: the policy")
struct ReturnVisitPolicyTests {
    @Test("the first 不满意 reopens to the department that handled it; satisfied verdicts only record")
    func firstDissatisfiedReopens() throws {
        let closed = try Case.closed()
        #expect(demoPolicy.decide(.dissatisfied, on: closed.record) == .reopen(department: "SRHW", limit: nil))
        #expect(demoPolicy.decide(.satisfied, on: closed.record) == .record)
        #expect(demoPolicy.decide(.basicallySatisfied, on: closed.record) == .record)
    }

    @Test("once reopened as often as allowed, 不满意 goes to the shift leader")
    func beyondTheLimitIsReferred() throws {
        var c = try Case.closed()
        c.record.reopenCount = 1
        #expect(demoPolicy.decide(.dissatisfied, on: c.record) == .refer(.reopeningLimitReached))
        #expect(demoPolicy.decide(.satisfied, on: c.record) == .record)
    }

    @Test("a case no department handled cannot be reopened by the rule")
    func noDepartmentIsReferred() throws {
        var record = CaseRecord(id: UUID(), caseNumber: "20261125-0001", state: .closed, reportedAt: t(0))
        record.closedAt = t(1)
        #expect(demoPolicy.decide(.dissatisfied, on: record) == .refer(.noDepartment))
    }

    @Test("other values in the policy change what a verdict does")
    func otherPolicies() throws {
        var c = try Case.closed()
        c.record.reopenCount = 1
        let twice = ReturnVisitPolicy(version: "t2", reopeningVerdicts: [.dissatisfied], maxReopenings: 2, handlingLimit: .workingDays(3))
        #expect(twice.decide(.dissatisfied, on: c.record) == .reopen(department: "SRHW", limit: .workingDays(3)))
        let strict = ReturnVisitPolicy(version: "t3", reopeningVerdicts: [.dissatisfied, .basicallySatisfied], maxReopenings: 1,
                                       handlingLimit: nil)
        c.record.reopenCount = 0
        #expect(strict.decide(.basicallySatisfied, on: c.record) == .reopen(department: "SRHW", limit: nil))
        let never = ReturnVisitPolicy(version: "t4", reopeningVerdicts: [.dissatisfied], maxReopenings: 0, handlingLimit: nil)
        #expect(never.decide(.dissatisfied, on: c.record) == .refer(.reopeningLimitReached))
        let none = ReturnVisitPolicy(version: "t5", reopeningVerdicts: [], maxReopenings: 1, handlingLimit: nil)
        #expect(none.decide(.dissatisfied, on: c.record) == .record)
    }
}

@Suite("Return visits: the workflow")
struct ReturnVisitWorkflowTests {
    @Test("不满意 reopens to the same department with a new task and clock; a second 不满意 goes to the shift leader")
    func reopenThenRefer() throws {
        var c = try Case.closed()
        let firstDispatch = try #require(c.record.dispatchIds.last)
        #expect(try c.visited(visit("V1", .dissatisfied, note: "垃圾又堆起来了"), at: 200) == .reopen(department: "SRHW", limit: nil))

        let visitEntry = c.entries[c.entries.count - 2]
        #expect(visitEntry.action == .returnVisit && visitEntry.from == .closed && visitEntry.to == .closed)
        #expect(visitEntry.reason == "垃圾又堆起来了")
        #expect(visitEntry.detail(.verdict) == "dissatisfied" && visitEntry.detail(.visitKey) == "hotline_12345:V1")
        #expect(visitEntry.detail(.route) == "hotline" && visitEntry.detail(.visitedBy) == "agent-9")
        #expect(visitEntry.detail(.referral) == nil)
        #expect(visitEntry.department == "SRHW", "a visit is about the department that handled the case")

        let reopen = try #require(c.entries.last)
        #expect(reopen.action == .reopen && reopen.from == .closed && reopen.to == .inHandling)
        #expect(reopen.actorId == "return-visit-policy" && reopen.actorRole == .system)
        #expect(reopen.department == "SRHW")
        #expect(reopen.reason == "垃圾又堆起来了", "the timeline keeps the citizen's words")
        #expect(reopen.detail(.reopenCount) == "1")
        #expect(reopen.startedClock == StageClock(stage: .handle, startedAt: t(200), deadline: t(680)))
        let reopenDispatch = try #require(reopen.uuid(.dispatchId))
        #expect(reopenDispatch != firstDispatch)
        #expect(c.record.currentDepartment == "SRHW" && c.record.currentDispatchId == reopenDispatch)
        #expect(c.record.handlingDeadline == t(680) && c.record.closedAt == nil && c.record.reopenCount == 1)
        #expect(c.record.departmentTask == DepartmentTask(state: .dispatched, deadline: t(680)), "the department signs for it again")

        // The department handles it again; the case closes again.
        try c.handleAndClose(from: 300)
        #expect(c.record.state == .closed)

        #expect(try c.visited(visit("V2", .dissatisfied, note: "还是没弄好"), at: 400) == .refer(.reopeningLimitReached))
        #expect(c.record.state == .closed && c.record.reopenCount == 1)
        #expect(c.entries.last?.detail(.referral) == "reopening_limit_reached")
        let referral = try #require(c.record.reopenReferral)
        #expect(referral.visitKey == "hotline_12345:V2" && referral.note == "还是没弄好" && referral.reason == .reopeningLimitReached)
    }

    @Test("满意 and 基本满意 only record; the same visit twice is one visit")
    func satisfiedRecordsOnce() throws {
        var c = try Case.closed()
        let version = c.record.version
        #expect(try c.visited(visit("V1", .satisfied), at: 200) == .record)
        #expect(c.record.state == .closed && c.record.version == version + 1 && c.record.reopenReferral == nil)
        #expect(c.entries.last?.stoppedClock == nil && c.entries.last?.startedClock == nil)
        #expect(try c.visited(visit("V2", .basicallySatisfied, route: .centre), at: 210) == .record)
        #expect(c.record.returnVisitKeys == ["hotline_12345:V1", "centre:V2"])
        let again = CaseWorkflow.apply(.returnVisit(visit("V1", .dissatisfied), referral: nil), to: c.record, actor: hotline, at: t(220))
        #expect(again == .alreadyApplied)
    }

    @Test("the shift leader reopens a referred case or keeps it closed, and only a referred one")
    func shiftLeaderDecides() throws {
        var c = try Case.closed()
        c.record.reopenCount = 1
        let reopen = CaseCommand.reopen(dispatchId: UUID(), department: "SRHW", deadline: t(900), reason: "市民再次反映")
        #expect(code(CaseWorkflow.apply(reopen, to: c.record, actor: shiftLeader, at: t(300))) == "no_pending_request")
        #expect(code(CaseWorkflow.apply(.keepClosed(reason: "已按标准处置"), to: c.record, actor: shiftLeader, at: t(300))) == "no_pending_request")
        #expect(CaseWorkflow.offeredActions(to: .shiftLeader, on: c.record) == [.returnVisit])
        #expect(CaseWorkflow.offeredActions(to: .acceptor, on: c.record) == [.returnVisit])
        #expect(CaseWorkflow.offeredActions(to: .supervisor, on: c.record).isEmpty)

        _ = try c.visited(visit("V9", .dissatisfied, note: "不满意"), at: 200)
        #expect(c.record.reopenReferral != nil)
        #expect(CaseWorkflow.offeredActions(to: .shiftLeader, on: c.record) == [.returnVisit, .reopen, .keepClosed])
        #expect(code(CaseWorkflow.apply(reopen, to: c.record, actor: acceptor, at: t(300))) == "forbidden_for_role")

        var kept = c
        let entry = try kept.step(.keepClosed(reason: "已按标准处置，做好解释"), shiftLeader, 300)
        #expect(entry.from == .closed && entry.to == .closed && entry.detail(.visitKey) == "hotline_12345:V9")
        #expect(kept.record.reopenReferral == nil && kept.record.state == .closed)

        let reopened = try c.step(reopen, shiftLeader, 300)
        #expect(reopened.to == .inHandling && reopened.detail(.verdict) == "dissatisfied")
        #expect(c.record.reopenCount == 2 && c.record.reopenReferral == nil)
        #expect(CaseWorkflow.apply(reopen, to: c.record, actor: shiftLeader, at: t(301)) == .alreadyApplied)
    }

    @Test("a visit applies only to a closed case, by the posts that take calls")
    func visitRules() throws {
        var c = try Case.closed()
        let v = visit("V1", .satisfied)
        #expect(code(CaseWorkflow.apply(.returnVisit(v, referral: nil), to: c.record, actor: supervisor, at: t(200))) == "forbidden_for_role")
        #expect(code(CaseWorkflow.apply(.returnVisit(v, referral: nil), to: c.record, actor: deptA, at: t(200))) == "forbidden_for_role")
        let blank = ReturnVisit(key: " ", verdict: .satisfied, note: nil, route: .centre, visitedBy: nil)
        #expect(code(CaseWorkflow.apply(.returnVisit(blank, referral: nil), to: c.record, actor: acceptor, at: t(200))) == "missing_field")
        let emptyNote = ReturnVisit(key: "centre:x", verdict: .satisfied, note: "  ", route: .centre, visitedBy: nil)
        #expect(code(CaseWorkflow.apply(.returnVisit(emptyNote, referral: nil), to: c.record, actor: acceptor, at: t(200))) == "missing_reason")
        #expect(code(CaseWorkflow.apply(.reopen(dispatchId: UUID(), department: "SRHW", deadline: t(150), reason: "x"), to: c.record,
                                        actor: policyActor, at: t(200))) == "invalid_deadline")

        _ = try c.visited(visit("V2", .dissatisfied), at: 200)
        #expect(c.record.state == .inHandling)
        #expect(code(CaseWorkflow.apply(.returnVisit(visit("V3", .satisfied), referral: nil), to: c.record, actor: hotline, at: t(210)))
                == "illegal_transition", "no verdict while the case is handled again")

        var voided = try Case.closed()
        voided.record.state = .voided
        #expect(code(CaseWorkflow.apply(.returnVisit(v, referral: nil), to: voided.record, actor: hotline, at: t(200))) == "case_ended")
        #expect(code(CaseWorkflow.apply(.close, to: try Case.closed().record, actor: shiftLeader, at: t(200))) == nil,
                "close on a closed case is still already applied")
    }

    @Test("a record stored before return visits existed decodes with none")
    func oldRecordsDecode() throws {
        let c = try Case.closed()
        var json = try #require(try JSONSerialization.jsonObject(with: MessageCoding.encoder().encode(c.record)) as? [String: Any])
        #expect(json["reopenings"] == nil && json["visitKeys"] == nil && json["reopenReferral"] == nil)
        json.removeValue(forKey: "reopenings")
        let decoded = try MessageCoding.decoder().decode(CaseRecord.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded.reopenCount == 0 && decoded.returnVisitKeys.isEmpty && decoded.reopenReferral == nil)
        var visited = c
        _ = try visited.visited(visit("V1", .dissatisfied), at: 200)
        let roundTrip = try MessageCoding.decoder().decode(CaseRecord.self, from: MessageCoding.encoder().encode(visited.record))
        #expect(roundTrip == visited.record && roundTrip.reopenCount == 1 && roundTrip.returnVisitKeys == ["hotline_12345:V1"])
    }
}

@Suite("Return visits: the policy file")
struct ReturnVisitPolicyFileTests {
    static let shippedDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Shared/reference-data")

    /// A copy of the shipped directory (links to its files) with `return-visit-policy.csv` replaced.
    static func directory(withPolicy text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refdata-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: shippedDirectory.path) where name != "return-visit-policy.csv" {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: shippedDirectory.appendingPathComponent(name))
        }
        try text.write(to: dir.appendingPathComponent("return-visit-policy.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test("the shipped policy: 不满意 reopens once, on the filing condition's limit; another file decides otherwise")
    func shippedAndChanged() throws {
        let shipped = try ReferenceData.load(from: Self.shippedDirectory).returnVisitPolicy
        #expect(shipped.reopeningVerdicts == [.dissatisfied] && shipped.maxReopenings == 1 && shipped.handlingLimit == nil)
        #expect(!shipped.version.isEmpty)

        let dir = try Self.directory(withPolicy: """
            key,value,unit,description,source
            version,city-2,,,city
            reopen_verdicts,dissatisfied;basically_satisfied,,,city
            max_reopenings,2,,,city
            handling_limit,3,working_days,,city

            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let changed = try ReferenceData.load(from: dir).returnVisitPolicy
        #expect(changed == ReturnVisitPolicy(version: "city-2", reopeningVerdicts: [.dissatisfied, .basicallySatisfied], maxReopenings: 2,
                                             handlingLimit: .workingDays(3)))
        var c = try Case.closed()
        c.record.reopenCount = 1
        #expect(shipped.decide(.dissatisfied, on: c.record) == .refer(.reopeningLimitReached))
        #expect(changed.decide(.dissatisfied, on: c.record) == .reopen(department: "SRHW", limit: .workingDays(3)))
        #expect(shipped.decide(.basicallySatisfied, on: c.record) == .record)
        #expect(changed.decide(.basicallySatisfied, on: c.record) == .reopen(department: "SRHW", limit: .workingDays(3)))
    }

    @Test("a broken policy file names file, line and field for every problem")
    func brokenPolicy() throws {
        let dir = try Self.directory(withPolicy: """
            key,value,unit,description,source
            version,,,,demo
            reopen_verdicts,dissatisfied;angry,,,demo
            max_reopenings,-1,,,demo
            handling_limit,3,weeks,,demo
            colour,blue,,,demo

            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try ReferenceData.load(from: dir)
            Issue.record("a broken policy loaded")
        } catch let errors as ReferenceDataErrors {
            let rendered = Set(errors.errors.map(\.description))
            for line in [
                "return-visit-policy.csv:2: field 'value': required value is empty",
                "return-visit-policy.csv:3: field 'value': 'angry' is not one of satisfied|basically_satisfied|dissatisfied",
                "return-visit-policy.csv:4: field 'value': expected a whole number ≥ 0, found '-1'",
                "return-visit-policy.csv:5: field 'unit': 'weeks' is not one of working_hours|working_days|natural_hours",
                "return-visit-policy.csv:6: field 'key': unknown key 'colour' (version, reopen_verdicts, max_reopenings, handling_limit)",
            ] {
                #expect(rendered.contains(line), "missing: \(line) in \(rendered.sorted())")
            }
        }
    }
}
