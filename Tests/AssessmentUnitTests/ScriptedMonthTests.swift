@testable import AssessmentFixtures
import AssessmentService
import CityGridModel
import Foundation
import Testing

@Suite("KPIEngine on a hand-scripted month")
struct ScriptedMonthTests {
    let histories = ScriptedMonth.histories
    let engine = ScriptedMonth.engine
    let period = ScriptedMonth.november

    @Test("department A: 应处置 6, 处置 5, 按期 4, 超期 2, 超期待处置 1, 返工 1, 延期 1, 挂账 1; score 80.0 (B)")
    func departmentA() throws {
        let a = try #require(engine.departments(histories, period: period).first { $0.code == "DEPT-A" })
        // 应处置数 = c1 c2 c3 c4 c5 c7 = 6 (c6 suspended leaves the denominators).
        #expect(a.due == 6)
        #expect(a.suspended == 1)
        // 处置数 = c1 c2 c4 c5 c7 = 5; 按期 = c1 c4 c5 c7 = 4; 超期 = c2 (late) + c3 (open past deadline) = 2.
        #expect(a.handled == 5)
        #expect(a.handledOnTime == 4)
        #expect(a.overdue == 2)
        #expect(a.overduePending == 1)
        #expect(a.reworks == 1)
        #expect(a.extensions == 1)
        #expect(a.returns == 0)
        // 处置率 = 5/6 = 0.8333; 按期处置率 = 4/6 = 0.6667; 返工率 = 1/6 = 0.1667 (over 应结案数 = 6);
        // 延期率 = 1/6 = 0.1667; 超期待处置率 = 1/6 = 0.1667; 回退率 = 0/(6+0) = 0.
        #expect(a.disposalRate == 0.8333)
        #expect(a.onTimeRate == 0.6667)
        #expect(a.reworkRate == 0.1667)
        #expect(a.extensionRate == 0.1667)
        #expect(a.overduePendingRate == 0.1667)
        #expect(a.returnRate == 0)
        // score from the exact rates = 5/6×30 + 4/6×20 + 5/6×20 + 5/6×20 + 5/6×10 = 25 + (80 + 100 + 100 + 50)/6
        //       = 25 + 55 = 80.0 → B (75–89). (From the shown rates it would be 79.998: rounding happens once, at the end.)
        #expect(a.score == 80.0)
        #expect(a.grade == "B")
    }

    @Test("department B: 应处置 2, 处置 2, 按期 1, 回退 1 (回退率 1/3); score 90 (A)")
    func departmentB() throws {
        let b = try #require(engine.departments(histories, period: period).first { $0.code == "DEPT-B" })
        // c8 on time, c9 late; c10 falls due in December; c11 is October's; c7's return belongs to B.
        #expect(b.due == 2)
        #expect(b.handled == 2)
        #expect(b.handledOnTime == 1)
        #expect(b.overdue == 1)
        #expect(b.overduePending == 0)
        #expect(b.returns == 1)
        // 回退率 = 1/(2+1) = 0.3333; 处置率 = 2/2 = 1; 按期处置率 = 1/2 = 0.5.
        #expect(b.returnRate == 0.3333)
        #expect(b.disposalRate == 1)
        #expect(b.onTimeRate == 0.5)
        // score = 1×30 + 0.5×20 + 1×20 + 1×20 + 1×10 = 90 → A.
        #expect(b.score == 90)
        #expect(b.grade == "A")
    }

    @Test("department C: 应处置 2, 处置 1, 超期待处置 1, 延期 1; score 60 (C)")
    func departmentC() throws {
        let c = try #require(engine.departments(histories, period: period).first { $0.code == "DEPT-C" })
        #expect(c.due == 2)
        #expect(c.handled == 1)
        #expect(c.handledOnTime == 1)
        #expect(c.overduePending == 1)
        #expect(c.extensions == 1)
        // score = 0.5×30 + 0.5×20 + 1×20 + (1−0.5)×20 + (1−0.5)×10 = 15 + 10 + 20 + 10 + 5 = 60 → C.
        #expect(c.score == 60)
        #expect(c.grade == "C")
    }

    @Test("districts: 150102 立案 8 结案 6 按期结案 5 举报 1 重复投诉点 1 → 76.3 (76.25 half-up); 150103 → 65")
    func districts() throws {
        let areas = engine.areas(histories, period: period, level: .district)
        let d1 = try #require(areas.first { $0.code == "150102" })
        // 立案数 (net of 挂账) = c1 c2 c3 c4 c5 c7 c12 c15 = 8; c6 挂账; c13/c14 voided.
        #expect(d1.filed == 8)
        #expect(d1.suspended == 1)
        // 结案数 = c1 c2 c4 c5 c7 c12 = 6; 按期结案 = those minus c2 = 5; 监督举报核实数 = c12 = 1.
        #expect(d1.closed == 6)
        #expect(d1.closedOnTime == 5)
        #expect(d1.verifiedPublicReports == 1)
        // complaints = 9 attributed filed cases (c6 included) + 6 duplicates of c12 = 15; G1/0201 has 7 > 5.
        #expect(d1.complaints == 15)
        #expect(d1.repeatLocations == 1)
        // 结案率 6/8 = 0.75, 按期结案率 5/8 = 0.625, 监督举报率 1/8 = 0.125, 立案数分值 = 100×8/8 = 100.
        #expect(d1.closeRate == 0.75)
        #expect(d1.onTimeCloseRate == 0.625)
        #expect(d1.publicReportRate == 0.125)
        #expect(d1.filedScore == 100)
        // score = (1−0.125)×10 + 1×20 + 0.75×30 + 0.625×40 = 8.75 + 20 + 22.5 + 25 = 76.25 → half-up 76.3 → B.
        #expect(d1.score == 76.3)
        #expect(d1.grade == "B")
        let d2 = try #require(areas.first { $0.code == "150103" })
        // c8, c9: 立案 2, 结案 2, 按期 1; 立案数分值 = 100×2/8 = 25.
        // score = 1×10 + 0.25×20 + 1×30 + 0.5×40 = 10 + 5 + 30 + 20 = 65 → C.
        #expect(d2.filed == 2)
        #expect(d2.filedScore == 25)
        #expect(d2.score == 65)
        #expect(d2.grade == "C")
    }

    @Test("supervisors: s1 90, s2 85.3, s3 100 (no roster in this month)")
    func supervisors() throws {
        // This month predates grid responsibility: its cases name no responsible supervisor and its
        // tasks no assignments. 漏报率 then has no cases to judge (absent; counts as 0 in the score),
        // and each verification or check counts for whoever did it, on the stage clock it stopped.
        // The month with a roster is RosterMonthTests.
        let rows = engine.posts(histories, period: period, post: .supervisor)
        let s1 = try #require(rows.first { $0.actorId == "s1" })
        // s1: reports c1 c2 c3 c15, all filed → 有效上报率 4/4 = 1. 核实: c12 on time, c14 late → 1/2 = 0.5. No checks → full marks.
        #expect(s1.reports == 4)
        #expect(s1.validReportRate == 1)
        #expect(s1.responsibleFiled == 0)
        #expect(s1.missedReportRate == nil)
        #expect(s1.verificationsAssigned == 2)
        #expect(s1.onTimeVerifyRate == 0.5)
        #expect(s1.onTimeCheckRate == nil)
        // score = 1×40 + (1−0)×20 + 0.5×20 + 1×20 = 90 → A.
        #expect(s1.score == 90)
        #expect(s1.grade == "A")
        let s2 = try #require(rows.first { $0.actorId == "s2" })
        // s2: reports c4 c5 c6 c7 c13, c13 voided unfiled → 4/5 = 0.8; checks c1 ✓, c4 fail ✓, c4 pass ✗ → 2/3 = 0.6667.
        // score = 0.8×40 + 1×20 + 1×20 + 2/3×20 = 32 + 20 + 20 + 13.333… = 85.333… → 85.3 → B.
        #expect(s2.reports == 5)
        #expect(s2.validReports == 4)
        #expect(s2.checksAssigned == 3)
        #expect(s2.onTimeCheckRate == 0.6667)
        #expect(s2.score == 85.3)
        let s3 = try #require(rows.first { $0.actorId == "s3" })
        // s3: November reports c8 c9 c10 (c11 is October's), all filed → 100.
        #expect(s3.reports == 3)
        #expect(s3.missedReportRate == nil)
        #expect(s3.score == 100)
        #expect(s3.grade == "A")
        #expect(rows.first { $0.actorId == "system" } == nil)
    }

    @Test("acceptor a1 and dispatchers p1, p2")
    func acceptorsAndDispatchers() throws {
        let a1 = try #require(engine.posts(histories, period: period, post: .acceptor).first { $0.actorId == "a1" })
        // 受理: accept c1 ✓, verification sent c12 ✓, c14 ✗ → 3, 2 on time; 核实派发 1/2 = 0.5;
        // 核查派发 c1 ✓, c4 ✓, c4 ✗ → 2/3 = 0.6667; 受理数 3 → band 0.
        // score = 0×25 + 0.5×40 + 2/3×35 = 20 + 23.333… = 43.333… → 43.3 → D.
        #expect(a1.accepted == 3)
        #expect(a1.acceptedOnTime == 2)
        #expect(a1.verifyDispatchRate == 0.5)
        #expect(a1.checkDispatchRate == 0.6667)
        #expect(a1.score == 43.3)
        #expect(a1.grade == "D")
        let dispatchers = engine.posts(histories, period: period, post: .dispatcher)
        let p1 = try #require(dispatchers.first { $0.actorId == "p1" })
        // p1: 1 dispatch (c7 → B), returned → 准确派遣率 = 1 − 1/1 = 0; on time 1/1. score = 1×50 + 0×50 = 50 → D.
        #expect(p1.dispatches == 1)
        #expect(p1.returnedDispatches == 1)
        #expect(p1.accurateDispatchRate == 0)
        #expect(p1.score == 50)
        let p2 = try #require(dispatchers.first { $0.actorId == "p2" })
        // p2: November dispatches c1 c2 c3 c4 c5 c6 c7' c8 c9 c10 c12 c15 = 12, c9 late → 11/12 = 0.9167; no returns → 1.
        // score = 11/12×50 + 1×50 = 45.833… + 50 = 95.833… → 95.8 → A.
        #expect(p2.dispatches == 12)
        #expect(p2.onTimeDispatchRate == 0.9167)
        #expect(p2.accurateDispatchRate == 1)
        #expect(p2.score == 95.8)
        #expect(p2.grade == "A")
    }

    @Test("完好率: 150102 4 of 40 components with an open case → 0.9; 150103 1 of 10 → 0.9")
    func facilities() throws {
        let rows = engine.facilities(histories, period: period)
        // 150102 component cases open in November: c1 X1, c2 X1, c3 X2, c5 (G1 location), c4 c6 c7 c15 (G2 location) → 4 distinct.
        let d1 = try #require(rows.first { $0.classCode == "0101" && $0.area == "150102" })
        #expect(d1.defective == 4)
        #expect(d1.intactRate == 0.9)
        // 150103: c8 c9 c10 share the G3 location (no component code) → 1; c11 ended in October.
        let d2 = try #require(rows.first { $0.classCode == "0101" && $0.area == "150103" })
        #expect(d2.defective == 1)
        #expect(d2.intactRate == 0.9)
    }

    @Test("department ranking B, A, C; B's October 100 → November 90 (score −10, rank unchanged)")
    func ranking() {
        let now = engine.departments(histories, period: period).map { ($0.code, $0.score, $0.grade) }
        let before = engine.departments(histories, period: period.previous).map { ($0.code, $0.score, $0.grade) }
        let rows = KPIEngine.rank(now, previous: before)
        #expect(rows.map(\.code) == ["DEPT-B", "DEPT-A", "DEPT-C"])
        #expect(rows.map(\.rank) == [1, 2, 3])
        // October: only c11 (B, on time) → B scores 100 and ranks 1.
        #expect(rows[0].previousScore == 100)
        #expect(rows[0].previousRank == 1)
        #expect(rows[0].rankDelta == 0)
        #expect(rows[0].scoreDelta == -10)
        #expect(rows[1].previousRank == nil)
    }

    @Test("a later event never changes a past period (fold as of the period end)")
    func pastPeriodIsFrozen() throws {
        var scripts = ScriptedMonth.cases()
        // c3 is finally completed and closed in December.
        scripts[2] = scripts[2].complete(dec(2)).close(dec(3))
        let later = scripts.map(\.history)
        #expect(engine.departments(later, period: period) == engine.departments(histories, period: period))
        #expect(engine.areas(later, period: period, level: .grid) == engine.areas(histories, period: period, level: .grid))
    }
}

@Suite("Attribution, periods, weights and the fold")
struct AttributionAndPeriodTests {
    @Test("attribution: the earlier of end and handling deadline; nothing while neither exists")
    func attribution() {
        var f = CaseFacts(caseId: UUID())
        #expect(Attribution.instant(of: f) == nil)
        f.handlingDeadline = nov(10)
        #expect(Attribution.instant(of: f) == nov(10))
        f.endedAt = nov(8)
        #expect(Attribution.instant(of: f) == nov(8))
        f.endedAt = nov(12)
        #expect(Attribution.instant(of: f) == nov(10))
        #expect(Attribution.counts(f, in: Period.parse("2026-11")!))
        #expect(!Attribution.counts(f, in: Period.parse("2026-10")!))
    }

    @Test("periods: month, ISO week, day, range and their predecessors (UTC+8)")
    func periods() throws {
        let w = try #require(Period.parse("2026-W47"))
        #expect(w.start == cityTime(2026, 11, 16, 0))
        #expect(w.end == cityTime(2026, 11, 23, 0))
        #expect(w.previous.label == "2026-W46")
        let m = try #require(Period.parse("2026-01"))
        #expect(m.previous.label == "2025-12")
        #expect(m.start == cityTime(2026, 1, 1, 0))
        let d = try #require(Period.parse("2026-11-25"))
        #expect(d.end.timeIntervalSince(d.start) == 86_400)
        #expect(d.previous.label == "2026-11-24")
        let r = try #require(Period.range(from: "2026-11-01", to: "2026-11-15"))
        #expect(r.end == cityTime(2026, 11, 16, 0))
        #expect(r.previous.label == "2026-10-17..2026-10-31")
        #expect(Period.parse("2026-13") == nil)
        #expect(Period.parse("2026-02-30") == nil)
        #expect(Period.range(from: "2026-11-15", to: "2026-11-01") == nil)
    }

    @Test("the shipped weights file parses to the documented defaults; typos are rejected")
    func weightsFile() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Shared/reference-data/assessment-weights.csv")
        var parsed = try AssessmentWeights.parse(csv: String(contentsOf: url, encoding: .utf8))
        #expect(parsed.version != "builtin")
        parsed.version = "builtin"
        #expect(parsed == AssessmentWeights())
        #expect(throws: WeightsError.self) { try AssessmentWeights.parse(csv: "key,value,note\ndepartment.disposal_rat,30,typo\n") }
        let w = AssessmentWeights()
        #expect([w.grade(90), w.grade(89.99), w.grade(75), w.grade(60), w.grade(40), w.grade(39.9)] == ["A", "B", "B", "C", "D", "E"])
    }

    @Test("automatic dispatches (role system) are neither counted for nor charged to a dispatcher")
    func automaticDispatch() {
        var c = CaseScript(grid: ScriptedMonth.g1).report(nov(1), by: "s1").file(nov(1, 11))
        c.department = "X"
        c.handlingDeadline = nov(3)
        c.add(.dispatch, nov(1, 12), to: .inHandling, actor: "grid-routing", role: .system, department: "X",
              stopped: (.dispatch, nov(1, 13)), started: (.handle, nov(3)))
        c = c.approveReturn(nov(2)).dispatch(nov(2, 11), to: "Y", deadline: nov(4), by: "p9").complete(nov(3)).close(nov(3, 12))
        let rows = KPIEngine().posts([c.history], period: ScriptedMonth.november, post: .dispatcher)
        #expect(rows.map(\.actorId) == ["p9"])
        #expect(rows.first?.returnedDispatches == 0)
        #expect(rows.first?.accurateDispatchRate == 1)
    }

    @Test("the fold refuses gaps and repeats")
    func foldOrder() throws {
        let c = CaseScript(grid: ScriptedMonth.g1).report(nov(1), by: "s1").file(nov(1, 11)).dispatch(nov(1, 12), to: "X", deadline: nov(3))
        var f = CaseFacts(caseId: c.id)
        #expect(throws: CaseFactsError.gap(expected: 1, got: 2)) { try f.apply(c.events[1]) }
        try f.apply(c.events[0])
        #expect(throws: CaseFactsError.alreadyApplied(1)) { try f.apply(c.events[0]) }
        try f.apply(c.events[1])
        try f.apply(c.events[2])
        #expect(f == CaseFacts.fold(caseId: c.id, events: c.events))
        #expect(f.department == "X")
        #expect(f.handlingDeadline == nov(3))
    }
}
