import Foundation

/// One daily work period in local time, e.g. 08:00–12:00. Times are seconds after local midnight.
public struct WorkPeriod: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Start, seconds after midnight (08:00 = 28 800).
    public var start: Int
    /// End, seconds after midnight; greater than `start` and at most 24:00.
    public var end: Int

    /// Creates a period from seconds after midnight.
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses "HH:mm" strings (24:00 allowed as an end); returns `nil` if either is malformed
    /// or `end` is not after `start`.
    public init?(start: String, end: String) {
        guard let s = WorkPeriod.seconds(start), let e = WorkPeriod.seconds(end), s < e else { return nil }
        self.init(start: s, end: e)
    }

    /// The national default: 08:00–12:00 and 14:00–18:00.
    public static let defaultPeriods = [WorkPeriod(start: 8 * 3600, end: 12 * 3600), WorkPeriod(start: 14 * 3600, end: 18 * 3600)]

    /// Length in seconds.
    public var duration: Int { end - start }

    /// "08:00–12:00".
    public var description: String { "\(WorkPeriod.format(start))–\(WorkPeriod.format(end))" }

    static func seconds(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
              (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 24 * 60
        else { return nil }
        return h * 3600 + m * 60
    }

    static func format(_ seconds: Int) -> String {
        let h = seconds / 3600, m = seconds % 3600 / 60
        return (h < 10 ? "0\(h)" : "\(h)") + ":" + (m < 10 ? "0\(m)" : "\(m)")
    }
}

/// One line of a year's holiday calendar: a statutory holiday (法定节假日) or a make-up working
/// day (调休工作日, a weekend day that is worked).
public struct CalendarEntry: Hashable, Sendable, Codable {
    /// Whether the date is a day off or a working day.
    public enum DayType: String, Sendable, Codable, CaseIterable {
        /// Day off (放假), even if it is a weekday.
        case holiday
        /// Working day (调休上班), even if it is a weekend day.
        case workday
    }

    /// The date the entry is about.
    public var date: CivilDate
    /// Day off or working day.
    public var type: DayType
    /// E.g. "春节" or "国庆节调休上班".
    public var name: String

    /// Creates a value.
    public init(date: CivilDate, type: DayType, name: String) {
        self.date = date
        self.type = type
        self.name = name
    }
}

/// Errors of calendar computations.
public enum WorkingCalendarError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The computation needs a year the calendar does not cover: a year before the 2024 rules
    /// (``StatutoryHolidays/firstYear``) without an official file, or one past the calendar's
    /// horizon. Years from 2025 on are always covered, provisionally if no notice is loaded.
    case calendarYearMissing(Int)

    public var description: String {
        switch self {
        case .calendarYearMissing(let year):
            "no working calendar for year \(year): years before \(StatutoryHolidays.firstYear) need calendar/\(year).csv with the State Council's notice"
        }
    }
}

/// The working-time calendar of a city: work periods (by season), weekends, holidays and make-up
/// working days, in the city's time zone, for every year from the first official one (or 2025)
/// to ``horizonYear``.
///
/// * Each year is *official* (the State Council's notice was loaded) or *provisional* (statutory
///   days only, see ``StatutoryHolidays``). Every deadline carries a ``DeadlineBasis`` naming the
///   standing and version of each year its count went through.
/// * Working time advances only inside the work periods of working days. A working day is a
///   weekday that is not a holiday, or a weekend day listed as a make-up working day.
/// * A start outside the work periods (night, lunch break, weekend, holiday) starts counting at
///   the beginning of the next period.
/// * One working day counts as ``workingDayHours`` (8) working hours, whatever the season.
/// * Natural-hour (urgent) limits are plain clock arithmetic.
///
/// The calendar keeps, per day, the working seconds before it, so a deadline is one binary search
/// over about 27,000 days.
public struct WorkingCalendar: Sendable {
    /// The last year any calendar covers. Deadlines run days or weeks ahead; a horizon decades
    /// away keeps every one of them computable without guessing about the far future.
    public static let horizonYear = 2099

    /// The city's zone (Asia/Shanghai by default).
    public let timeZone: TimeZone
    /// Daily work periods by season.
    public let schedule: WorkSchedule
    /// Working hours per working day, used for `working_days` limits (8).
    public let workingDayHours: Double
    /// Every covered year with its standing and special days.
    public let years: [Int: CalendarYear]
    /// The holiday and make-up working-day entries of every covered year, by date.
    public let entries: [CivilDate: CalendarEntry]
    /// Version of each covered year (``CalendarYear/version(schedule:)``).
    public let versions: [Int: String]

    private let firstDay: Int                // day number of Jan 1 of the first covered year
    private let isWorking: [Bool]            // per day from firstDay
    private let isCovered: [Bool]            // per day from firstDay: its year is covered
    private let periodSet: [UInt8]           // per day: index into periodStarts/periodLengths
    private let workedBefore: [Double]       // working seconds before day index k (count + 1 entries)
    private let periodStarts: [[Double]]
    private let periodLengths: [[Double]]
    private let noonOffsets: [Int32]         // UTC offset (s) of each day at local noon; empty when fixed
    private let fixedOffset: Int?            // set when the offset never changes (no DST)

    /// The standard daily work periods (for seasonal hours see ``schedule``).
    public var workPeriods: [WorkPeriod] { schedule.standard }
    /// Years this calendar covers.
    public var coveredYears: Set<Int> { Set(years.keys) }

    /// A city's calendar: the official years given, every other year from 2025 to ``horizonYear``
    /// provisional.
    public static func city(timeZone: TimeZone, schedule: WorkSchedule = .standardOnly, official: [CalendarYear],
                            workingDayHours: Double = 8) -> WorkingCalendar {
        var byYear: [Int: CalendarYear] = [:]
        for year in StatutoryHolidays.firstYear...horizonYear {
            if let provisional = CalendarYear.provisional(year, timeZone: timeZone) { byYear[year] = provisional }
        }
        for year in official { byYear[year.year] = year }
        return WorkingCalendar(timeZone: timeZone, schedule: schedule, years: Array(byYear.values), workingDayHours: workingDayHours)
    }

    /// The same calendar with `year` replaced (an imported notice).
    public func replacing(_ year: CalendarYear) -> WorkingCalendar {
        var byYear = years
        byYear[year.year] = year
        return WorkingCalendar(timeZone: timeZone, schedule: schedule, years: Array(byYear.values), workingDayHours: workingDayHours)
    }

    /// A calendar of exactly the given years, official as given (tests and tools). Years not
    /// listed are not covered.
    /// - Parameters:
    ///   - entries: holidays and make-up working days of the covered years.
    ///   - coveredYears: the covered years; defaults to the years of `entries`.
    public init(timeZone: TimeZone, workPeriods: [WorkPeriod] = WorkPeriod.defaultPeriods, entries: [CalendarEntry],
                coveredYears: Set<Int>? = nil, workingDayHours: Double = 8) {
        let covered = coveredYears ?? Set(entries.map(\.date.year))
        let years = covered.map { year in
            CalendarYear(year: year, standing: .official, notice: nil, entries: entries.filter { $0.date.year == year })
        }
        self.init(timeZone: timeZone, schedule: WorkSchedule(standard: workPeriods), years: years, workingDayHours: workingDayHours)
    }

    /// A calendar of exactly `years`, counted on `schedule`.
    public init(timeZone: TimeZone, schedule: WorkSchedule, years: [CalendarYear], workingDayHours: Double = 8) {
        self.timeZone = timeZone
        self.schedule = schedule
        self.workingDayHours = workingDayHours
        var byYear: [Int: CalendarYear] = [:]
        var versions: [Int: String] = [:]
        var byDate: [CivilDate: CalendarEntry] = [:]
        for year in years {
            byYear[year.year] = year
            versions[year.year] = year.version(schedule: schedule)
            for entry in year.entries { byDate[entry.date] = entry }
        }
        self.years = byYear
        self.versions = versions
        self.entries = byDate

        let minYear = byYear.keys.min() ?? 1970, maxYear = byYear.keys.max() ?? 1969
        let first = CivilDate(year: minYear, month: 1, day: 1)!.dayNumber
        firstDay = first
        let dayCount = byYear.isEmpty ? 0 : CivilDate(year: maxYear + 1, month: 1, day: 1)!.dayNumber - first

        // Distinct period sets (usually one or two), so each day stores a small index.
        var setIndex: [[WorkPeriod]: UInt8] = [:]
        var starts: [[Double]] = [], lengths: [[Double]] = []
        func index(of periods: [WorkPeriod]) -> UInt8 {
            if let i = setIndex[periods] { return i }
            let i = UInt8(starts.count)
            setIndex[periods] = i
            starts.append(periods.map { Double($0.start) })
            lengths.append(periods.map { Double($0.duration) })
            return i
        }
        var working = [Bool](repeating: false, count: dayCount)
        var covered = [Bool](repeating: false, count: dayCount)
        var sets = [UInt8](repeating: 0, count: dayCount)
        var before = [Double](repeating: 0, count: dayCount + 1)
        for k in 0..<dayCount {
            let date = CivilDate(dayNumber: first + k)
            if byYear[date.year] != nil {
                covered[k] = true
                switch byDate[date]?.type {
                case .holiday: working[k] = false
                case .workday: working[k] = true
                case nil: working[k] = !date.isWeekend
                }
            }
            sets[k] = index(of: schedule.periods(on: date))
            before[k + 1] = before[k] + (working[k] ? lengths[Int(sets[k])].reduce(0, +) : 0)
        }
        isWorking = working
        isCovered = covered
        periodSet = sets
        workedBefore = before
        periodStarts = starts
        periodLengths = lengths

        // Most zones a city uses (Asia/Shanghai) have had no transition for decades: one offset.
        let rangeStart = Date(timeIntervalSince1970: Double(first) * 86_400)
        let rangeEnd = Date(timeIntervalSince1970: Double(first + dayCount) * 86_400)
        if let transition = timeZone.nextDaylightSavingTimeTransition(after: rangeStart), transition < rangeEnd {
            var offsets = [Int32](repeating: 0, count: dayCount)
            for k in 0..<dayCount {
                let noonUTC = Double(first + k) * 86_400 + 43_200
                let guess = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: noonUTC))
                offsets[k] = Int32(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: noonUTC - Double(guess))))
            }
            noonOffsets = offsets
            fixedOffset = nil
        } else {
            noonOffsets = []
            fixedOffset = timeZone.secondsFromGMT(for: rangeStart)
        }
    }

    // MARK: Years

    /// The standing of `year`, or `nil` when it is not covered.
    public func standing(of year: Int) -> CalendarStanding? { years[year]?.standing }

    /// The basis entry of one covered year.
    public func yearBasis(_ year: Int) -> DeadlineBasis.Year? {
        guard let info = years[year], let version = versions[year] else { return nil }
        return DeadlineBasis.Year(year: year, standing: info.standing, version: version, notice: info.notice)
    }

    /// The basis of a working-time count from `start` to `end`: every year in between.
    public func basis(from start: Date, to end: Date) -> DeadlineBasis {
        let first = civilDate(of: min(start, end)).year, last = civilDate(of: max(start, end)).year
        return DeadlineBasis(kind: .workingCalendar, years: (first...last).compactMap(yearBasis))
    }

    /// `true` when `basis` was counted on exactly this calendar's versions of its years (always
    /// for natural time and decisions).
    public func isCurrent(_ basis: DeadlineBasis) -> Bool {
        guard basis.kind == .workingCalendar else { return true }
        return basis.years.allSatisfy { versions[$0.year] == $0.version }
    }

    /// The first provisional day on or after `date`, if any within the horizon.
    public func firstProvisionalDay(onOrAfter date: CivilDate) -> CivilDate? {
        if years[date.year]?.standing == .provisional { return date }
        let later = years.values.filter { $0.year > date.year && $0.standing == .provisional }.map(\.year).min()
        return later.flatMap { CivilDate(year: $0, month: 1, day: 1) }
    }

    /// How many of the `window` days starting on `date` lie in provisional years.
    public func provisionalDays(from date: CivilDate, window: Int) -> Int {
        (0..<max(window, 0)).reduce(0) { count, offset in
            count + (years[date.adding(days: offset).year]?.standing == .provisional ? 1 : 0)
        }
    }

    // MARK: Days

    /// `true` if `date` is a working day (weekday not on holiday, or a make-up working day).
    /// - Throws: ``WorkingCalendarError/calendarYearMissing(_:)`` if the year is not covered.
    public func isWorkingDay(_ date: CivilDate) throws -> Bool {
        guard years[date.year] != nil else { throw WorkingCalendarError.calendarYearMissing(date.year) }
        return isWorking[date.dayNumber - firstDay]
    }

    /// `true` if the local date of `instant` in the city's zone is a working day.
    public func isWorkingDay(_ instant: Date) throws -> Bool {
        try isWorkingDay(civilDate(of: instant))
    }

    /// The working days of one month, in order.
    public func workingDays(year: Int, month: Int) throws -> [CivilDate] {
        guard years[year] != nil else { throw WorkingCalendarError.calendarYearMissing(year) }
        let first = CivilDate(year: year, month: month, day: 1)!.dayNumber
        return (0..<CivilDate.daysInMonth(year: year, month: month))
            .filter { isWorking[first + $0 - firstDay] }
            .map { CivilDate(dayNumber: first + $0) }
    }

    /// The work periods of `date` (by season).
    public func workPeriods(on date: CivilDate) -> [WorkPeriod] { schedule.periods(on: date) }

    /// The local calendar date of `instant` in the city's zone.
    public func civilDate(of instant: Date) -> CivilDate {
        let local = instant.timeIntervalSince1970 + Double(offset(at: instant))
        return CivilDate(dayNumber: Int((local / 86_400).rounded(.down)))
    }

    /// `true` if `instant` lies inside a work period of a working day.
    public func isWorkingTime(_ instant: Date) throws -> Bool {
        let (k, secondOfDay) = try locate(instant)
        guard isWorking[k] else { return false }
        let set = Int(periodSet[k])
        return zip(periodStarts[set], periodLengths[set]).contains { secondOfDay >= $0 && secondOfDay < $0 + $1 }
    }

    // MARK: Deadlines and durations

    /// The instant at which `limit` expires when counting starts at `start`.
    ///
    /// Working limits advance only inside work periods of working days; a deadline that falls at
    /// the end of a period is that end (12:00, 18:00), not the start of the next one. Natural-hour
    /// limits are `start + hours` and need no calendar.
    /// - Throws: ``WorkingCalendarError/calendarYearMissing(_:)`` if the start or any day up to
    ///   the deadline lies in a year the calendar does not cover.
    public func deadline(from start: Date, limit: TimeLimit) throws -> Date {
        try due(from: start, limit: limit).at
    }

    /// The deadline of `limit` counted from `start`, with the basis it was counted on.
    public func due(from start: Date, limit: TimeLimit) throws -> Deadline {
        let seconds: Double
        switch limit.unit {
        case .naturalHours: return Deadline(at: start.addingTimeInterval(limit.value * 3600), basis: .naturalTime)
        case .workingHours: seconds = limit.value * 3600
        case .workingDays: seconds = limit.value * workingDayHours * 3600
        }
        guard seconds > 0 else { return Deadline(at: start, basis: basis(from: start, to: start)) }
        let startYear = civilDate(of: start).year
        let target = try workingPosition(of: start) + seconds
        // The first day whose end of work reaches the target; it is a working day, since the
        // running total only grows on working days.
        guard let total = workedBefore.last, total >= target else {
            throw WorkingCalendarError.calendarYearMissing(firstMissingYear(after: startYear))
        }
        var low = 0, high = isWorking.count - 1
        while low < high {
            let mid = (low + high) / 2
            if workedBefore[mid + 1] >= target { high = mid } else { low = mid + 1 }
        }
        let k = low
        let endYear = CivilDate(dayNumber: firstDay + k).year
        if let gap = (startYear...endYear).first(where: { years[$0] == nil }) {
            throw WorkingCalendarError.calendarYearMissing(gap)
        }
        var remainder = target - workedBefore[k]
        var secondOfDay = 0.0
        let set = Int(periodSet[k])
        for (periodStart, length) in zip(periodStarts[set], periodLengths[set]) {
            if remainder <= length {
                secondOfDay = periodStart + remainder
                break
            }
            remainder -= length
        }
        let local = Double(firstDay + k) * 86_400 + secondOfDay
        let at = Date(timeIntervalSince1970: local - Double(fixedOffset ?? Int(noonOffsets[k])))
        return Deadline(at: at, basis: DeadlineBasis(kind: .workingCalendar, years: (startYear...endYear).compactMap(yearBasis)))
    }

    /// Working time between two instants, in seconds: how much of the work periods of working
    /// days lies between them. Negative if `end` is before `start`. Use it to tell how late a
    /// case is: `workingDuration(from: deadline, to: now)`.
    public func workingDuration(from start: Date, to end: Date) throws -> TimeInterval {
        try workingPosition(of: end) - workingPosition(of: start)
    }

    // MARK: Internals

    /// Working seconds elapsed from the start of the first covered year up to `instant`.
    private func workingPosition(of instant: Date) throws -> Double {
        let (k, secondOfDay) = try locate(instant)
        var worked = 0.0
        if isWorking[k] {
            let set = Int(periodSet[k])
            for (periodStart, length) in zip(periodStarts[set], periodLengths[set]) {
                worked += min(max(secondOfDay - periodStart, 0), length)
            }
        }
        return workedBefore[k] + worked
    }

    /// Day index (from `firstDay`) and local second of day of `instant`.
    private func locate(_ instant: Date) throws -> (Int, Double) {
        let local = instant.timeIntervalSince1970 + Double(offset(at: instant))
        let dayNumber = Int((local / 86_400).rounded(.down))
        let k = dayNumber - firstDay
        guard k >= 0, k < isWorking.count, isCovered[k] else {
            throw WorkingCalendarError.calendarYearMissing(CivilDate(dayNumber: dayNumber).year)
        }
        return (k, local - Double(dayNumber) * 86_400)
    }

    private func offset(at instant: Date) -> Int {
        fixedOffset ?? timeZone.secondsFromGMT(for: instant)
    }

    private func firstMissingYear(after year: Int) -> Int {
        var y = year
        while years[y] != nil { y += 1 }
        return y
    }
}
