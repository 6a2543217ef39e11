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
    /// The computation needs a year for which no holiday calendar was loaded. The city must add
    /// `calendar/<year>.csv` (the State Council publishes the next year's holidays around November).
    case calendarYearMissing(Int)

    public var description: String {
        switch self {
        case .calendarYearMissing(let year): "no working calendar for year \(year): add calendar/\(year).csv"
        }
    }
}

/// The working-time calendar of a city: work periods, weekends, statutory holidays and make-up
/// working days, in the city's time zone.
///
/// * Working time advances only inside the work periods of working days. A working day is a
///   weekday that is not a holiday, or a weekend day listed as a make-up working day.
/// * A start outside the work periods (night, lunch break, weekend, holiday) starts counting at
///   the beginning of the next period.
/// * One working day counts as ``workingDayHours`` (8) working hours.
/// * Natural-hour (urgent) limits are plain clock arithmetic.
///
/// Computations are O(1) per call: the calendar keeps, per covered day, the number of working
/// days before it, and the list of working days, so that a deadline is two array lookups.
/// Only years whose calendar was loaded are covered; anything else throws
/// ``WorkingCalendarError/calendarYearMissing(_:)`` instead of guessing.
public struct WorkingCalendar: Sendable {
    /// The city's zone (Asia/Shanghai by default).
    public let timeZone: TimeZone
    /// Daily work periods, sorted and non-overlapping.
    public let workPeriods: [WorkPeriod]
    /// Working hours per working day, used for `working_days` limits (8).
    public let workingDayHours: Double
    /// Years whose holiday calendar is loaded.
    public let coveredYears: Set<Int>
    /// The holiday and make-up working-day entries, by date.
    public let entries: [CivilDate: CalendarEntry]

    private let firstDay: Int                // day number of Jan 1 of the first covered year
    private let isWorking: [Bool]            // per day from firstDay
    private let workingBefore: [Int32]       // working days before day index k (count + 1 entries)
    private let workingDayIndices: [Int32]   // day index of the n-th working day
    private let noonOffsets: [Int32]         // UTC offset (s) of each day at local noon
    private let fixedOffset: Int?            // set when the offset never changes (no DST)
    private let periodStarts: [Double]
    private let periodLengths: [Double]
    private let secondsPerDay: Double        // working seconds in one working day's periods

    /// Creates a calendar.
    /// - Parameters:
    ///   - timeZone: the city's zone.
    ///   - workPeriods: daily work periods; sorted and non-overlapping (the loader validates this).
    ///   - entries: holidays and make-up working days of the covered years.
    ///   - coveredYears: the years for which a holiday calendar exists; defaults to the years of
    ///     `entries`. A year without any special day must still be listed to be covered.
    ///   - workingDayHours: working hours per working day (8).
    public init(timeZone: TimeZone, workPeriods: [WorkPeriod] = WorkPeriod.defaultPeriods, entries: [CalendarEntry],
                coveredYears: Set<Int>? = nil, workingDayHours: Double = 8) {
        self.timeZone = timeZone
        self.workPeriods = workPeriods.sorted { $0.start < $1.start }
        self.workingDayHours = workingDayHours
        let years = coveredYears ?? Set(entries.map(\.date.year))
        self.coveredYears = years
        var byDate: [CivilDate: CalendarEntry] = [:]
        for entry in entries { byDate[entry.date] = entry }
        self.entries = byDate
        periodStarts = self.workPeriods.map { Double($0.start) }
        periodLengths = self.workPeriods.map { Double($0.duration) }
        secondsPerDay = periodLengths.reduce(0, +)

        let minYear = years.min() ?? 1970, maxYear = years.max() ?? 1969
        firstDay = CivilDate(year: minYear, month: 1, day: 1)!.dayNumber
        let dayCount = years.isEmpty ? 0 : CivilDate(year: maxYear + 1, month: 1, day: 1)!.dayNumber - firstDay
        var working = [Bool](repeating: false, count: dayCount)
        var before = [Int32](repeating: 0, count: dayCount + 1)
        var indices: [Int32] = []
        var offsets = [Int32](repeating: 0, count: dayCount)
        for k in 0..<dayCount {
            let date = CivilDate(dayNumber: firstDay + k)
            if years.contains(date.year) {
                switch byDate[date]?.type {
                case .holiday: working[k] = false
                case .workday: working[k] = true
                case nil: working[k] = !date.isWeekend
                }
            }
            if working[k] { indices.append(Int32(k)) }
            before[k + 1] = before[k] + (working[k] ? 1 : 0)
            let noonUTC = Double(firstDay + k) * 86_400 + 43_200
            let guess = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: noonUTC))
            offsets[k] = Int32(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: noonUTC - Double(guess))))
        }
        isWorking = working
        workingBefore = before
        workingDayIndices = indices
        noonOffsets = offsets
        fixedOffset = !offsets.isEmpty && offsets.allSatisfy({ $0 == offsets[0] }) ? Int(offsets[0]) : nil
    }

    // MARK: Days

    /// `true` if `date` is a working day (weekday not on holiday, or a make-up working day).
    /// - Throws: ``WorkingCalendarError/calendarYearMissing(_:)`` if the year is not covered.
    public func isWorkingDay(_ date: CivilDate) throws -> Bool {
        guard coveredYears.contains(date.year) else { throw WorkingCalendarError.calendarYearMissing(date.year) }
        return isWorking[date.dayNumber - firstDay]
    }

    /// `true` if the local date of `instant` in the city's zone is a working day.
    public func isWorkingDay(_ instant: Date) throws -> Bool {
        try isWorkingDay(civilDate(of: instant))
    }

    /// The working days of one month, in order.
    public func workingDays(year: Int, month: Int) throws -> [CivilDate] {
        guard coveredYears.contains(year) else { throw WorkingCalendarError.calendarYearMissing(year) }
        let first = CivilDate(year: year, month: month, day: 1)!.dayNumber
        return (0..<CivilDate.daysInMonth(year: year, month: month))
            .filter { isWorking[first + $0 - firstDay] }
            .map { CivilDate(dayNumber: first + $0) }
    }

    /// The local calendar date of `instant` in the city's zone.
    public func civilDate(of instant: Date) -> CivilDate {
        let local = instant.timeIntervalSince1970 + Double(offset(at: instant))
        return CivilDate(dayNumber: Int((local / 86_400).rounded(.down)))
    }

    /// `true` if `instant` lies inside a work period of a working day.
    public func isWorkingTime(_ instant: Date) throws -> Bool {
        let (k, secondOfDay) = try locate(instant)
        guard isWorking[k] else { return false }
        return zip(periodStarts, periodLengths).contains { secondOfDay >= $0 && secondOfDay < $0 + $1 }
    }

    // MARK: Deadlines and durations

    /// The instant at which `limit` expires when counting starts at `start`.
    ///
    /// Working limits advance only inside work periods of working days; a deadline that falls at
    /// the end of a period is that end (12:00, 18:00), not the start of the next one. Natural-hour
    /// limits are `start + hours` and need no calendar.
    /// - Throws: ``WorkingCalendarError/calendarYearMissing(_:)`` if the start or any day up to
    ///   the deadline lies in a year without a calendar.
    public func deadline(from start: Date, limit: TimeLimit) throws -> Date {
        let seconds: Double
        switch limit.unit {
        case .naturalHours: return start.addingTimeInterval(limit.value * 3600)
        case .workingHours: seconds = limit.value * 3600
        case .workingDays: seconds = limit.value * workingDayHours * 3600
        }
        guard seconds > 0 else { return start }
        precondition(secondsPerDay > 0, "working calendar without work periods")
        let startYear = civilDate(of: start).year
        let target = try workingPosition(of: start) + seconds
        var n = Int((target / secondsPerDay).rounded(.down))
        var remainder = target - Double(n) * secondsPerDay
        if remainder <= 0 {  // exactly at the end of a working day: that day's last period end
            n -= 1
            remainder = secondsPerDay
        }
        guard n < workingDayIndices.count else {
            throw WorkingCalendarError.calendarYearMissing(firstMissingYear(after: startYear))
        }
        let k = Int(workingDayIndices[n])
        let endYear = CivilDate(dayNumber: firstDay + k).year
        if let gap = (startYear...endYear).first(where: { !coveredYears.contains($0) }) {
            throw WorkingCalendarError.calendarYearMissing(gap)
        }
        var secondOfDay = 0.0
        for (periodStart, length) in zip(periodStarts, periodLengths) {
            if remainder <= length {
                secondOfDay = periodStart + remainder
                break
            }
            remainder -= length
        }
        let local = Double(firstDay + k) * 86_400 + secondOfDay
        return Date(timeIntervalSince1970: local - Double(fixedOffset ?? Int(noonOffsets[k])))
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
            for (periodStart, length) in zip(periodStarts, periodLengths) {
                worked += min(max(secondOfDay - periodStart, 0), length)
            }
        }
        return Double(workingBefore[k]) * secondsPerDay + worked
    }

    /// Day index (from `firstDay`) and local second of day of `instant`.
    private func locate(_ instant: Date) throws -> (Int, Double) {
        let local = instant.timeIntervalSince1970 + Double(offset(at: instant))
        let dayNumber = Int((local / 86_400).rounded(.down))
        let k = dayNumber - firstDay
        guard k >= 0, k < isWorking.count else {
            throw WorkingCalendarError.calendarYearMissing(CivilDate(dayNumber: dayNumber).year)
        }
        let year = CivilDate(dayNumber: dayNumber).year
        guard coveredYears.contains(year) else { throw WorkingCalendarError.calendarYearMissing(year) }
        return (k, local - Double(dayNumber) * 86_400)
    }

    private func offset(at instant: Date) -> Int {
        fixedOffset ?? timeZone.secondsFromGMT(for: instant)
    }

    private func firstMissingYear(after year: Int) -> Int {
        var y = year
        while coveredYears.contains(y) { y += 1 }
        return y
    }
}
