@testable import AssessmentFixtures
import AssessmentService
import CityGridModel
import Foundation
import Testing

/// The histories of a period as they stood at `now`: what the service would have stored then.
func asStoredAt(_ now: Date, _ histories: [CaseHistory]) -> [CaseHistory] {
    histories.map { h in
        var h = h
        h.events = h.events.filter { $0.at < now }
        return h
    }
}

@Suite("A running period is judged at the city's now")
struct RunningPeriodTests {
    let november = ScriptedMonth.november
    /// Thursday 12 November 2026, 12:00 city time: November is running.
    let midMonth = nov(12, 12)

    @Test("as-of instant: the city's now while the period runs, its end once it is over")
    func asOfInstant() {
        #expect(november.asOf(now: midMonth) == midMonth)
        #expect(november.isRunning(at: midMonth))
        #expect(november.asOf(now: dec(3)) == november.end)
        #expect(!november.isRunning(at: dec(3)))
        #expect(!november.isRunning(at: november.end))
        #expect(november.asOf(now: nil) == november.end)
    }

    @Test("a deadline counts once it has passed: at the as-of instant it has not")
    func deadlineAtNow() {
        var f = CaseFacts(caseId: UUID())
        f.handlingDeadline = midMonth
        #expect(!Attribution.counts(f, in: november, asOf: midMonth))
        #expect(Attribution.counts(f, in: november, asOf: midMonth.addingTimeInterval(1)))
        #expect(Attribution.counts(f, in: november))
        // An as-of instant past the period end changes nothing.
        #expect(Attribution.counts(f, in: november, asOf: dec(3)))
    }

    /// Four cases of department D on the 12th: due later this month and open; due on the 8th and
    /// open; finished early; completed but not yet checked, due on the 20th.
    func fourCases() -> [CaseHistory] {
        let g = ScriptedMonth.g1
        let dueLater = CaseScript(grid: g).report(nov(9, 9), by: "s1").file(nov(9, 10)).dispatch(nov(9, 11), to: "D", deadline: nov(20))
        let dueEarlier = CaseScript(grid: g).report(nov(2, 9), by: "s1").file(nov(2, 10)).dispatch(nov(2, 11), to: "D", deadline: nov(8))
        let finished = CaseScript(grid: g).report(nov(2, 9), by: "s1").file(nov(2, 10)).dispatch(nov(2, 11), to: "D", deadline: nov(20))
            .complete(nov(5)).close(nov(6))
        let awaitingCheck = CaseScript(grid: g).report(nov(9, 9), by: "s1").file(nov(9, 10))
            .dispatch(nov(9, 11), to: "D", deadline: nov(20)).complete(nov(11))
        return [dueLater, dueEarlier, finished, awaitingCheck].map(\.history)
    }

    @Test("mid-month: a case due later this month is not overdue_pending, one due earlier and unhandled is")
    func midMonthDepartment() throws {
        let engine = KPIEngine()
        let d = try #require(engine.departments(fourCases(), period: november, now: midMonth).first { $0.code == "D" })
        // Due so far: the one whose deadline (8th) passed and the finished one. The case due on the
        // 20th, open or completed and awaiting its check, has neither ended nor run out of time.
        #expect(d.due == 2)
        #expect(d.handled == 1)
        #expect(d.handledOnTime == 1)
        #expect(d.overdue == 1)
        #expect(d.overduePending == 1)
        // score = 1/2×30 + 1/2×20 + 1×20 + (1 − 1/2)×20 + 1×10 = 15 + 10 + 20 + 10 + 10 = 65.0.
        #expect(d.score == 65)
    }

    @Test("after the month ends the same histories give the finished-month answer")
    func sameHistoriesAfterTheMonth() throws {
        let engine = KPIEngine()
        let finished = engine.departments(fourCases(), period: november)
        #expect(engine.departments(fourCases(), period: november, now: dec(3)) == finished)
        let d = try #require(finished.first { $0.code == "D" })
        // The 20th has passed: the open case is overdue and pending, the completed one handled on time.
        #expect(d.due == 4)
        #expect(d.handled == 2)
        #expect(d.handledOnTime == 2)
        #expect(d.overduePending == 2)
    }

    @Test("the scripted month as it stood on the 12th at noon (department A: 应处置 5, 超期待处置 1, 78.0)")
    func scriptedMonthOnTheTwelfth() throws {
        let engine = ScriptedMonth.engine
        let stored = asStoredAt(midMonth, ScriptedMonth.histories)
        let rows = engine.departments(stored, period: november, now: midMonth)
        let a = try #require(rows.first { $0.code == "DEPT-A" })
        // c1 closed 4th; c2 due 5th, completed late on the 7th; c3 due 10th, open → 超期待处置;
        // c4 closed 12th 09:00; c7 due 12th 10:00, completed on the 11th. c5 (extended to the 15th, not
        // completed yet) is not due yet — judged at the month end it would already count as 超期待处置.
        // c6 suspended on the 6th.
        #expect(a.due == 5)
        #expect(a.handled == 4)
        #expect(a.handledOnTime == 3)
        #expect(a.overdue == 2)
        #expect(a.overduePending == 1)
        #expect(a.reworks == 1)
        #expect(a.extensions == 0)
        #expect(a.suspended == 1)
        // score = 4/5×30 + 3/5×20 + (1 − 1/5)×20 + (1 − 1/5)×20 + 1×10 = 24 + 12 + 16 + 16 + 10 = 78.0 → B.
        #expect(a.score == 78)
        #expect(a.grade == "B")
        let judgedAtTheEnd = try #require(engine.departments(stored, period: november).first { $0.code == "DEPT-A" })
        #expect(judgedAtTheEnd.due == 6)
        #expect(judgedAtTheEnd.overduePending == 2)
        // C: c12 closed on the 9th; c15 (due the 15th) not yet.
        let c = try #require(rows.first { $0.code == "DEPT-C" })
        #expect(c.due == 1)
        #expect(c.overduePending == 0)
    }

    @Test("every family of a finished month is the same whether judged with a later now or without one")
    func finishedMonthUnchanged() {
        let engine = ScriptedMonth.engine
        let histories = ScriptedMonth.histories
        #expect(engine.departments(histories, period: november, now: dec(3)) == engine.departments(histories, period: november))
        for level in AreaLevel.allCases {
            #expect(engine.areas(histories, period: november, level: level, now: dec(3)) == engine.areas(histories, period: november, level: level))
        }
        for post in Post.allCases {
            #expect(engine.posts(histories, period: november, post: post, now: dec(3)) == engine.posts(histories, period: november, post: post))
        }
        #expect(engine.facilities(histories, period: november, now: dec(3)) == engine.facilities(histories, period: november))
    }
}

@Suite("Suspension, returns and recomputed deadlines in the fold")
struct FoldRulesTests {
    let november = ScriptedMonth.november
    let december = Period.parse("2026-12")!

    /// Dispatched to D on the 3rd (due 10th), reworked on the 5th (due 12th), extended on the 8th to
    /// the 20th, suspended (挂账) on the 9th.
    func hungCase() -> CaseScript {
        CaseScript(grid: ScriptedMonth.g1).report(nov(2, 9), by: "s1").file(nov(2, 10)).dispatch(nov(3), to: "D", deadline: nov(10))
            .complete(nov(4)).checkFailed(nov(5), deadline: nov(5, 11), newDeadline: nov(12)).approveExtension(nov(8), to: nov(20))
            .approveSuspension(nov(9))
    }

    @Test("挂账 stops the handling clock; the hung case shows as suspended in the month it was hung, side counts waiting")
    func suspendedCase() throws {
        let hung = hungCase()
        let facts = CaseFacts.fold(caseId: hung.id, events: hung.events)
        #expect(facts.suspended)
        #expect(facts.suspendedAt == nov(9))
        #expect(facts.handlingDeadline == nil)
        #expect(Attribution.instant(of: facts) == nov(9))
        let d = try #require(KPIEngine().departments([hung.history], period: november).first { $0.code == "D" })
        #expect(d.suspended == 1)
        #expect(d.due == 0)
        #expect(d.reworks == 0)
        #expect(d.extensions == 0)
        // While the month runs it shows as soon as it is hung.
        let running = try #require(KPIEngine().departments([hung.history], period: november, now: nov(9, 12)).first { $0.code == "D" })
        #expect(running.suspended == 1)
    }

    @Test("a resumed case brings its side counts back, in the period it is then attributed to; November stays frozen")
    func resumedCase() throws {
        let resumed = hungCase().resume(dec(2), deadline: dec(10)).complete(dec(8)).close(dec(9))
        let facts = CaseFacts.fold(caseId: resumed.id, events: resumed.events)
        #expect(!facts.suspended)
        #expect(facts.suspendedAt == nil)
        #expect(Attribution.instant(of: facts) == dec(9))
        let d = try #require(KPIEngine().departments([resumed.history], period: december).first { $0.code == "D" })
        #expect(d.due == 1)
        #expect(d.handledOnTime == 1)
        #expect(d.reworks == 1)
        #expect(d.extensions == 1)
        #expect(d.suspended == 0)
        #expect(KPIEngine().departments([resumed.history], period: november) == KPIEngine().departments([hungCase().history], period: november))
    }

    @Test("an approved return stops the returning department's clock: the case is not due anywhere until re-dispatched")
    func returnedCase() throws {
        let returned = CaseScript(grid: ScriptedMonth.g1).report(nov(20, 9), by: "s1").file(nov(20, 10))
            .dispatch(nov(20, 11), to: "B", deadline: nov(25), by: "p1").approveReturn(nov(21))
        let facts = CaseFacts.fold(caseId: returned.id, events: returned.events)
        #expect(facts.handlingDeadline == nil)
        #expect(facts.department == nil)
        #expect(Attribution.instant(of: facts) == nil)
        // Waiting at dispatch over the month end: B is not charged an overdue case it no longer holds.
        #expect(KPIEngine().departments([returned.history], period: november).isEmpty)
        // Re-dispatched in December: counts there, with B's return.
        let redispatched = returned.dispatch(dec(1), to: "A", deadline: dec(4)).complete(dec(3)).close(dec(3, 15))
        let rows = KPIEngine().departments([redispatched.history], period: december)
        #expect(rows.first { $0.code == "A" }?.due == 1)
        #expect(rows.first { $0.code == "B" }?.returns == 1)
        #expect(rows.first { $0.code == "B" }?.due == 0)
    }


    /// A timeline entry as supervision writes it when an imported calendar moves a running deadline.
    func recomputeEntry(_ action: CaseAction, caseId: UUID, sequence: Int, at: Date, stage: StageClock.Stage, started: Date,
                        previous: Date, deadline: Date) -> TimelineEntry {
        // As supervision writes it: the same clock run with another deadline, so no started clock;
        // the stage is in the details and the state is the one the clock runs in.
        let state: CaseState = stage == .handle ? .inHandling : .awaitingCheck
        return TimelineEntry(caseId: caseId, sequence: sequence, action: action, from: state, to: state, actorId: "calendar",
                             actorRole: .system, actorDepartment: nil, at: at, department: "D", reason: "working calendar replaced: 2026 provisional → official",
                             details: ["stage": stage.rawValue, "previous_deadline": RFC3339.format(previous), "deadline": RFC3339.format(deadline),
                                       "deadline_basis": "2026:official-00000000"],
                             stoppedClock: nil, startedClock: nil)
    }

    @Test("recompute_deadline on the handle stage moves the running handling deadline; on another stage it does not")
    func recomputedDeadline() throws {
        let action = CaseAction.recomputeDeadline
        var script = CaseScript(grid: ScriptedMonth.g1).report(nov(2, 9), by: "s1").file(nov(2, 10)).dispatch(nov(3), to: "D", deadline: nov(10))
        // A working day was added before the 10th: the deadline moves to the 12th.
        script.events.append(CaseEvent(recomputeEntry(action, caseId: script.id, sequence: script.events.count + 1, at: nov(5), stage: .handle,
                                                      started: nov(3), previous: nov(10), deadline: nov(12))))
        script.handlingDeadline = nov(12)
        let facts = CaseFacts.fold(caseId: script.id, events: script.events)
        #expect(facts.handlingDeadline == nov(12))
        #expect(facts.extensionCount == 0)
        // On the 11th the case is not due yet (with the old deadline it would be overdue and pending).
        #expect(KPIEngine().departments([script.history], period: november, now: nov(11)).first { $0.code == "D" }?.due ?? 0 == 0)
        // Completed on the 11th: on time against the moved deadline.
        let done = script.complete(nov(11)).close(nov(11, 15))
        let d = try #require(KPIEngine().departments([done.history], period: november).first { $0.code == "D" })
        #expect(d.handledOnTime == 1)
        #expect(d.extensions == 0)
        // A recompute of another stage's clock leaves the handling deadline alone.
        var check = done
        check.events.removeLast(2)
        check.events.append(CaseEvent(recomputeEntry(action, caseId: check.id, sequence: check.events.count + 1, at: nov(6), stage: .check,
                                                     started: nov(6), previous: nov(7), deadline: nov(8))))
        #expect(CaseFacts.fold(caseId: check.id, events: check.events).handlingDeadline == nov(12))
    }
}

@Suite("Score rounding and grade boundaries")
struct ScoreRoundingTests {
    @Test("half-up to one decimal, once; float noise below 1e-9 does not decide")
    func rounding() {
        #expect(ScoreRounding.round(76.25) == 76.3)
        #expect(ScoreRounding.round(89.94) == 89.9)
        #expect(ScoreRounding.round(89.95) == 90.0)
        #expect(ScoreRounding.round(89.949) == 89.9)
        #expect(ScoreRounding.round(89.45) == 89.5)
        #expect(ScoreRounding.round(0.05) == 0.1)
        #expect(ScoreRounding.round(100) == 100)
        #expect(ScoreRounding.round(79.99999999999999) == 80.0)
        // 89.95 reached as a sum of exact terms that lands just below it in binary.
        #expect(ScoreRounding.round(89.94999999999999) == 90.0)
    }

    @Test("grades are judged on the published (rounded) score: 89.5 is B, 89.95 → 90.0 is A")
    func gradeBoundaries() {
        let w = AssessmentWeights()
        #expect(w.grade(89.5) == "B")
        #expect(w.grade(ScoreRounding.round(89.5)) == "B")
        #expect(w.grade(ScoreRounding.round(89.95)) == "A")
        #expect(w.grade(ScoreRounding.round(74.96)) == "B")
        #expect(w.grade(ScoreRounding.round(74.94)) == "C")
    }

    @Test("a department scoring exactly 89.5 is graded B")
    func departmentAt89Point5() throws {
        // 20 cases of D, all due in November: 5 completed late, 5 reworked once, 1 extended.
        var scripts: [CaseScript] = []
        for i in 0..<20 {
            var c = CaseScript(grid: ScriptedMonth.g1).report(nov(1, 9), by: "s1").file(nov(1, 10)).dispatch(nov(2), to: "D", deadline: nov(10))
            switch i {
            case 0..<5: c = c.complete(nov(12)).close(nov(13))
            case 5..<10: c = c.complete(nov(4)).checkFailed(nov(5), deadline: nov(5, 11), newDeadline: nov(9)).complete(nov(7)).close(nov(8))
            case 10: c = c.approveExtension(nov(8), to: nov(15)).complete(nov(14)).close(nov(15))
            default: c = c.complete(nov(5)).close(nov(6))
            }
            scripts.append(c)
        }
        let d = try #require(KPIEngine().departments(scripts.map(\.history), period: ScriptedMonth.november).first { $0.code == "D" })
        #expect(d.due == 20)
        #expect(d.handled == 20)
        #expect(d.handledOnTime == 15)
        #expect(d.reworks == 5)
        #expect(d.extensions == 1)
        // score = 1×30 + 15/20×20 + (1 − 5/20)×20 + 1×20 + (1 − 1/20)×10 = 30 + 15 + 15 + 20 + 9.5 = 89.5 → B.
        #expect(d.score == 89.5)
        #expect(d.grade == "B")
    }

    @Test("a raw 89.964 is published as 90.0 and graded A")
    func gradedOnTheRoundedScore() throws {
        var weights = AssessmentWeights()
        weights.departmentExtension = 10.04
        let c = CaseScript(grid: ScriptedMonth.g1).report(nov(1, 9), by: "s1").file(nov(1, 10)).dispatch(nov(2), to: "D", deadline: nov(10))
            .approveExtension(nov(8), to: nov(15)).complete(nov(14)).close(nov(15))
        let d = try #require(KPIEngine(weights: weights).departments([c.history], period: ScriptedMonth.november).first { $0.code == "D" })
        // Every rate perfect but 延期率 = 1: (30 + 20 + 20 + 20 + 0) × 100 / 100.04 = 89.964… → 90.0 → A.
        #expect(d.score == 90.0)
        #expect(d.grade == "A")
    }
}
