/// A day of the year without the year ("05-01"), for seasons that recur every year.
public struct MonthDay: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let month: Int
    public let day: Int

    /// Parses `MM-DD`; 02-29 is allowed (it simply never matches in common years).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let m = Int(parts[0]), let d = Int(parts[1]),
              (1...12).contains(m), d >= 1, d <= CivilDate.daysInMonth(year: 2024, month: m) else { return nil }
        month = m
        day = d
    }

    public init(of date: CivilDate) {
        month = date.month
        day = date.day
    }

    public var description: String { (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)" }

    public static func < (a: MonthDay, b: MonthDay) -> Bool { (a.month, a.day) < (b.month, b.day) }
}

/// The daily work periods of a city through the year: a standard set, and seasons (summer and
/// winter office hours, 夏季/冬季作息时间) that replace it between two dates.
///
/// A season is either recurring (`MM-DD` to `MM-DD`, both inclusive, possibly across the new
/// year: 11-15 to 03-15) or dated (`YYYY-MM-DD` to `YYYY-MM-DD`, for a one-off change of office
/// hours). On a given date a dated season wins over a recurring one, which wins over the
/// standard periods. Seasons of the same kind must not overlap (the loader checks).
public struct WorkSchedule: Hashable, Sendable, CustomStringConvertible {
    /// When a season applies.
    public enum Span: Hashable, Sendable, CustomStringConvertible {
        /// Every year from `from` to `to` inclusive (wrapping the new year when `to < from`).
        case recurring(from: MonthDay, to: MonthDay)
        /// Once, from `from` to `to` inclusive.
        case dated(from: CivilDate, to: CivilDate)

        public func contains(_ date: CivilDate) -> Bool {
            switch self {
            case .dated(let from, let to): return from <= date && date <= to
            case .recurring(let from, let to):
                let d = MonthDay(of: date)
                return from <= to ? (from <= d && d <= to) : (d >= from || d <= to)
            }
        }

        public var description: String {
            switch self {
            case .recurring(let from, let to): "\(from)…\(to) every year"
            case .dated(let from, let to): "\(from)…\(to)"
            }
        }
    }

    /// Work periods that replace the standard ones within `span`.
    public struct Season: Hashable, Sendable {
        public var span: Span
        public var periods: [WorkPeriod]

        public init(span: Span, periods: [WorkPeriod]) {
            self.span = span
            self.periods = periods.sorted { $0.start < $1.start }
        }
    }

    /// The periods of any day no season covers.
    public var standard: [WorkPeriod]
    public var seasons: [Season]

    public init(standard: [WorkPeriod] = WorkPeriod.defaultPeriods, seasons: [Season] = []) {
        self.standard = standard.sorted { $0.start < $1.start }
        self.seasons = seasons
    }

    /// 08:00–12:00 and 14:00–18:00 all year.
    public static let standardOnly = WorkSchedule()

    /// The work periods of `date`.
    public func periods(on date: CivilDate) -> [WorkPeriod] {
        func first(_ dated: Bool) -> Season? {
            seasons.first { season in
                if case .dated = season.span { return dated && season.span.contains(date) }
                return !dated && season.span.contains(date)
            }
        }
        return (first(true) ?? first(false))?.periods ?? standard
    }

    /// A canonical text of the whole schedule; part of every calendar year's version, so that a
    /// change of office hours marks every deadline computed under the old hours as stale.
    public var description: String {
        let standardText = standard.map(\.description).joined(separator: ",")
        let seasonText = seasons.map { "\($0.span)=" + $0.periods.map(\.description).joined(separator: ",") }
        return ([standardText] + seasonText).joined(separator: ";")
    }
}

extension WorkSchedule.Span {
    /// `true` when both spans are of the same kind and share a day (checked on a leap year for
    /// recurring spans).
    public func overlaps(_ other: WorkSchedule.Span) -> Bool {
        switch (self, other) {
        case let (.dated(a1, a2), .dated(b1, b2)):
            return a1 <= b2 && b1 <= a2
        case (.recurring, .recurring):
            let first = CivilDate(year: 2024, month: 1, day: 1)!
            return (0..<366).contains { offset in
                let day = first.adding(days: offset)
                return contains(day) && other.contains(day)
            }
        default:
            return false
        }
    }
}
