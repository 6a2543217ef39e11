import CityGridModel
import Foundation
import Testing

/// The 2026 calendar exactly as shipped in `Shared/reference-data/calendar/2026.csv`.
private let calendar2026: WorkingCalendar = {
    let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Shared/reference-data/calendar/2026.csv")
    let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    let zone = TimeZone(identifier: "Asia/Shanghai")!
    guard case .success(let year) = OfficialYearFile.parse(text, file: "calendar/2026.csv", expectedYear: 2026, timeZone: zone) else {
        preconditionFailure("cannot read \(url.path)")
    }
    // Only 2026: the tests below also check what happens at the edge of coverage.
    return WorkingCalendar(timeZone: zone, schedule: .standardOnly, years: [year])
}()

/// "2026-09-18 17:00" in Beijing time (UTC+8).
private func bj(_ text: String) -> Date {
    let parts = text.split(separator: " ")
    let day = CivilDate(iso: String(parts[0]))!
    let hm = parts[1].split(separator: ":").map { Int($0)! }
    return Date(timeIntervalSince1970: Double(day.dayNumber * 86_400 + hm[0] * 3600 + hm[1] * 60 - 8 * 3600))
}

private func deadline(_ start: String, _ limit: TimeLimit) throws -> Date {
    try calendar2026.deadline(from: bj(start), limit: limit)
}

@Suite("Working calendar")
struct WorkingCalendarTests {
    @Test("working days, holidays and make-up days of 2026")
    func workingDays() throws {
        let c = calendar2026
        func day(_ s: String) -> CivilDate { CivilDate(iso: s)! }
        #expect(try c.isWorkingDay(day("2026-01-01")) == false)  // 元旦, Thursday
        #expect(try c.isWorkingDay(day("2026-01-04")) == true)   // Sunday, make-up day
        #expect(try c.isWorkingDay(day("2026-02-14")) == true)   // Saturday, make-up day
        #expect(try c.isWorkingDay(day("2026-02-15")) == false)  // 春节 starts
        #expect(try c.isWorkingDay(day("2026-02-23")) == false)  // Monday, last day of 春节
        #expect(try c.isWorkingDay(day("2026-02-24")) == true)
        #expect(try c.isWorkingDay(day("2026-02-28")) == true)   // Saturday, make-up day
        #expect(try c.isWorkingDay(day("2026-03-07")) == false)  // ordinary Saturday
        #expect(try c.isWorkingDay(day("2026-09-20")) == true)   // Sunday, make-up day for 国庆
        #expect(try c.isWorkingDay(day("2026-10-07")) == false)
        #expect(try c.isWorkingDay(day("2026-10-10")) == true)   // Saturday, make-up day
        #expect(try c.isWorkingDay(bj("2026-10-10 03:00")) == true)  // by instant, in Beijing time
    }

    @Test("working days per month")
    func workingDaysInMonth() throws {
        // February: 20 weekdays − 6 holiday weekdays (16–20, 23) + make-up Saturdays 14 and 28 = 16.
        #expect(try calendar2026.workingDays(year: 2026, month: 2).count == 16)
        // September: 22 weekdays − Fri 25 (中秋) + Sun 20 = 22.
        #expect(try calendar2026.workingDays(year: 2026, month: 9).count == 22)
        // October: 22 weekdays − 1, 2, 5, 6, 7 + Sat 10 = 18.
        let october = try calendar2026.workingDays(year: 2026, month: 10)
        #expect(october.count == 18)
        #expect(october.first == CivilDate(iso: "2026-10-08"))
        #expect(october.contains(CivilDate(iso: "2026-10-10")!))
    }

    @Test("across the lunch break")
    func lunchBreak() throws {
        // Mon 2026-03-02 11:00 + 2 wh: 11–12 (1 h), lunch, 14–15 (1 h) → 15:00.
        #expect(try deadline("2026-03-02 11:00", .workingHours(2)) == bj("2026-03-02 15:00"))
        // A deadline landing on the end of a period is that end: 10:00 + 2 wh → 12:00, not 14:00.
        #expect(try deadline("2026-03-03 10:00", .workingHours(2)) == bj("2026-03-03 12:00"))
        // Start inside the lunch break counts from 14:00: 12:30 + 1 wh → 15:00.
        #expect(try deadline("2026-03-03 12:30", .workingHours(1)) == bj("2026-03-03 15:00"))
        // 14:00 + 4 wh → 18:00 the same day.
        #expect(try deadline("2026-03-03 14:00", .workingHours(4)) == bj("2026-03-03 18:00"))
        // Half a working hour: 11:45 + 0.5 wh → 15 min before lunch, 15 min after → 14:15.
        #expect(try deadline("2026-03-03 11:45", .workingHours(0.5)) == bj("2026-03-03 14:15"))
    }

    @Test("across a weekend")
    func weekend() throws {
        // Fri 2026-03-06 17:00 + 4 wh: 1 h Fri, Sat/Sun off, Mon 03-09 08:00–11:00 → 11:00.
        #expect(try deadline("2026-03-06 17:00", .workingHours(4)) == bj("2026-03-09 11:00"))
        // Start on Saturday: counts from Mon 08:00; + 6 wh: 08–12, 14–16 → Mon 16:00.
        #expect(try deadline("2026-03-07 10:00", .workingHours(6)) == bj("2026-03-09 16:00"))
    }

    @Test("before 08:00 and after 18:00")
    func outsideWorkPeriods() throws {
        // Tue 06:30 + 1 wh → counting starts at 08:00 → 09:00.
        #expect(try deadline("2026-03-03 06:30", .workingHours(1)) == bj("2026-03-03 09:00"))
        // Tue 19:00 + 1 wh → Wed 08:00 + 1 h → Wed 09:00.
        #expect(try deadline("2026-03-03 19:00", .workingHours(1)) == bj("2026-03-04 09:00"))
        // Exactly 18:00 + 4 wh → Wed 08:00–12:00.
        #expect(try deadline("2026-03-03 18:00", .workingHours(4)) == bj("2026-03-04 12:00"))
    }

    @Test("across 春节 with the make-up Saturdays Feb 14 and Feb 28")
    func springFestival() throws {
        // Fri 2026-02-13 16:00 + 8 wh: Fri 16–18 (2 h); Sat 02-14 is a working day: 08–12 (4 h, 6 total),
        // 14–16 (2 h, 8 total) → Sat 2026-02-14 16:00.
        #expect(try deadline("2026-02-13 16:00", .workingHours(8)) == bj("2026-02-14 16:00"))
        // Sat 02-14 17:00 + 4 wh: 1 h Sat; Feb 15 (Sun) – Feb 23 (Mon) off; Tue 02-24 08:00 + 3 h → 11:00.
        #expect(try deadline("2026-02-14 17:00", .workingHours(4)) == bj("2026-02-24 11:00"))
        // Start inside the holiday, Wed 02-18 10:00 + 2 wh → Tue 02-24 10:00.
        #expect(try deadline("2026-02-18 10:00", .workingHours(2)) == bj("2026-02-24 10:00"))
        // Fri 02-27 17:00 + 2 wh: 1 h Fri; Sat 02-28 is a working day 08:00–09:00 → Sat 09:00.
        #expect(try deadline("2026-02-27 17:00", .workingHours(2)) == bj("2026-02-28 09:00"))
    }

    @Test("across 中秋 and 国庆 with the Sunday Sep 20 and Saturday Oct 10 make-up days")
    func nationalDay() throws {
        // Fri 2026-09-18 17:00 + 4 wh: 1 h Fri, Sat 09-19 off, Sun 09-20 make-up day 08:00–11:00 → 2026-09-20 11:00.
        #expect(try deadline("2026-09-18 17:00", .workingHours(4)) == bj("2026-09-20 11:00"))
        // Thu 09-24 17:00 + 2 wd (16 wh): 1 h Thu; Fri 25 – Sun 27 中秋 off; Mon 28: 8 h (9); Tue 29: 08–12 (13),
        // 14–17 (16) → Tue 2026-09-29 17:00.
        #expect(try deadline("2026-09-24 17:00", .workingDays(2)) == bj("2026-09-29 17:00"))
        // Wed 09-30 17:00 + 4 wh: 1 h Wed; Oct 1–7 off; Thu 10-08 08:00–11:00 → 11:00.
        #expect(try deadline("2026-09-30 17:00", .workingHours(4)) == bj("2026-10-08 11:00"))
        // Fri 10-09 17:00 + 2 wh: 1 h Fri; Sat 10-10 make-up 08:00–09:00 → Sat 09:00.
        #expect(try deadline("2026-10-09 17:00", .workingHours(2)) == bj("2026-10-10 09:00"))
    }

    @Test("working-day limits are 8 working hours each")
    func workingDayLimits() throws {
        // Mon 2026-03-02 10:00 + 1 wd: Mon 10–12, 14–18 (6 h); Tue 08–10 (2 h) → Tue 10:00.
        #expect(try deadline("2026-03-02 10:00", .workingDays(1)) == bj("2026-03-03 10:00"))
        // Thu 04-02 09:00 + 3 wd (24 h): Thu 7 h; Fri 04-03 8 h (15); Sat 4 – Mon 6 清明 off; Tue 04-07 8 h (23);
        // Wed 04-08 08:00 + 1 h → 09:00.
        #expect(try deadline("2026-04-02 09:00", .workingDays(3)) == bj("2026-04-08 09:00"))
        // Thu 04-30 14:00 + 1 wd: Thu 4 h; May 1–5 off; Wed 05-06 08–12 → 12:00.
        #expect(try deadline("2026-04-30 14:00", .workingDays(1)) == bj("2026-05-06 12:00"))
        // 15 working days (违法搭建-style limits) from Mon 2026-03-02 08:00: exactly three working weeks,
        // ending at 18:00 on the 15th working day, Fri 03-20.
        #expect(try deadline("2026-03-02 08:00", .workingDays(15)) == bj("2026-03-20 18:00"))
    }

    @Test("urgent natural hours ignore holidays and nights")
    func naturalHours() throws {
        // Sat 2026-10-03 23:00 (国庆) + 2 natural hours → Sun 10-04 01:00.
        #expect(try deadline("2026-10-03 23:00", .naturalHours(2)) == bj("2026-10-04 01:00"))
        // 除夕 eve: Mon 02-16 22:30 + 4 h → Tue 02-17 02:30.
        #expect(try deadline("2026-02-16 22:30", .naturalHours(4)) == bj("2026-02-17 02:30"))
        // Natural hours need no calendar, even in an uncovered year.
        #expect(try calendar2026.deadline(from: bj("2027-03-01 10:00"), limit: .naturalHours(1)) == bj("2027-03-01 11:00"))
    }

    @Test("working durations")
    func durations() throws {
        let c = calendar2026
        // Fri 09-18 17:00 → Sun 09-20 11:00: 1 h Fri + 3 h Sun = 4 h.
        #expect(try c.workingDuration(from: bj("2026-09-18 17:00"), to: bj("2026-09-20 11:00")) == 4 * 3600)
        #expect(try c.workingDuration(from: bj("2026-09-20 11:00"), to: bj("2026-09-18 17:00")) == -4 * 3600)
        // Fri 02-13 08:00 → Tue 02-24 08:00: Fri 8 h + Sat 02-14 8 h, the rest is holiday = 16 h.
        #expect(try c.workingDuration(from: bj("2026-02-13 08:00"), to: bj("2026-02-24 08:00")) == 16 * 3600)
        // Lunch and nights do not count: Tue 11:30 → Tue 14:30 = 1 h; Tue 17:00 → Wed 09:00 = 2 h.
        #expect(try c.workingDuration(from: bj("2026-03-03 11:30"), to: bj("2026-03-03 14:30")) == 3600)
        #expect(try c.workingDuration(from: bj("2026-03-03 17:00"), to: bj("2026-03-04 09:00")) == 2 * 3600)
        // How late: deadline Mon 03-09 11:00, now Tue 03-10 09:30 → 1 h + 4 h + 1.5 h = 6.5 working hours late.
        #expect(try c.workingDuration(from: bj("2026-03-09 11:00"), to: bj("2026-03-10 09:30")) == 6.5 * 3600)
    }

    @Test("duration(start, deadline(start, L)) == L for starts all over the year")
    func deadlineDurationRoundTrip() throws {
        var state: UInt64 = 0x2026
        func next() -> UInt64 {  // xorshift, deterministic
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let yearStart = bj("2026-01-01 00:00").timeIntervalSince1970
        for _ in 0..<2000 {
            let start = Date(timeIntervalSince1970: yearStart + Double(next() % (320 * 86_400)))
            let hours = Double(next() % 40 + 1) / 2
            let end = try calendar2026.deadline(from: start, limit: .workingHours(hours))
            #expect(try calendar2026.workingDuration(from: start, to: end) == hours * 3600)
            #expect(end > start)
            #expect(try calendar2026.isWorkingDay(end))
        }
    }

    @Test("years without a calendar are an error, not a guess")
    func missingYear() throws {
        // Thu 2026-12-31 17:00 + 2 wh needs Jan 2027.
        #expect(throws: WorkingCalendarError.calendarYearMissing(2027)) {
            try calendar2026.deadline(from: bj("2026-12-31 17:00"), limit: .workingHours(2))
        }
        // … but 1 wh still fits into 2026: 18:00.
        #expect(try deadline("2026-12-31 17:00", .workingHours(1)) == bj("2026-12-31 18:00"))
        #expect(throws: WorkingCalendarError.calendarYearMissing(2027)) { try calendar2026.isWorkingDay(CivilDate(iso: "2027-01-04")!) }
        #expect(throws: WorkingCalendarError.calendarYearMissing(2025)) {
            try calendar2026.deadline(from: bj("2025-12-31 10:00"), limit: .workingHours(1))
        }
        #expect(throws: WorkingCalendarError.calendarYearMissing(2027)) { try calendar2026.workingDays(year: 2027, month: 1) }
        // A gap between covered years is reported too.
        let gappy = WorkingCalendar(timeZone: TimeZone(identifier: "Asia/Shanghai")!, entries: [], coveredYears: [2026, 2028])
        #expect(throws: WorkingCalendarError.calendarYearMissing(2027)) {
            try gappy.deadline(from: bj("2026-12-31 17:00"), limit: .workingDays(3))
        }
    }

    @Test("zones with daylight saving time use the local wall clock")
    func daylightSaving() throws {
        // Berlin switches to summer time on Sun 2026-03-29. Fri 03-27 17:00 CET (+1) + 2 wh:
        // 1 h Fri, weekend, Mon 03-30 08:00–09:00 CEST (+2) = 07:00 UTC.
        let berlin = WorkingCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!, entries: [], coveredYears: [2026])
        let start = Date(timeIntervalSince1970: Double(CivilDate(iso: "2026-03-27")!.dayNumber * 86_400 + 16 * 3600))
        let expected = Date(timeIntervalSince1970: Double(CivilDate(iso: "2026-03-30")!.dayNumber * 86_400 + 7 * 3600))
        #expect(try berlin.deadline(from: start, limit: .workingHours(2)) == expected)
    }

    /// A figure, not a bound: the rate is printed for the benchmark record (speed goals are never
    /// asserted in tests); what is checked is that every deadline lies after its start.
    @Test("many deadlines in a row: each after its start; the rate is printed")
    func manyDeadlines() throws {
        let c = calendar2026
        let base = bj("2026-01-05 00:00").timeIntervalSince1970
        let limits: [TimeLimit] = [.workingHours(4), .workingDays(3), .workingHours(0.5), .naturalHours(2)]
        let count = 200_000
        var wrong = 0
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for i in 0..<count {
                let start = Date(timeIntervalSince1970: base + Double(i % 300) * 86_400 + Double(i % 86_400))
                let deadline = try c.deadline(from: start, limit: limits[i & 3])
                if deadline <= start { wrong += 1 }
            }
        }
        #expect(wrong == 0)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("[calendar benchmark] \(count) deadlines in \(elapsed) (\(Int(Double(count) / max(seconds, 1e-9))) per second, debug build)")
    }
}
