@testable import AssessmentFixtures
import AssessmentService
import CityGridModel
import Foundation
import Testing

/// The supervisors' figures of a month with a roster (Tests/AssessmentFixtures/RosterMonth.swift):
/// 漏报率 from the supervisor responsible for each case's grid when it was reported, 按时核实率 and
/// 按时核查率 from the tasks really given to each supervisor. Every number below is worked out by
/// hand from the month's table of assignments and docs/assessment.md, not by running the engine.
@Suite("Supervisors' figures from the roster and the real assignments")
struct RosterMonthTests {
    let histories = RosterMonth.histories
    let engine = KPIEngine()
    let period = RosterMonth.november

    func row(_ id: String) throws -> PostFigures {
        try #require(engine.posts(histories, period: period, post: .supervisor).first { $0.actorId == id })
    }

    @Test("the responsible supervisor is whoever the roster had on duty in the grid when the report came")
    func responsible() {
        let cases = RosterMonth.cases()
        // k1 G1 Mon 10:00, k2 G1 Tue 09:00, k3 G1 Wed 14:30 → sup-a (early); k4 G2 16:00 and k7 G1 20:00 → sup-b (late);
        // k5 and k6 G3 in the morning → sup-c (G3's early primary, not the street's cover role); k8 G3 16:00 → sup-d;
        // k9 G2 11:00 and k10 G1 14:00 → sup-a.
        #expect(cases.map { $0.meta.gridSupervisorId } == ["sup-a", "sup-a", "sup-a", "sup-b", "sup-c", "sup-c", "sup-b", "sup-d", "sup-a", "sup-a"])
        // Nobody patrols at night: a report then is nobody's 漏报.
        #expect(RosterMonth.roster.responsible(gridCode: RosterMonth.g1, at: RosterMonth.t(18, 23)) == nil)
        #expect(RosterMonth.roster.responsible(gridCode: RosterMonth.g1, at: RosterMonth.t(19, 7, 30)) == "sup-a")
    }

    @Test("sup-a: 漏报 2/3, 核实 2 of 4 on time; score 76.7 (B)")
    func supA() throws {
        let a = try row("sup-a")
        // 有效上报: k1 filed → 1/1.
        #expect(a.reports == 1 && a.validReports == 1)
        // 漏报: the filed cases of November charged to sup-a are k1 (her own), k2 and k3 (12345, verified) → 立案 3,
        // 漏报 2 (k2, k3 — k3 was verified by sup-b, but the problem sat in sup-a's grid on her shift). k9 and k10
        // were not filed (k9 refuted, k10 still open), so they count nowhere.
        #expect(a.responsibleFiled == 3)
        #expect(a.missedReports == 2)
        #expect(a.missedReportRate == 0.6667)
        // 应核实: k2 (answered 09:40 ≤ due 10:05, on time); k3 — handed on at 15:00 when her shift ended, before its due
        // 15:35 → not hers; k4 (from the queue at 07:30, answered 08:30 ≤ 09:00, on time); k7 (held 07:30–09:01 past its
        // due 09:00 → late, counted at 09:00); k9 (held past its due 12:00 → late); k10 — handed on at 15:00, exactly its
        // due (not past it) → not hers. → 4 tasks, 2 on time → 0.5.
        #expect(a.verificationsAssigned == 4)
        #expect(a.verificationsOnTime == 2)
        #expect(a.onTimeVerifyRate == 0.5)
        #expect(a.verifications == 2, "she answered k2 and k4")
        #expect(a.checksAssigned == 0 && a.onTimeCheckRate == nil)
        // score = 1×40 + (1 − 2/3)×20 + 0.5×20 + 1×20 (no checks: full) = 40 + 6.667 + 10 + 20 = 76.667 → 76.7 → B.
        #expect(a.score == 76.7)
        #expect(a.grade == "B")
    }

    @Test("sup-b: 漏报 2/2, 核实 1 of 3 on time; score 66.7 (C)")
    func supB() throws {
        let b = try row("sup-b")
        // No reports of his own: 有效上报率 absent (full weight).
        #expect(b.reports == 0 && b.validReportRate == nil)
        // 漏报: k4 (G2 16:00) and k7 (G1 20:00), both 12345 and verified → 2/2 = 1.
        #expect(b.responsibleFiled == 2 && b.missedReports == 2)
        #expect(b.missedReportRate == 1)
        // 应核实: k3 (from sup-a at 15:00, answered 15:40 ≤ 16:00 → on time); k4 (held past its due 17:05 → late);
        // k7 — his shift ended at 22:30, before the task's due (09:00 next day) → not his; k10 (held past 16:00 → late).
        // → 3 tasks, 1 on time.
        #expect(b.verificationsAssigned == 3)
        #expect(b.verificationsOnTime == 1)
        #expect(b.onTimeVerifyRate == 0.3333)
        // score = 1×40 + (1 − 1)×20 + 1/3×20 + 1×20 = 40 + 0 + 6.667 + 20 = 66.667 → 66.7 → C.
        #expect(b.score == 66.7)
        #expect(b.grade == "C")
    }

    @Test("sup-c: 漏报 0/1, 核实 3 of 3, 核查 1 of 2 on time; score 90 (A)")
    func supC() throws {
        let c = try row("sup-c")
        // 有效上报: k6 filed → 1/1. 漏报: k6 (her own report; k5 was refuted, not filed) → 0/1.
        #expect(c.reports == 1 && c.validReports == 1)
        #expect(c.responsibleFiled == 1 && c.missedReports == 0)
        #expect(c.missedReportRate == 0)
        // 应核实: k5 (10:30 ≤ 11:05), k7 (09:45 ≤ 10:01), k9 (14:30 ≤ 15:00) → 3/3.
        #expect(c.verificationsAssigned == 3 && c.verificationsOnTime == 3)
        #expect(c.onTimeVerifyRate == 1)
        // 应核查: k6 (12:00 > 11:05, late), k8 first round (10:30 ≤ 11:05, on time); k8 second round handed to sup-d at
        // 15:00 when her shift ended, before its due 15:05 → not hers. → 2 tasks, 1 on time.
        #expect(c.checksAssigned == 2 && c.checksOnTime == 1)
        #expect(c.onTimeCheckRate == 0.5)
        #expect(c.checks == 2)
        // score = 1×40 + (1 − 0)×20 + 1×20 + 0.5×20 = 90 → A.
        #expect(c.score == 90)
        #expect(c.grade == "A")
    }

    @Test("sup-d: 漏报 0/1, 核查 1 of 1; score 100 (A)")
    func supD() throws {
        let d = try row("sup-d")
        // k8 is his own report (filed, not public) → 0/1; the second round's check came to him at 15:00 and he passed it
        // at 15:30 ≤ 16:00.
        #expect(d.reports == 1 && d.responsibleFiled == 1 && d.missedReports == 0)
        #expect(d.checksAssigned == 1 && d.checksOnTime == 1)
        #expect(d.verificationsAssigned == 0)
        // score = 1×40 + 1×20 + 1×20 (no verifications: full) + 1×20 = 100 → A.
        #expect(d.score == 100)
        #expect(d.grade == "A")
    }

    @Test("the shift leader's queue charges nobody; a running month counts a task when its moment has come")
    func queueAndRunningMonth() throws {
        let rows = engine.posts(histories, period: period, post: .supervisor)
        #expect(Set(rows.map(\.actorId)) == ["sup-a", "sup-b", "sup-c", "sup-d"])
        // Judged on Wed 25th 12:30: k9's due (12:00) has passed with sup-a holding it → already counted against her;
        // k10 (the 30th) not yet. sup-a then has k2, k4, k7, k9 → the same 4 as the finished month, 2 on time.
        let midMonth = try #require(engine.posts(histories, period: period, post: .supervisor, now: RosterMonth.t(25, 12, 30))
            .first { $0.actorId == "sup-a" })
        #expect(midMonth.verificationsAssigned == 4 && midMonth.verificationsOnTime == 2)
        // Judged on the 25th at 11:30: k9 is held and not yet due → not counted yet.
        let before = try #require(engine.posts(histories, period: period, post: .supervisor, now: RosterMonth.t(25, 11, 30))
            .first { $0.actorId == "sup-a" })
        #expect(before.verificationsAssigned == 3 && before.verificationsOnTime == 2)
        // sup-b's k10 falls due on the 30th at 16:00: not in a judgement on the 30th at 15:59, in one at 16:01.
        let b1559 = try #require(engine.posts(histories, period: period, post: .supervisor, now: RosterMonth.t(30, 15, 59))
            .first { $0.actorId == "sup-b" })
        let b1601 = try #require(engine.posts(histories, period: period, post: .supervisor, now: RosterMonth.t(30, 16, 1))
            .first { $0.actorId == "sup-b" })
        #expect(b1559.verificationsAssigned == 2 && b1601.verificationsAssigned == 3)
    }

    @Test("FieldTaskJudgement: answered while held, held past due, handed on before due")
    func judgementRules() {
        let id = UUID(), task = UUID()
        func at(_ h: Int, _ m: Int = 0) -> Date { RosterMonth.t(2, h, m) }
        let request = CaseEvent(caseId: id, sequence: 3, action: .requestVerification, at: at(9), to: .awaitingVerify, actorId: "a1", actorRole: .acceptor)
        let answer = CaseEvent(caseId: id, sequence: 4, action: .verificationConfirmed, at: at(10, 30), to: .awaitingFile, actorId: "y",
                               actorRole: .supervisor)
        func assignment(_ n: Int, _ who: String?, _ when: Date, due: Date?) -> FieldAssignment {
            FieldAssignment(taskId: task, kind: .verification, requestSequence: 3, sequence: n, supervisorId: who, assignedAt: when, dueAt: due,
                            reason: n == 1 ? .requested : .offDuty)
        }
        // x held 09:00–10:00 with due 09:30 → late at 09:30; y got it at 10:00, due 11:00, answered 10:30 → on time.
        let charges = FieldTaskJudgement.charges(events: [request, answer], assignments: [assignment(1, "x", at(9), due: at(9, 30)),
                                                                                          assignment(2, "y", at(10), due: at(11))], endedAt: nil)
        #expect(Set(charges) == [.init(supervisorId: "x", kind: .verification, instant: at(9, 30), onTime: false),
                                 .init(supervisorId: "y", kind: .verification, instant: at(10, 30), onTime: true)])
        // Handed on at 09:20, before the due 09:30: x is not charged.
        let early = FieldTaskJudgement.charges(events: [request, answer], assignments: [assignment(1, "x", at(9), due: at(9, 30)),
                                                                                        assignment(2, "y", at(9, 20), due: at(11))], endedAt: nil)
        #expect(early.map(\.supervisorId) == ["y"])
        // Voided (case ended) at 09:10 while x held it, before the due: nobody is charged.
        #expect(FieldTaskJudgement.charges(events: [request], assignments: [assignment(1, "x", at(9), due: at(9, 30))], endedAt: at(9, 10)).isEmpty)
        // An answer on a task with no assignment (before the roster): the answerer, on the stage clock it stopped.
        var old = answer
        old.stoppedDeadline = at(10)
        #expect(FieldTaskJudgement.charges(events: [request, old], assignments: [], endedAt: nil)
            == [.init(supervisorId: "y", kind: .verification, instant: at(10, 30), onTime: false)])
    }
}
