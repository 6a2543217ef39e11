@testable import AssessmentFixtures
import AssessmentService
import CityGridModel
import Foundation
import Testing

/// 回访数, 满意率 and 重办数 per department and area: counted when the visits and reopenings
/// happen, for the department that handled the case and the area it lies in.
@Suite("Return visits in the figures")
struct ReturnVisitFiguresTests {
    static let gridA = "150102001001001"
    static let gridB = "150105002005003"

    /// Reported, dispatched to `dept`, completed, checked and closed on `day` of `month` (10:00–13:00).
    static func closed(_ grid: String, _ dept: String, on day: (Int, Int) -> Date, _ d: Int) -> CaseScript {
        CaseScript(grid: grid).report(day(d, 9), by: "s1").accept(day(d, 9), by: "a1", deadline: day(d, 10)).file(day(d, 9))
            .dispatch(day(d, 10), to: dept, deadline: day(d, 16)).complete(day(d, 11))
            .requestCheck(day(d, 11), deadline: day(d, 12)).checkPassed(day(d, 12), deadline: day(d, 13)).close(day(d, 13))
    }

    let engine = KPIEngine()
    let november = Period.parse("2026-11")!
    let december = Period.parse("2026-12")!

    /// Worked by hand. November: case 1 (SRHW, grid A) visited 不满意 → reopened → handled →
    /// closed → 满意; case 2 (SRHW, grid A) 基本满意; case 3 (SZGY, grid B) 不满意 twice (the second
    /// referred, no reopening). December: case 2 visited again, 满意 (closed in November).
    var histories: [CaseHistory] {
        let one = Self.closed(Self.gridA, "SRHW", on: nov, 3).visit(nov(4), .dissatisfied).reopen(nov(4, 11), deadline: nov(5))
            .complete(nov(4, 15)).requestCheck(nov(4, 15), deadline: nov(4, 16)).checkPassed(nov(4, 16), deadline: nov(4, 17))
            .close(nov(4, 17)).visit(nov(6), .satisfied)
        let two = Self.closed(Self.gridA, "SRHW", on: nov, 10).visit(nov(11), .basicallySatisfied).visit(dec(2), .satisfied)
        let three = Self.closed(Self.gridB, "SZGY", on: nov, 12).visit(nov(13), .dissatisfied).visit(nov(20), .dissatisfied)
        return [one.history, two.history, three.history]
    }

    @Test("departments: visits by verdict, 满意率 = (满意 + 基本满意) / 回访数, 重办数")
    func departments() {
        let rows = Dictionary(uniqueKeysWithValues: engine.departments(histories, period: november).map { ($0.code, $0) })
        let srhw = rows["SRHW"]!
        #expect(srhw.visits == 3 && srhw.satisfied == 1 && srhw.basicallySatisfied == 1 && srhw.dissatisfied == 1)
        #expect(srhw.satisfactionRate == 0.6667)
        #expect(srhw.reopenings == 1)
        let szgy = rows["SZGY"]!
        #expect(szgy.visits == 2 && szgy.dissatisfied == 2 && szgy.satisfactionRate == 0 && szgy.reopenings == 0)
        // The reopened case counts once as due (its final close falls in November), handled on time.
        #expect(srhw.due == 2 && srhw.handled == 2)
        // December: one visit on a case closed in November.
        let december = engine.departments(histories, period: december)
        #expect(december.map(\.code) == ["SRHW"])
        #expect(december.first?.visits == 1 && december.first?.satisfactionRate == 1 && december.first?.due == 0)
    }

    @Test("areas: the same figures for the cases located there, at every level")
    func areas() {
        let districts = Dictionary(uniqueKeysWithValues: engine.areas(histories, period: november, level: .district).map { ($0.code, $0) })
        #expect(districts["150102"]?.visits == 3 && districts["150102"]?.reopenings == 1)
        #expect(districts["150102"]?.satisfactionRate == 0.6667)
        #expect(districts["150105"]?.visits == 2 && districts["150105"]?.satisfactionRate == 0)
        let grids = engine.areas(histories, period: november, level: .grid)
        #expect(grids.first { $0.code == Self.gridA }?.basicallySatisfied == 1)
        // No visits, no rate.
        let october = engine.areas(histories, period: Period.parse("2026-10")!, level: .district)
        #expect(october.allSatisfy { $0.visits == 0 && $0.satisfactionRate == nil })
    }

    @Test("a running period counts the visits up to now only")
    func runningPeriod() {
        let rows = engine.departments(histories, period: november, now: nov(12))
        let srhw = rows.first { $0.code == "SRHW" }!
        #expect(srhw.visits == 3 && srhw.reopenings == 1)
        let szgy = rows.first { $0.code == "SZGY" }
        #expect(szgy?.visits ?? 0 == 0, "case 3's visits come after the 12th")
    }

    @Test("a reopened case is open again in its fold, then closed again")
    func reopenedFold() {
        let c = Self.closed(Self.gridA, "SRHW", on: nov, 3).visit(nov(4), .dissatisfied).reopen(nov(4, 11), deadline: nov(5))
        let open = CaseFacts.fold(caseId: c.id, events: c.events)
        #expect(open.state == .inHandling && open.closedAt == nil && open.endedAt == nil)
        #expect(open.handlingDeadline == nov(5) && open.department == "SRHW" && !open.handled)
        #expect(open.lastVisitAt == nov(4))
        #expect(Attribution.instant(of: open) == nov(5))
        // As of the 4th at 10:30, before the reopening, it was closed on the 3rd.
        let before = CaseFacts.fold(caseId: c.id, events: c.events, asOf: nov(4, 10))
        #expect(before.closedAt == nov(3, 13) && before.endedAt == nov(3, 13))
    }
}
