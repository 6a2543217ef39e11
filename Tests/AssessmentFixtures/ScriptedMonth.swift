import AssessmentService
import CityGridModel
import Foundation

/// A hand-scripted November 2026: 15 cases through suspension, rework, extension, overdue,
/// duplicates and returns. Every expected figure in `ScriptedMonthTests` (Tests/AssessmentUnitTests)
/// was worked out by hand from the formulas in docs/assessment.md (the arithmetic is in the comments),
/// not by running the engine. Scores come from the exact rates (not the 4-decimal rates shown) and are
/// rounded once, half-up to one decimal. Shared with the service's integration tests.
///
/// Departments: A = "DEPT-A", B = "DEPT-B", C = "DEPT-C". Grids: G1, G2 in district 150102, G3 in 150103.
/// Attribution instant = min(end, handling deadline) (folded as of 2026-12-01 00:00 +08).
enum ScriptedMonth {
    static let g1 = "150102001001001", g2 = "150102001001002", g3 = "150103001001001"
    static let november = Period.parse("2026-11")!

    static func cases() -> [CaseScript] {
        // c1: A, deadline 5th, completed 3rd (on time), closed 4th → instant 4th. Accepted on time by a1; check sent and done on time.
        let c1 = CaseScript(grid: g1, component: "X1").report(nov(1, 9), by: "s1").accept(nov(1, 10), by: "a1", deadline: nov(1, 11))
            .file(nov(1, 11)).dispatch(nov(1, 12), to: "DEPT-A", deadline: nov(5)).complete(nov(3))
            .requestCheck(nov(3, 11), deadline: nov(3, 12)).checkPassed(nov(3, 15), deadline: nov(3, 16)).close(nov(4))
        // c2: A, deadline 5th, completed 7th (late) → instant 5th; handled, not on time.
        let c2 = CaseScript(grid: g1, component: "X1").report(nov(1, 9), by: "s1").file(nov(1, 11))
            .dispatch(nov(1, 12), to: "DEPT-A", deadline: nov(5)).complete(nov(7)).close(nov(8))
        // c3: A, deadline 10th, never completed → instant 10th; 超期待处置.
        let c3 = CaseScript(grid: g2, component: "X2").report(nov(2, 9), by: "s1").file(nov(2, 10))
            .dispatch(nov(2, 11), to: "DEPT-A", deadline: nov(10))
        // c4: A, completed 8th, check failed 9th (返工, new deadline 12th), completed 11th on time, closed 12th 09:00.
        // Second check task sent late (11th 13:00 > 12:00) and checked late (16:00 > 15:00).
        let c4 = CaseScript(grid: g2).report(nov(3, 9), by: "s2").file(nov(3, 10)).dispatch(nov(3, 11), to: "DEPT-A", deadline: nov(10))
            .complete(nov(8)).requestCheck(nov(8, 11), deadline: nov(8, 12))
            .checkFailed(nov(9), deadline: nov(9, 11), newDeadline: nov(12)).complete(nov(11))
            .requestCheck(nov(11, 13), deadline: nov(11, 12)).checkPassed(nov(11, 16), deadline: nov(11, 15)).close(nov(12, 9))
        // c5: A, extension approved 9th to 15th (延期), completed 14th on time, closed 15th 09:00.
        let c5 = CaseScript(grid: g1).report(nov(3, 9), by: "s2").file(nov(3, 10)).dispatch(nov(3, 11), to: "DEPT-A", deadline: nov(10))
            .approveExtension(nov(9), to: nov(15)).complete(nov(14)).close(nov(15, 9))
        // c6: A, suspended (挂账) on the 6th and still suspended → out of A's denominators.
        let c6 = CaseScript(grid: g2).report(nov(4, 9), by: "s2").file(nov(4, 10)).dispatch(nov(4, 11), to: "DEPT-A", deadline: nov(10))
            .approveSuspension(nov(6))
        // c7: dispatched by p1 to B, B's return approved 5th (回退, p1's wrong dispatch), re-dispatched by p2 to A (deadline 12th),
        // completed 11th, closed 13th → instant 12th, counts for A.
        let c7 = CaseScript(grid: g2).report(nov(4, 9), by: "s2").file(nov(4, 10))
            .dispatch(nov(4, 11), to: "DEPT-B", deadline: nov(10), by: "p1").approveReturn(nov(5))
            .dispatch(nov(5, 11), to: "DEPT-A", deadline: nov(12)).complete(nov(11)).close(nov(13))
        // c8: B, on time.
        let c8 = CaseScript(grid: g3).report(nov(10, 9), by: "s3").file(nov(10, 10)).dispatch(nov(10, 11), to: "DEPT-B", deadline: nov(20))
            .complete(nov(18)).close(nov(19))
        // c9: B, dispatched late (15th > dispatch deadline 14th), completed 22nd after its deadline 20th.
        let c9 = CaseScript(grid: g3).report(nov(10, 9), by: "s3").file(nov(10, 10))
            .dispatch(nov(15), to: "DEPT-B", deadline: nov(20), dispatchDeadline: nov(14)).complete(nov(22)).close(nov(23))
        // c10: B, deadline 5 December and open → attributed to December, not November.
        let c10 = CaseScript(grid: g3).report(nov(15, 9), by: "s3").file(nov(15, 10)).dispatch(nov(15, 11), to: "DEPT-B", deadline: dec(5))
        // c11: October case (closed 24 Oct) → previous period only.
        let c11 = CaseScript(grid: g3).report(oct(20, 9), by: "s3").file(oct(20, 10)).dispatch(oct(20, 11), to: "DEPT-B", deadline: oct(25))
            .complete(oct(23)).close(oct(24))
        // c12: 12345 report, verification sent on time by a1, confirmed on time by s1, C handles on time; 6 duplicates linked.
        var c12 = CaseScript(grid: g1, kind: .event, classCode: "0201", channel: .hotline12345).report(nov(2, 9), by: "system", role: .system)
            .requestVerification(nov(2, 10), by: "a1", deadline: nov(2, 11)).verify(nov(3), by: "s1", deadline: nov(4))
            .file(nov(3, 11)).dispatch(nov(3, 12), to: "DEPT-C", deadline: nov(9)).complete(nov(8)).close(nov(9, 9))
        c12.duplicateLinks = 6
        // c13: s2's report voided as a duplicate before filing → not an effective report, counts nowhere.
        let c13 = CaseScript(grid: g1).report(nov(2, 9), by: "s2").void(nov(2, 10))
        // c14: app report, verification sent late by a1 (10:00 > 09:30), refuted late by s1 (5th > 4th) → voided.
        let c14 = CaseScript(grid: g2, kind: .event, classCode: "0201", channel: .app).report(nov(4, 9), by: "system", role: .system)
            .requestVerification(nov(4, 10), by: "a1", deadline: cityTime(2026, 11, 4, 9, 30))
            .verify(nov(5), by: "s1", deadline: nov(4), confirmed: false)
        // c15: C, extension to the 25th, still open at month end → instant 25th, 超期待处置.
        let c15 = CaseScript(grid: g2).report(nov(5, 9), by: "s1").file(nov(5, 10)).dispatch(nov(5, 11), to: "DEPT-C", deadline: nov(15))
            .approveExtension(nov(14), to: nov(25))
        return [c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15]
    }

    static var histories: [CaseHistory] { cases().map(\.history) }

    static var engine: KPIEngine {
        KPIEngine(registeredComponents: [
            .init(classCode: "0101", area: "150102"): 40,
            .init(classCode: "0101", area: "150103"): 10,
        ])
    }
}
