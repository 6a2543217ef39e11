import CityGridModel
import Foundation
import Testing

/// Grid responsibility as reference data: the files load and are checked, and "who is on duty
/// for grid G at instant t" follows the shifts, the rows' areas and their dates (pure).
@Suite("Roster (网格责任)")
struct RosterTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shared/reference-data")
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    /// `2026-11-<day> hh:mm` Beijing time (25 November 2026 is a Wednesday).
    static func t(_ day: Int, _ hour: Int, _ minute: Int = 0, month: Int = 11) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: 2026, month: month, day: day, hour: hour, minute: minute))!
    }

    static let grid = "150102001001001"

    func demo() throws -> GridRoster {
        try GridRoster.load(from: Self.directory, refs: try ReferenceData.load(from: Self.directory))
    }

    @Test("the demo roster loads: two shifts, every street covered by a primary and a cover on each shift")
    func demoLoads() throws {
        let roster = try demo()
        #expect(roster.version == (try String(contentsOf: Self.directory.appendingPathComponent("VERSION"), encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(roster.shifts.map(\.code) == ["early", "late"])
        let refs = try ReferenceData.load(from: Self.directory)
        for street in refs.streets {
            for shift in ["early", "late"] {
                let rows = roster.assignments.filter { $0.areaCode == street.code && $0.shift == shift }
                #expect(Set(rows.map(\.duty)) == [.primary, .cover], "street \(street.code) \(shift)")
            }
        }
    }

    @Test("on duty: the early shift's primary then its cover; the late shift after 15:00; nobody at night")
    func onDuty() throws {
        let roster = try demo()
        func ids(_ at: Date) -> [String] { roster.onDuty(gridCode: Self.grid, at: at).map(\.supervisorId) }
        #expect(ids(Self.t(25, 10)) == ["sup-001", "sup-003"])
        #expect(ids(Self.t(25, 7, 29)) == [])
        #expect(ids(Self.t(25, 7, 30)) == ["sup-001", "sup-003"], "a run covers its start")
        #expect(ids(Self.t(25, 15)) == ["sup-002", "sup-004"], "and not its end: at 15:00 the late shift has it")
        #expect(ids(Self.t(25, 22, 29)) == ["sup-002", "sup-004"])
        #expect(ids(Self.t(25, 23)) == [])
        let duty = try #require(roster.duty(of: "sup-001", gridCode: Self.grid, at: Self.t(25, 10)))
        #expect(duty.run.start == Self.t(25, 7, 30) && duty.run.end == Self.t(25, 15) && duty.run.day == CivilDate(year: 2026, month: 11, day: 25))
        #expect(roster.responsible(gridCode: Self.grid, at: Self.t(25, 23)) == nil)
        #expect(roster.firstOnDuty(gridCode: Self.grid, at: Self.t(25, 10), excluding: ["sup-001"])?.supervisorId == "sup-003")
        #expect(roster.firstOnDuty(gridCode: Self.grid, at: Self.t(25, 10), excluding: ["sup-001", "sup-003"]) == nil)
    }

    static let shifts = """
        code,name,start,end,weekdays,source
        day,日班,08:00,17:00,12345,demo
        night,夜班,22:00,06:00,12345,demo
        """

    func custom(_ rows: String) throws -> GridRoster {
        let areas: Set<String> = ["150102001", "150102001001", Self.grid, "150102001001002"]
        return try GridRoster.parse(shifts: Self.shifts, roster: "id,supervisor_id,supervisor_name,area_code,shift,duty,valid_from,valid_to,source\n" + rows,
                                    version: "t", timeZone: Self.zone, areaCodes: areas).get()
    }

    @Test("a night shift belongs to the day it starts: Friday's runs into Saturday, Sunday's does not exist")
    func nightShift() throws {
        let roster = try custom("N1,sup-n,,150102001,night,primary,2026-11-01,,demo\n")
        // 27 November 2026 is a Friday.
        #expect(roster.responsible(gridCode: Self.grid, at: Self.t(28, 2)) == "sup-n", "Saturday 02:00: Friday night's run")
        #expect(roster.responsible(gridCode: Self.grid, at: Self.t(30, 2)) == nil, "Monday 02:00: Sunday has no run")
        #expect(roster.responsible(gridCode: Self.grid, at: Self.t(30, 22)) == "sup-n")
        #expect(roster.responsible(gridCode: Self.grid, at: Self.t(28, 6)) == nil, "the run ends at 06:00")
        let shift = try #require(roster.shift("night"))
        #expect(shift.crossesMidnight && shift.minutes == 480)
    }

    @Test("the smaller area's primary first, covers after every primary, one entry per supervisor")
    func order() throws {
        let roster = try custom("""
            S1,sup-street,,150102001,day,primary,2026-01-01,,demo
            C1,sup-comm,,150102001001,day,primary,2026-01-01,,demo
            G1,sup-grid,,150102001001001,day,primary,2026-01-01,,demo
            X1,sup-cover,,150102001001001,day,cover,2026-01-01,,demo
            X2,sup-street,,150102001001001,day,cover,2026-01-01,,demo

            """)
        #expect(roster.onDuty(gridCode: Self.grid, at: Self.t(25, 9)).map(\.supervisorId) == ["sup-grid", "sup-comm", "sup-street", "sup-cover"])
        #expect(roster.onDuty(gridCode: "150102001001002", at: Self.t(25, 9)).map(\.supervisorId) == ["sup-comm", "sup-street"])
        #expect(roster.onDuty(gridCode: Self.grid, at: Self.t(28, 9)).isEmpty, "Saturday: the day shift runs Monday to Friday")
    }

    @Test("changes are effective-dated: an added row from its first day, an ended row until the day before")
    func changes() throws {
        let roster = try custom("P1,sup-p,,150102001,day,primary,2026-01-01,,demo\n")
        let added = RosterAssignment(id: "A-1", supervisorId: "sup-new", areaCode: Self.grid, shift: "day", duty: .primary,
                                     validFrom: CivilDate(year: 2026, month: 12, day: 1)!, source: .city)
        let changed = roster.applying([.add(added), .end(assignmentId: "P1", day: CivilDate(year: 2026, month: 12, day: 1)!),
                                       .end(assignmentId: "missing", day: CivilDate(year: 2026, month: 12, day: 1)!)])
        #expect(changed.responsible(gridCode: Self.grid, at: Self.t(30, 9)) == "sup-p")
        #expect(changed.responsible(gridCode: Self.grid, at: Self.t(1, 9, month: 12)) == "sup-new")
        #expect(changed.onDuty(gridCode: Self.grid, at: Self.t(1, 9, month: 12)).map(\.supervisorId) == ["sup-new"])
        #expect(roster.responsible(gridCode: Self.grid, at: Self.t(1, 9, month: 12)) == "sup-p", "the roster itself is a value: unchanged")
        // The same add again changes nothing.
        #expect(changed.applying([.add(added)]).assignments.count == changed.assignments.count)
    }

    @Test("a change must start today or later, name a known area and shift, and a well-formed supervisor")
    func changeProblems() throws {
        let roster = try custom("P1,sup-p,,150102001,day,primary,2026-01-01,2026-12-01,demo\n")
        let today = CivilDate(year: 2026, month: 11, day: 25)!
        let bad = RosterAssignment(id: "A-2", supervisorId: "sup p", areaCode: "150199001", shift: "evening", duty: .cover,
                                   validFrom: CivilDate(year: 2026, month: 11, day: 24)!, validTo: CivilDate(year: 2026, month: 11, day: 24)!)
        #expect(Set(roster.problems(adding: bad, today: today).map(\.field)) == ["supervisorId", "areaCode", "shift", "validFrom", "validTo"])
        let good = RosterAssignment(id: "A-3", supervisorId: "sup-q", areaCode: "150102001001", shift: "day", duty: .cover, validFrom: today)
        #expect(roster.problems(adding: good, today: today).isEmpty)
        #expect(roster.problems(ending: "P1", day: CivilDate(year: 2026, month: 11, day: 20)!, today: today).map(\.field) == ["day"])
        #expect(roster.problems(ending: "P1", day: CivilDate(year: 2026, month: 12, day: 5)!, today: today).map(\.field) == ["day"],
                "the row already ends on 1 December")
        #expect(roster.problems(ending: "P1", day: today, today: today).isEmpty)
        #expect(roster.problems(ending: "nope", day: today, today: today).map(\.field) == ["id"])
    }

    @Test("bad files: every problem named by file, line and field")
    func loaderErrors() {
        let shifts = """
            code,name,start,end,weekdays,source
            early,早班,07:30,15:00,1234567,demo
            early,重复,25:00,15:00,1289,demo
            """
        let rows = """
            id,supervisor_id,supervisor_name,area_code,shift,duty,valid_from,valid_to,source
            R1,sup-1,,150102001,early,primary,2026-01-01,,demo
            R1,sup 2,,1501,late,boss,2026-13-01,,nobody
            R3,sup-3,,150102999,early,cover,2026-02-01,2026-01-01,demo
            """
        let result = GridRoster.parse(shifts: shifts, roster: rows, version: "t", timeZone: Self.zone, areaCodes: ["150102001"])
        guard case .failure(let errors) = result else {
            Issue.record("the files should not load")
            return
        }
        let found = Set(errors.errors.map { "\($0.file):\($0.line):\($0.field ?? "-")" })
        #expect(found == [
            "shifts.csv:3:code", "shifts.csv:3:start", "shifts.csv:3:weekdays",
            "roster.csv:3:id", "roster.csv:3:supervisor_id", "roster.csv:3:area_code", "roster.csv:3:shift", "roster.csv:3:duty",
            "roster.csv:3:valid_from", "roster.csv:3:source",
            "roster.csv:4:area_code", "roster.csv:4:valid_to",
        ])
    }
}
