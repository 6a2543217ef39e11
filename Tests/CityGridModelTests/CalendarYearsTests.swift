import CityGridModel
import Foundation
import Testing

// Years of the working calendar: official ones from the State Council's notice, provisional ones
// from the statutory rules, seasons of work periods, and the basis every deadline records. The
// city's "today" in these tests is 2026-12-02: 2025 and 2026 are official, 2027 has no notice yet.

/// `Shared/reference-data` of this repository, found from this file's location.
private let referenceDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Shared/reference-data")

/// The shipped reference data, loaded once (globals are initialised lazily and thread-safely).
private let shipped: Result<ReferenceData, any Error> = Result { try ReferenceData.load(from: referenceDirectory) }

/// The city's calendar as shipped: 2025 and 2026 official, every later year provisional.
private func cityCalendar() throws -> WorkingCalendar {
    switch shipped {
    case .success(let data): return data.calendar
    case .failure(let error):
        Issue.record("loading \(referenceDirectory.path) failed: \(error)")
        throw error
    }
}

private let beijing = TimeZone(identifier: "Asia/Shanghai")!

/// "2026-12-28 09:00" in Beijing time (UTC+8).
private func bj(_ text: String) -> Date {
    let parts = text.split(separator: " ")
    let day = CivilDate(iso: String(parts[0]))!
    let hm = parts[1].split(separator: ":").map { Int($0)! }
    return Date(timeIntervalSince1970: Double(day.dayNumber * 86_400 + hm[0] * 3600 + hm[1] * 60 - 8 * 3600))
}

private func day(_ text: String) -> CivilDate { CivilDate(iso: text)! }

private func shippedFile(_ year: Int) throws -> String {
    try String(contentsOf: referenceDirectory.appendingPathComponent("calendar/\(year).csv"), encoding: .utf8)
}

private func official(_ text: String, year: Int? = nil) throws -> CalendarYear {
    switch OfficialYearFile.parse(text, file: "calendar/2027.csv", expectedYear: year, timeZone: beijing) {
    case .success(let parsed): return parsed
    case .failure(let errors):
        Issue.record("\(errors)")
        throw errors
    }
}

/// The problems `OfficialYearFile.parse` finds in `text`, as the CLI prints them.
private func problems(_ text: String, year: Int? = 2027) -> [ReferenceDataError] {
    switch OfficialYearFile.parse(text, file: "calendar/2027.csv", expectedYear: year, timeZone: beijing) {
    case .success:
        Issue.record("parsed without errors:\n\(text)")
        return []
    case .failure(let errors):
        for error in errors.errors { print("  \(error)") }
        return errors.errors
    }
}

/// A made-up but realistic notice for 2027, as it might be published in November 2026: Spring
/// Festival from 除夕 (Fri 5 Feb) to Fri 12 Feb with make-up days Sun 31 Jan and Sat 20 Feb;
/// Labour Day Sat 1 to Wed 5 May with Sat 8 May worked; National Day 1–7 October
/// with Sun 26 Sep and Sat 9 Oct worked.
private let notice2027: String = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/calendar/2027-example-notice.csv")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
}()

/// `notice2027` with `line` (1-based, the header is line 1) replaced by `replacement`, or removed
/// when it is `nil`; with `insert`, `replacement` goes in before `line` instead.
private func edited(_ line: Int, _ replacement: String?, insert: Bool = false) -> String {
    var lines = notice2027.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if insert {
        lines.insert(replacement!, at: line - 1)
    } else if let replacement {
        lines[line - 1] = replacement
    } else {
        lines.remove(at: line - 1)
    }
    return lines.joined(separator: "\n")
}

/// The line of `notice2027` that starts with `prefix`.
private func lineOf(_ prefix: String) -> Int {
    notice2027.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix(prefix) }! + 1
}

/// `2027-01-05T09:00:00+08:00`, as `citygrid calendar deadline` prints it.
private func local(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(timeZone: beijing).year().month().day().time(includingFractionalSeconds: false)
        .timeZone(separator: .colon))
}

private func expectBasis(_ deadline: Deadline, _ expected: String, provisional: Bool) {
    print("  \(local(deadline.at))  basis: \(deadline.basis)  tokens: \(deadline.basis.tokens)")
    #expect(deadline.basis.kind == .workingCalendar)
    #expect(deadline.basis.description == expected)
    #expect(deadline.basis.isProvisional == provisional)
}

@Suite("Calendar years: official, provisional and seasons")
struct CalendarYearsTests {
    // MARK: Deadlines into the provisional 2027

    @Test("Mon 2026-12-28 09:00 + 5 working days = Tue 2027-01-05 09:00 (1 January a holiday in the provisional 2027)")
    func fiveDaysIntoProvisionalYear() throws {
        let calendar = try cityCalendar()
        #expect(calendar.standing(of: 2026) == .official)
        #expect(calendar.standing(of: 2027) == .provisional)
        let due = try calendar.due(from: bj("2026-12-28 09:00"), limit: .workingDays(5))
        // 28th 7 h, 29–31 three days, Fri 1 Jan off, weekend, Mon 4 Jan 8 h, Tue 5 Jan 1 h.
        #expect(due.at == bj("2027-01-05 09:00"))
        expectBasis(due, "2026 official (国办发明电〔2025〕7号) + 2027 provisional", provisional: true)
        #expect(due.basis.years.map(\.year) == [2026, 2027])
        #expect(due.basis.years[0].notice == "国办发明电〔2025〕7号")
        #expect(due.basis.years[1].notice == nil)
        #expect(due.basis.years[1].version.hasPrefix("provisional-"))
    }

    @Test("Thu 2026-12-31 17:00 + 3 working hours = Mon 2027-01-04 10:00")
    func hoursOverNewYear() throws {
        let calendar = try cityCalendar()
        let due = try calendar.due(from: bj("2026-12-31 17:00"), limit: .workingHours(3))
        #expect(due.at == bj("2027-01-04 10:00"))
        expectBasis(due, "2026 official (国办发明电〔2025〕7号) + 2027 provisional", provisional: true)
        #expect(try calendar.isWorkingDay(day("2027-01-01")) == false)  // 元旦, Friday
    }

    @Test("Spring Festival 2027 provisional: 除夕 to lunar 1-3 (Fri 5 – Mon 8 February) off, no bridging, no make-up day")
    func springFestival2027() throws {
        let calendar = try cityCalendar()
        for off in ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"] {
            #expect(try calendar.isWorkingDay(day(off)) == false, "\(off)")
            #expect(calendar.entries[day(off)]?.type == .holiday, "\(off) is listed")
        }
        #expect(try calendar.isWorkingDay(day("2027-02-09")) == true)
        #expect(try calendar.isWorkingDay(day("2027-02-20")) == false)  // an ordinary Saturday until a notice says otherwise
        // Thu 4 Feb 17:00 + 2 working days: 1 h on Thursday, Fri–Mon off, Tue 9 8 h, Wed 10 08–12 and 14–17.
        let due = try calendar.due(from: bj("2027-02-04 17:00"), limit: .workingDays(2))
        #expect(due.at == bj("2027-02-10 17:00"))
        expectBasis(due, "2027 provisional", provisional: true)
        // Counted from 2026, both years are in the basis.
        let long = try calendar.due(from: bj("2026-12-30 09:00"), limit: .workingDays(30))
        print("  2026-12-30 09:00 + 30 working days = \(local(long.at))")
        // 240 h: 30 Dec from 09:00 7 h, 31 Dec 8 h, January 20 days (31 − 元旦 − 10 weekend days) 160 h, 1–4 Feb 32 h,
        // 5–8 Feb off, 9–12 Feb 32 h: 239 h, and the last hour on Mon 15 Feb.
        #expect(long.at == bj("2027-02-15 09:00"))
        expectBasis(long, "2026 official (国办发明电〔2025〕7号) + 2027 provisional", provisional: true)
    }

    @Test("Qingming 2027 provisional: Mon 5 April off")
    func qingming2027() throws {
        let calendar = try cityCalendar()
        #expect(try calendar.isWorkingDay(day("2027-04-05")) == false)
        #expect(calendar.entries[day("2027-04-05")]?.name == "清明节")
        // Fri 2 Apr 16:00 + 4 working hours: 2 h on Friday, weekend, Monday off, Tue 6 08–10.
        let due = try calendar.due(from: bj("2027-04-02 16:00"), limit: .workingHours(4))
        #expect(due.at == bj("2027-04-06 10:00"))
        expectBasis(due, "2027 provisional", provisional: true)
    }

    // MARK: The statutory days

    @Test("Qingming from the solar term, 2025–2035")
    func qingmingTable() {
        let expected = [2025: "2025-04-04", 2026: "2026-04-05", 2027: "2027-04-05", 2028: "2028-04-04", 2029: "2029-04-04",
                        2030: "2030-04-05", 2031: "2031-04-05", 2032: "2032-04-04", 2033: "2033-04-04", 2034: "2034-04-05",
                        2035: "2035-04-05"]
        for (year, date) in expected.sorted(by: { $0.key < $1.key }) {
            let computed = StatutoryHolidays.qingming(year: year, timeZone: beijing)
            print("  清明 \(year): \(computed.map(\.description) ?? "none")")
            #expect(computed == day(date), "\(year)")
        }
    }

    @Test("lunar statutory days against known dates: 除夕, 春节, 端午, 中秋")
    func lunarDays() throws {
        let springFestival = [2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26"]
        let dragonBoat = [2025: "2025-05-31", 2026: "2026-06-19", 2027: "2027-06-09"]
        let midAutumn = [2025: "2025-10-06", 2026: "2026-09-25", 2027: "2027-09-15"]
        for year in 2025...2028 {
            let days = try #require(StatutoryHolidays.days(of: year, timeZone: beijing))
            // 元旦 1, 春节 4 (除夕 and three days), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3.
            #expect(days.count == 13, "\(year)")
            #expect(days.allSatisfy { $0.type == .holiday && $0.date.year == year })
            func dates(_ name: String) -> [CivilDate] { days.filter { $0.name == name }.map(\.date) }
            let first = try #require(CivilDate(iso: springFestival[year]!))
            #expect(dates("春节") == [first, first.adding(days: 1), first.adding(days: 2)], "\(year)")
            #expect(dates("春节(除夕)") == [first.adding(days: -1)], "\(year)")
            if let date = dragonBoat[year] { #expect(dates("端午节") == [day(date)], "\(year)") }
            if let date = midAutumn[year] { #expect(dates("中秋节") == [day(date)], "\(year)") }
            #expect(dates("元旦") == [CivilDate(year: year, month: 1, day: 1)!])
            #expect(dates("劳动节") == [CivilDate(year: year, month: 5, day: 1)!, CivilDate(year: year, month: 5, day: 2)!])
            #expect(dates("国庆节") == (1...3).map { CivilDate(year: year, month: 10, day: $0)! })
        }
        #expect(StatutoryHolidays.days(of: 2024, timeZone: beijing) == nil)  // other rules before 2025
    }

    // MARK: Official years from a notice

    @Test("the shipped 2025 and 2026 files parse and are official, with their notices")
    func shippedYears() throws {
        for (year, notice) in [(2025, "国办发明电〔2024〕12号"), (2026, "国办发明电〔2025〕7号")] {
            let parsed = try official(try shippedFile(year), year: year)
            #expect(parsed.standing == .official)
            #expect(parsed.notice == notice)
            #expect(parsed.contentVersion.hasPrefix("official-"))
            let calendar = try cityCalendar()
            #expect(calendar.years[year] == parsed)
            print("  \(year): \(parsed.standing.rawValue) \(notice) \(parsed.contentVersion), counted as \(calendar.versions[year] ?? "?")")
        }
        // Without --year the year comes from the rows (the notice row's date is in the year before).
        #expect(try official(notice2027).year == 2027)
    }

    @Test("validation: a missing notice row")
    func missingNotice() {
        let errors = problems(edited(lineOf("2026-11-10,notice"), nil))
        #expect(errors.count == 1)
        #expect(errors.first?.line == 0)
        #expect(errors.first?.field == "type")
        #expect(errors.first?.message.hasPrefix("no notice row") == true)
    }

    @Test("validation: two notice rows")
    func twoNotices() {
        let errors = problems(edited(3, "2026-11-12,notice,国办发明电〔2026〕10号", insert: true))
        #expect(errors.map(\.description) == ["calendar/2027.csv:3: field 'type': a second notice row (the first is on line 2)"])
    }

    @Test("validation: a notice row without its reference is an empty name, not a missing notice")
    func noticeWithoutReference() {
        let errors = problems(edited(2, "2026-11-10,notice,"))
        #expect(errors.map(\.description) == ["calendar/2027.csv:2: field 'name': required value is empty"])
    }

    @Test("validation: the draft of `citygrid calendar provisional` is refused until its notice row is filled in")
    func draftPlaceholder() throws {
        let days = try #require(StatutoryHolidays.days(of: 2027, timeZone: beijing))
        let draft = (["date,type,name", "YYYY-MM-DD,notice,"] + days.map { "\($0.date),holiday,\($0.name)" }).joined(separator: "\n")
        let errors = problems(draft)
        #expect(errors.map(\.description) == [
            "calendar/2027.csv:2: field 'date': not a YYYY-MM-DD date: 'YYYY-MM-DD'",
            "calendar/2027.csv:2: field 'name': required value is empty",
        ])
        // Filled in, the draft is the provisional year made official: the same days, another standing.
        let filled = draft.replacingOccurrences(of: "YYYY-MM-DD,notice,", with: "2026-11-10,notice,国办发明电〔2026〕9号")
        let year = try official(filled, year: 2027)
        #expect(year.entries == CalendarYear.provisional(2027, timeZone: beijing)?.entries)
        #expect(year.standing == .official)
    }

    @Test("validation: a date outside the year")
    func dateOutsideYear() {
        let line = lineOf("2027-10-09")
        let errors = problems(edited(line + 1, "2028-01-01,holiday,元旦", insert: true))
        #expect(errors.map(\.description) == ["calendar/2027.csv:\(line + 1): field 'date': 2028-01-01 is not in 2027"])
        // Without the expected year the file spans two years.
        let unsure = problems(edited(line + 1, "2028-01-01,holiday,元旦", insert: true), year: nil)
        #expect(unsure.count == 1)
        #expect(unsure.first?.message.contains("span several years") == true)
    }

    @Test("validation: a year past the calendar's horizon is refused (no deadline is ever counted there)")
    func yearPastHorizon() {
        let text = "date,type,name\n2099-11-01,notice,国办发明电〔2099〕1号\n2100-01-01,holiday,元旦\n"
        guard case .failure(let errors) = OfficialYearFile.parse(text, file: "calendar/2100.csv", expectedYear: 2100, timeZone: beijing) else {
            Issue.record("a 2100 file parsed"); return
        }
        #expect(errors.errors.contains { $0.message.contains("past the last year a working calendar covers (2099)") }, "\(errors)")
    }

    @Test("validation: a make-up working day on a weekday")
    func weekdayMakeUpDay() {
        let line = lineOf("2027-02-20")
        let errors = problems(edited(line, "2027-02-19,workday,春节调休上班"))
        #expect(errors.map(\.description) == [
            "calendar/2027.csv:\(line): field 'type': 2027-02-19 is a weekday; a make-up working day (workday) must be a Saturday or Sunday",
        ])
    }

    @Test("validation: a statutory day missing")
    func statutoryDayMissing() {
        let errors = problems(edited(lineOf("2027-09-15"), nil))
        #expect(errors.map(\.description) == [
            "calendar/2027.csv: field 'date': 2027-09-15 (中秋节) is a statutory holiday and must be listed as a holiday",
        ])
    }

    @Test("validation: a statutory day turned into a working day")
    func statutoryDayWorked() {
        // Sat 6 Feb is 春节 (lunar 1-1): a weekend day, so the only fault is working it.
        let line = lineOf("2027-02-06")
        let errors = problems(edited(line, "2027-02-06,workday,春节调休上班"))
        #expect(errors.map(\.description) == [
            "calendar/2027.csv:\(line): field 'type': 2027-02-06 is a statutory holiday (春节); it cannot be a make-up working day",
        ])
    }

    @Test("an official 2027 that bridges and makes up moves deadlines; bases counted on the provisional year become stale")
    func officialReplacesProvisional() throws {
        let provisional = try cityCalendar()
        let year = try official(notice2027, year: 2027)
        #expect(year.standing == .official)
        #expect(year.notice == "国办发明电〔2026〕9号")
        let imported = provisional.replacing(year)
        #expect(imported.standing(of: 2027) == .official)
        #expect(imported.versions[2026] == provisional.versions[2026])
        #expect(imported.versions[2027] != provisional.versions[2027])

        // Thu 4 Feb 17:00 + 2 working days: provisional Wed 10 Feb 17:00; with the notice off to Fri 12,
        // so Mon 15 8 h and Tue 16 until 17:00.
        let before = try provisional.due(from: bj("2027-02-04 17:00"), limit: .workingDays(2))
        let after = try imported.due(from: bj("2027-02-04 17:00"), limit: .workingDays(2))
        #expect(before.at == bj("2027-02-10 17:00"))
        #expect(after.at == bj("2027-02-16 17:00"))
        expectBasis(after, "2027 official (国办发明电〔2026〕9号)", provisional: false)

        // The make-up Saturday: Fri 19 Feb 17:00 + 2 working hours ends on Sat 20 at 09:00, not Mon 22.
        #expect(try provisional.deadline(from: bj("2027-02-19 17:00"), limit: .workingHours(2)) == bj("2027-02-22 09:00"))
        #expect(try imported.deadline(from: bj("2027-02-19 17:00"), limit: .workingHours(2)) == bj("2027-02-20 09:00"))

        // Counted across the new year on the provisional 2027: stale once the notice is in.
        let crossing = try provisional.due(from: bj("2026-12-28 09:00"), limit: .workingDays(5))
        #expect(provisional.isCurrent(crossing.basis))
        #expect(imported.isCurrent(crossing.basis) == false)
        let recounted = try imported.due(from: bj("2026-12-28 09:00"), limit: .workingDays(5))
        expectBasis(recounted, "2026 official (国办发明电〔2025〕7号) + 2027 official (国办发明电〔2026〕9号)", provisional: false)
        #expect(imported.isCurrent(recounted.basis))
        #expect(recounted.at == crossing.at)  // the notice leaves early January as it was
        // A count that stays in 2026, natural time and decisions are never stale.
        let within2026 = try provisional.due(from: bj("2026-12-01 09:00"), limit: .workingDays(3))
        #expect(imported.isCurrent(within2026.basis))
        #expect(imported.isCurrent(.naturalTime) && imported.isCurrent(.decision))

        // Importing the same notice again changes nothing: same versions, the live calendar keeps its generation.
        let live = LiveCalendar(provisional)
        #expect(live.replace(with: imported))
        #expect(live.generation == 1)
        #expect(live.replace(with: imported.replacing(try official(notice2027, year: 2027))) == false)
        #expect(live.generation == 1)
    }

    // MARK: Seasons of work periods

    private static let standard = WorkPeriod.defaultPeriods
    private static func periods(_ ranges: (String, String)...) -> [WorkPeriod] { ranges.map { WorkPeriod(start: $0.0, end: $0.1)! } }
    private static let summer = WorkSchedule.Season(span: .recurring(from: MonthDay("05-01")!, to: MonthDay("09-30")!),
                                                     periods: periods(("08:00", "12:00"), ("14:30", "18:30")))

    private func calendar(_ schedule: WorkSchedule) throws -> WorkingCalendar {
        let years = try [2025, 2026].map { try official(try shippedFile($0), year: $0) }
        return WorkingCalendar.city(timeZone: beijing, schedule: schedule, official: years)
    }

    @Test("a summer season (05-01…09-30, 08:00–12:00 and 14:30–18:30) moves deadlines inside it, not outside")
    func summerSeason() throws {
        let plain = try calendar(.standardOnly)
        let seasonal = try calendar(WorkSchedule(standard: Self.standard, seasons: [Self.summer]))
        // Mon 1 June 11:00 + 2 working hours: the afternoon starts at 14:30.
        #expect(try plain.deadline(from: bj("2026-06-01 11:00"), limit: .workingHours(2)) == bj("2026-06-01 15:00"))
        #expect(try seasonal.deadline(from: bj("2026-06-01 11:00"), limit: .workingHours(2)) == bj("2026-06-01 15:30"))
        // Mon 2 March is outside: the same.
        #expect(try seasonal.deadline(from: bj("2026-03-02 11:00"), limit: .workingHours(2)) == bj("2026-03-02 15:00"))
        // Into the season: Thu 30 April 17:00 (standard, 1 h) + 6 h; 1–5 May off; Wed 6 May 08–12, 14:30–15:30.
        #expect(try seasonal.deadline(from: bj("2026-04-30 17:00"), limit: .workingHours(6)) == bj("2026-05-06 15:30"))
        #expect(try plain.deadline(from: bj("2026-04-30 17:00"), limit: .workingHours(6)) == bj("2026-05-06 15:00"))
        // Its last day, Wed 30 Sep, works until 18:30.
        #expect(try seasonal.isWorkingTime(bj("2026-09-30 18:15")))
        #expect(try plain.isWorkingTime(bj("2026-09-30 18:15")) == false)
        // A working day counts 8 hours whatever the season.
        #expect(try seasonal.deadline(from: bj("2026-06-01 08:00"), limit: .workingDays(1)) == bj("2026-06-01 18:30"))
        // A change of office hours is a new version of every year (deadlines counted on the old hours are stale).
        #expect(seasonal.versions[2026] != plain.versions[2026])
        let due = try seasonal.due(from: bj("2026-06-01 11:00"), limit: .workingHours(2))
        #expect(plain.isCurrent(due.basis) == false)
        #expect(seasonal.isCurrent(due.basis))
    }

    @Test("a winter season across the new year (11-15…03-15)")
    func winterAcrossNewYear() throws {
        let winter = WorkSchedule.Season(span: .recurring(from: MonthDay("11-15")!, to: MonthDay("03-15")!),
                                         periods: Self.periods(("08:30", "12:00"), ("13:30", "17:30")))
        let schedule = WorkSchedule(standard: Self.standard, seasons: [winter])
        for date in ["2026-11-15", "2026-12-31", "2027-01-04", "2027-03-15"] {
            #expect(schedule.periods(on: day(date)) == winter.periods, "\(date)")
        }
        for date in ["2026-11-14", "2027-03-16", "2027-07-01"] {
            #expect(schedule.periods(on: day(date)) == Self.standard, "\(date)")
        }
        let seasonal = try calendar(schedule)
        // Thu 31 Dec 17:00 + 3 working hours: 17:00–17:30, then Mon 4 Jan 08:30–11:00.
        let due = try seasonal.due(from: bj("2026-12-31 17:00"), limit: .workingHours(3))
        #expect(due.at == bj("2027-01-04 11:00"))
        expectBasis(due, "2026 official (国办发明电〔2025〕7号) + 2027 provisional", provisional: true)
    }

    @Test("a dated season wins over a recurring one on its days only")
    func datedOverRecurring() throws {
        let heat = WorkSchedule.Season(span: .dated(from: day("2026-07-01"), to: day("2026-07-31")),
                                       periods: Self.periods(("07:30", "11:30"), ("15:00", "19:00")))
        // Listed after the recurring season on purpose: the kind decides, not the order.
        let schedule = WorkSchedule(standard: Self.standard, seasons: [Self.summer, heat])
        #expect(schedule.periods(on: day("2026-07-15")) == heat.periods)
        #expect(schedule.periods(on: day("2026-08-03")) == Self.summer.periods)
        #expect(schedule.periods(on: day("2027-07-15")) == Self.summer.periods)  // dated: 2026 only
        #expect(schedule.periods(on: day("2026-04-15")) == Self.standard)
        let seasonal = try calendar(schedule)
        // Wed 15 July 11:00 + 1 working hour: 11:00–11:30, 15:00–15:30.
        #expect(try seasonal.deadline(from: bj("2026-07-15 11:00"), limit: .workingHours(1)) == bj("2026-07-15 15:30"))
        // Mon 3 August is the summer season's: 11:00–12:00.
        #expect(try seasonal.deadline(from: bj("2026-08-03 11:00"), limit: .workingHours(1)) == bj("2026-08-03 12:00"))
    }

    @Test("seasons of one kind must not overlap: the loader names the file and the field")
    func overlappingSeasons() throws {
        #expect(WorkSchedule.Span.recurring(from: MonthDay("11-15")!, to: MonthDay("03-15")!)
            .overlaps(.recurring(from: MonthDay("03-01")!, to: MonthDay("05-31")!)))
        #expect(WorkSchedule.Span.recurring(from: MonthDay("11-15")!, to: MonthDay("03-15")!)
            .overlaps(.recurring(from: MonthDay("05-01")!, to: MonthDay("09-30")!)) == false)
        #expect(WorkSchedule.Span.dated(from: day("2026-07-01"), to: day("2026-07-31"))
            .overlaps(.dated(from: day("2026-07-31"), to: day("2026-08-10"))))
        #expect(WorkSchedule.Span.dated(from: day("2026-07-01"), to: day("2026-07-31"))
            .overlaps(.recurring(from: MonthDay("05-01")!, to: MonthDay("09-30")!)) == false)  // a dated one may lie inside a recurring one

        let errors = try loadErrors(workPeriods: """
            start,end,season_from,season_to
            08:00,12:00,,
            14:00,18:00,,
            08:00,12:00,05-01,09-30
            14:30,18:30,05-01,09-30
            08:30,12:00,09-15,03-15
            13:30,17:30,09-15,03-15
            07:30,11:30,2026-07-01,2026-07-31
            07:30,11:30,2026-07-20,2026-08-10
            08:00,12:00,10-01,
            """)
        let rendered = errors.map(\.description)
        for line in rendered { print("  \(line)") }
        #expect(rendered.contains("calendar/work-periods.csv: field 'season_from': seasons 05-01…09-30 every year and 09-15…03-15 every year overlap"))
        #expect(rendered.contains("calendar/work-periods.csv: field 'season_from': seasons 2026-07-01…2026-07-31 and 2026-07-20…2026-08-10 overlap"))
        #expect(rendered.contains { $0.hasPrefix("calendar/work-periods.csv:10: field 'season_from'") })
        #expect(errors.allSatisfy { $0.file == "calendar/work-periods.csv" })
    }

    /// Loads a copy of the shipped reference data with another `calendar/work-periods.csv`.
    private func loadErrors(workPeriods: String) throws -> [ReferenceDataError] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refdata-seasons-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: referenceDirectory, to: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        try workPeriods.write(to: directory.appendingPathComponent("calendar/work-periods.csv"), atomically: true, encoding: .utf8)
        do {
            _ = try ReferenceData.load(from: directory)
            Issue.record("overlapping seasons loaded without errors")
            return []
        } catch let errors as ReferenceDataErrors {
            return errors.errors
        }
    }
}
