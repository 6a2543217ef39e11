import AssessmentService
import CityGridModel
import Foundation

/// A hand-scripted November 2026 with a roster: who was on duty for which grid decides whose
/// 漏报 a public report is (the responsible supervisor, from ``roster``), and the verification and
/// check tasks go through the assignments supervision's policy makes (first to the supervisor on
/// duty; off duty or overdue, on to the next supervisor on duty who has not held it, or the shift
/// leader's queue; from the queue to the first who comes on duty). Every expected figure in
/// `RosterMonthTests` is worked out by hand in the comments there.
///
/// Grids: G1 = 150102001001001 and G2 = 150102001001002 (street 150102001), G3 = 150103001001001.
/// Shifts every day: early 07:30–15:00, late 15:00–22:30; nobody at night.
///
/// | row | supervisor | area | shift | duty |
/// |---|---|---|---|---|
/// | R1 | sup-a | street 150102001 (G1, G2) | early | primary |
/// | R2 | sup-b | street 150102001 | late | primary |
/// | R3 | sup-c | street 150102001 | early | cover |
/// | R4 | sup-c | grid G3 | early | primary |
/// | R5 | sup-d | grid G3 | late | primary |
///
/// Stage limits (verify, check) are one working hour (08:00–12:00, 14:00–18:00 on working days);
/// a reassigned holder is due by the later of the request's deadline and one working hour from the
/// move. The dues below are counted that way by hand.
enum RosterMonth {
    static let g1 = "150102001001001", g2 = "150102001001002", g3 = "150103001001001"
    static let november = Period.parse("2026-11")!
    static let a = "sup-a", b = "sup-b", c = "sup-c", d = "sup-d"

    static let shiftsCSV = """
        code,name,start,end,weekdays,source
        early,早班,07:30,15:00,1234567,demo
        late,晚班,15:00,22:30,1234567,demo
        """
    static let rosterCSV = """
        id,supervisor_id,supervisor_name,area_code,shift,duty,valid_from,valid_to,source
        R1,sup-a,甲,150102001,early,primary,2026-01-01,,demo
        R2,sup-b,乙,150102001,late,primary,2026-01-01,,demo
        R3,sup-c,丙,150102001,early,cover,2026-01-01,,demo
        R4,sup-c,丙,150103001001001,early,primary,2026-01-01,,demo
        R5,sup-d,丁,150103001001001,late,primary,2026-01-01,,demo
        """

    static let roster: GridRoster = {
        let areas: Set<String> = ["150102001", g1, g2, g3]
        return try! GridRoster.parse(shifts: shiftsCSV, roster: rosterCSV, version: "test", timeZone: Period.calendar.timeZone,
                                     areaCodes: areas).get()
    }()

    /// `2026-11-<day> <hour>:<minute>` city time.
    static func t(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Date { cityTime(2026, 11, day, hour, minute) }

    /// A case reported at `at` in `grid`, with the roster's responsible supervisor.
    static func reported(_ grid: String, at: Date, publicReport: Bool, by reporter: String? = nil) -> CaseScript {
        var s = CaseScript(grid: grid, kind: .event, classCode: "0201", channel: publicReport ? .hotline12345 : .supervisor)
        s.meta.gridSupervisorId = roster.responsible(gridCode: grid, at: at)
        return publicReport ? s.report(at, by: "intake", role: .system) : s.report(at, by: reporter ?? "?")
    }

    static func cases() -> [CaseScript] {
        // k1: sup-a's own report in G1 (Mon 2nd 10:00, sup-a on duty), filed and closed on the 5th.
        let k1 = reported(g1, at: t(2, 10), publicReport: false, by: a).file(t(2, 11)).dispatch(t(2, 12), to: "DEPT-A", deadline: t(6, 12))
            .complete(t(4, 10)).close(t(5, 10))

        // k2: 12345 in G1, Tue 3rd 09:00 (sup-a on duty). Verification task to sup-a at 09:05, due 10:05; confirmed 09:40.
        var k2 = reported(g1, at: t(3, 9), publicReport: true).requestVerification(t(3, 9, 5), by: "a1", deadline: t(3, 9, 35))
        k2.assign(to: a, at: t(3, 9, 5), due: t(3, 10, 5), reason: .requested)
        k2 = k2.verify(t(3, 9, 40), by: a, deadline: t(3, 10, 5)).file(t(3, 10)).dispatch(t(3, 11), to: "DEPT-A", deadline: t(6, 11))
            .complete(t(5, 10)).close(t(6, 10))

        // k3: 12345 in G1, Wed 4th 14:30 (sup-a). Task to sup-a at 14:35, due 15:35. Her shift ends at 15:00 with it
        // unanswered: off duty → sup-b (late primary), due max(15:35, 15:00 + 1 working hour = 16:00) = 16:00; confirmed 15:40.
        var k3 = reported(g1, at: t(4, 14, 30), publicReport: true).requestVerification(t(4, 14, 35), by: "a1", deadline: t(4, 15, 5))
        k3.assign(to: a, at: t(4, 14, 35), due: t(4, 15, 35), reason: .requested)
        k3.assign(to: b, at: t(4, 15), due: t(4, 16), reason: .offDuty)
        k3 = k3.verify(t(4, 15, 40), by: b, deadline: t(4, 15, 35)).file(t(4, 16)).dispatch(t(4, 17), to: "DEPT-A", deadline: t(9, 17))
            .complete(t(6, 10)).close(t(9, 10))

        // k4: 12345 in G2, Tue 10th 16:00 (sup-b on the late shift). Task to sup-b at 16:05, due 17:05; unanswered at 17:06 →
        // overdue; nobody else on the late shift for G2 → the shift leader's queue. Wed 11th 07:30 sup-a comes on duty →
        // to sup-a, due max(17:05 on the 10th, 07:30 + 1 working hour = 09:00) = 09:00; confirmed 08:30.
        var k4 = reported(g2, at: t(10, 16), publicReport: true).requestVerification(t(10, 16, 5), by: "a1", deadline: t(10, 16, 35))
        k4.assign(to: b, at: t(10, 16, 5), due: t(10, 17, 5), reason: .requested)
        k4.assign(to: nil, at: t(10, 17, 6), due: nil, reason: .overdue)
        k4.assign(to: a, at: t(11, 7, 30), due: t(11, 9), reason: .onDuty)
        k4 = k4.verify(t(11, 8, 30), by: a, deadline: t(10, 17, 5)).file(t(11, 9)).dispatch(t(11, 10), to: "DEPT-A", deadline: t(14, 10))
            .complete(t(12, 10)).close(t(13, 10))

        // k5: 12345 in G3, Thu 12th 10:00 (sup-c, G3's early primary). Task to sup-c, due 11:05; refuted 10:30 → voided.
        var k5 = reported(g3, at: t(12, 10), publicReport: true).requestVerification(t(12, 10, 5), by: "a1", deadline: t(12, 10, 35))
        k5.assign(to: c, at: t(12, 10, 5), due: t(12, 11, 5), reason: .requested)
        k5 = k5.verify(t(12, 10, 30), by: c, deadline: t(12, 11, 5), confirmed: false)

        // k6: sup-c's own report in G3, Mon 16th 11:00. Completed Tue 17th 10:00; check task to sup-c at 10:05, due 11:05;
        // checked (passed) at 12:00, late.
        var k6 = reported(g3, at: t(16, 11), publicReport: false, by: c).file(t(16, 12)).dispatch(t(16, 14), to: "DEPT-A", deadline: t(19, 14))
            .complete(t(17, 10)).requestCheck(t(17, 10, 5), deadline: t(17, 10, 35))
        k6.assign(to: c, at: t(17, 10, 5), due: t(17, 11, 5), reason: .requested)
        k6 = k6.checkPassed(t(17, 12), by: c, deadline: t(17, 11, 5)).close(t(18, 10))

        // k7: 12345 in G1, Wed 18th 20:00 (sup-b). Task to sup-b at 20:05, due Thu 19th 09:00 (one working hour from the
        // evening). 22:30 his shift ends → off duty; nobody on duty → queue. 07:30 sup-a comes on duty → to sup-a, due
        // max(09:00, 09:00) = 09:00. Unanswered at 09:01 → overdue → sup-c (early cover; sup-a and sup-b held it), due
        // max(09:00, 09:01 + 1 working hour = 10:01) = 10:01; confirmed 09:45.
        var k7 = reported(g1, at: t(18, 20), publicReport: true).requestVerification(t(18, 20, 5), by: "a1", deadline: t(19, 8, 30))
        k7.assign(to: b, at: t(18, 20, 5), due: t(19, 9), reason: .requested)
        k7.assign(to: nil, at: t(18, 22, 30), due: nil, reason: .offDuty)
        k7.assign(to: a, at: t(19, 7, 30), due: t(19, 9), reason: .onDuty)
        k7.assign(to: c, at: t(19, 9, 1), due: t(19, 10, 1), reason: .overdue)
        k7 = k7.verify(t(19, 9, 45), by: c, deadline: t(19, 9)).file(t(19, 10)).dispatch(t(19, 11), to: "DEPT-A", deadline: t(23, 11))
            .complete(t(20, 10)).close(t(23, 10))

        // k8: sup-d's own report in G3, Fri 20th 16:00 (late shift: sup-d). Completed Tue 24th 10:00; check task to sup-c
        // (early) at 10:05, due 11:05; failed 10:30 (on time) → 返工. Completed again Wed 25th 14:00; second check task to
        // sup-c at 14:05, due 15:05; at 15:00 her shift ends → off duty → sup-d, due max(15:05, 16:00) = 16:00; passed 15:30.
        var k8 = reported(g3, at: t(20, 16), publicReport: false, by: d).file(t(20, 17)).dispatch(t(23, 9), to: "DEPT-A", deadline: t(27, 9))
            .complete(t(24, 10)).requestCheck(t(24, 10, 5), deadline: t(24, 10, 35))
        k8.assign(to: c, at: t(24, 10, 5), due: t(24, 11, 5), reason: .requested)
        k8 = k8.checkFailed(t(24, 10, 30), by: c, deadline: t(24, 11, 5), newDeadline: t(27, 10)).complete(t(25, 14))
            .requestCheck(t(25, 14, 5), deadline: t(25, 14, 35))
        k8.assign(to: c, at: t(25, 14, 5), due: t(25, 15, 5), reason: .requested)
        k8.assign(to: d, at: t(25, 15), due: t(25, 16), reason: .offDuty)
        k8 = k8.checkPassed(t(25, 15, 30), by: d, deadline: t(25, 15, 5)).close(t(26, 10))

        // k9: 12345 in G2, Wed 25th 11:00 (sup-a). Task to sup-a at 11:00, due 12:00; unanswered at 12:01 → overdue → sup-c
        // (early cover), due max(12:00, 12:01 + 1 working hour = 15:00) = 15:00; refuted 14:30 → voided.
        var k9 = reported(g2, at: t(25, 11), publicReport: true).requestVerification(t(25, 11), by: "a1", deadline: t(25, 11, 30))
        k9.assign(to: a, at: t(25, 11), due: t(25, 12), reason: .requested)
        k9.assign(to: c, at: t(25, 12, 1), due: t(25, 15), reason: .overdue)
        k9 = k9.verify(t(25, 14, 30), by: c, deadline: t(25, 12), confirmed: false)

        // k10: 12345 in G1, Mon 30th 14:00 (sup-a). Task to sup-a, due 15:00; her shift ends at 15:00 → off duty (not yet due)
        // → sup-b, due max(15:00, 16:00) = 16:00; unanswered at 16:01 → overdue → queue (nobody else late). Still open at the
        // month's end (answered in December).
        var k10 = reported(g1, at: t(30, 14), publicReport: true).requestVerification(t(30, 14), by: "a1", deadline: t(30, 14, 30))
        k10.assign(to: a, at: t(30, 14), due: t(30, 15), reason: .requested)
        k10.assign(to: b, at: t(30, 15), due: t(30, 16), reason: .offDuty)
        k10.assign(to: nil, at: t(30, 16, 1), due: nil, reason: .overdue)

        return [k1, k2, k3, k4, k5, k6, k7, k8, k9, k10]
    }

    static var histories: [CaseHistory] { cases().map(\.history) }
}

extension CaseScript {
    /// Records the next assignment of the case's latest verification or check task (a new task
    /// after each request).
    mutating func assign(to supervisor: String?, at: Date, due: Date?, reason: FieldTaskAssignmentReason) {
        guard let request = events.last(where: { FieldTaskKind.opened(by: $0.action) != nil }),
              let kind = FieldTaskKind.opened(by: request.action) else { return }
        let previous = assignments.filter { $0.requestSequence == request.sequence }
        let taskId = previous.first?.taskId ?? UUID()
        assignments.append(FieldAssignment(taskId: taskId, kind: kind, requestSequence: request.sequence, sequence: previous.count + 1,
                                           supervisorId: supervisor, assignedAt: at, dueAt: due, reason: reason))
    }
}
