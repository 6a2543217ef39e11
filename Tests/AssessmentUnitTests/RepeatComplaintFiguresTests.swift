@testable import AssessmentFixtures
import AssessmentService
import CityGridModel
import Foundation
import Testing

/// 重复投诉数 per department and area: the same caller again about a case that had ended, counted
/// when the complaint is made, for the department that had handled the case and the area it
/// lies in (worked by hand).
@Suite("Repeat complaints in the figures")
struct RepeatComplaintFiguresTests {
    static let gridA = "150102001001001"
    static let gridB = "150105002005003"

    let engine = KPIEngine()
    let november = Period.parse("2026-11")!
    let december = Period.parse("2026-12")!

    /// Case 1: SRHW, grid A, closed 3 Nov; complained about again on 20 Nov and 2 Dec.
    /// Case 2: SZGY, grid B, closed 10 Nov; one complaint on 25 Nov.
    /// Case 3: grid B, not accepted on 12 Nov (no department); one complaint on 26 Nov.
    var histories: [CaseHistory] {
        var one = ReturnVisitFiguresTests.closed(Self.gridA, "SRHW", on: nov, 3).history
        one.repeatComplaints = [nov(20), dec(2)]
        var two = ReturnVisitFiguresTests.closed(Self.gridB, "SZGY", on: nov, 10).history
        two.repeatComplaints = [nov(25)]
        var three = CaseScript(grid: Self.gridB, kind: .event, classCode: "0102", channel: .hotline12345).report(nov(12, 9), by: "12345", role: .system)
        three.add(.rejectAtAccept, nov(12, 10), to: .notAccepted, actor: "a1", role: .acceptor)
        var history = three.history
        history.repeatComplaints = [nov(26)]
        return [one, two, history]
    }

    @Test("departments: complaints made in the period about the cases each department handled")
    func departments() {
        let rows = Dictionary(uniqueKeysWithValues: engine.departments(histories, period: november).map { ($0.code, $0) })
        #expect(rows["SRHW"]?.repeatComplaints == 1)
        #expect(rows["SZGY"]?.repeatComplaints == 1)
        #expect(rows.values.map(\.repeatComplaints).reduce(0, +) == 2, "the not-accepted case has no department")
        // December: case 1's second complaint, though the case ended in November (and is not due in December).
        let december = engine.departments(histories, period: december)
        #expect(december.map(\.code) == ["SRHW"])
        #expect(december.first?.repeatComplaints == 1 && december.first?.due == 0)
        // A running November judged on the 22nd: only the complaint of the 20th has been made.
        let running = engine.departments(histories, period: november, now: nov(22))
        #expect(running.first { $0.code == "SRHW" }?.repeatComplaints == 1)
        #expect(running.first { $0.code == "SZGY" }?.repeatComplaints ?? 0 == 0)
    }

    @Test("areas: every complaint, in the area of the case, at every level")
    func areas() {
        let districts = Dictionary(uniqueKeysWithValues: engine.areas(histories, period: november, level: .district).map { ($0.code, $0) })
        #expect(districts["150102"]?.repeatComplaints == 1)
        #expect(districts["150105"]?.repeatComplaints == 2, "the not-accepted case's complaint counts for its area")
        let grids = Dictionary(uniqueKeysWithValues: engine.areas(histories, period: november, level: .grid).map { ($0.code, $0) })
        #expect(grids[Self.gridB]?.repeatComplaints == 2 && grids[Self.gridA]?.repeatComplaints == 1)
        #expect(engine.areas(histories, period: Period.parse("2026-10")!, level: .district).allSatisfy { $0.repeatComplaints == 0 })
    }

    @Test("the department is the one that held the case when the complaint came")
    func departmentAtTheTime() {
        // Dispatched to SZGY, returned, then handled and closed by SRHW.
        var script = CaseScript(grid: Self.gridA).report(nov(3, 9), by: "s1").accept(nov(3, 9), by: "a1", deadline: nov(3, 10)).file(nov(3, 9))
            .dispatch(nov(3, 10), to: "SZGY", deadline: nov(3, 16))
        script.add(.approveReturn, nov(3, 11), to: .awaitingDispatch, actor: "p2", role: .dispatcher, department: "SZGY", returnedBy: "SZGY")
        script.department = nil
        let handled = script.dispatch(nov(3, 12), to: "SRHW", deadline: nov(3, 18)).complete(nov(3, 13))
            .requestCheck(nov(3, 13), deadline: nov(3, 14)).checkPassed(nov(3, 14), deadline: nov(3, 15)).close(nov(3, 15))
        var history = handled.history
        history.repeatComplaints = [nov(9)]
        let rows = engine.departments([history], period: november)
        #expect(rows.first { $0.code == "SRHW" }?.repeatComplaints == 1)
        #expect(rows.first { $0.code == "SZGY" }?.repeatComplaints ?? 0 == 0)
    }
}
