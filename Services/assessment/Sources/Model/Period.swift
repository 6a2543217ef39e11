import CityGridModel
import Foundation

/// An evaluation period: a half-open interval of city time (UTC+8, China has no DST).
public struct Period: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable { case month, week, day, range }
    public var kind: Kind
    public var label: String
    public var start: Date
    public var end: Date

    public init(kind: Kind, label: String, start: Date, end: Date) {
        self.kind = kind
        self.label = label
        self.start = start
        self.end = end
    }

    public var description: String { label }

    public func contains(_ date: Date) -> Bool { date >= start && date < end }

    /// The instant at which "the deadline passed" is judged for this period: its end once it is
    /// over, the city's `now` while it runs (a deadline later this month has not passed yet).
    /// `nil` means "judge it as a finished period".
    public func asOf(now: Date?) -> Date { now.map { min($0, end) } ?? end }

    /// Whether the period has not ended at `now`: its figures are provisional.
    public func isRunning(at now: Date) -> Bool { now < end }

    /// City calendar (Gregorian, UTC+8, ISO weeks).
    public static let calendar: Calendar = {
        var c = Calendar(identifier: .iso8601)
        c.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        return c
    }()

    /// The years a period may lie in (the span every date must fall in; a period's `previous`,
    /// 1899 at the earliest, is still a date PostgreSQL and the calendar handle). Year 1 and
    /// earlier once reached the database as dates it refused, answered 500.
    public static let years = DateBounds.years

    /// Parses `2026-11` (month), `2026-W47` (ISO week), `2026-11-25` (day).
    public static func parse(_ text: String) -> Period? {
        let parts = text.split(separator: "-").map(String.init)
        let c = calendar
        guard let first = parts.first, first.count == 4, let year = Int(first), years.contains(year) else { return nil }
        if parts.count == 2, let y = Int(parts[0]), parts[1].hasPrefix("W"), let w = Int(parts[1].dropFirst()), (1...53).contains(w) {
            var dc = DateComponents()
            dc.yearForWeekOfYear = y
            dc.weekOfYear = w
            dc.weekday = 2
            guard let start = c.date(from: dc), c.component(.weekOfYear, from: start) == w,
                  let end = c.date(byAdding: .day, value: 7, to: start) else { return nil }
            return Period(kind: .week, label: String(format: "%04d-W%02d", y, w), start: start, end: end)
        }
        if parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m), parts[0].count == 4 {
            guard let start = c.date(from: DateComponents(year: y, month: m, day: 1)),
                  let end = c.date(byAdding: .month, value: 1, to: start) else { return nil }
            return Period(kind: .month, label: String(format: "%04d-%02d", y, m), start: start, end: end)
        }
        if parts.count == 3, let start = day(text), let end = c.date(byAdding: .day, value: 1, to: start) {
            return Period(kind: .day, label: text, start: start, end: end)
        }
        return nil
    }

    /// `from`..`to`, both inclusive days (`2026-11-01`, `2026-11-15`).
    public static func range(from: String, to: String) -> Period? {
        guard let start = day(from), let last = day(to), last >= start,
              let end = calendar.date(byAdding: .day, value: 1, to: last) else { return nil }
        return Period(kind: .range, label: "\(from)..\(to)", start: start, end: end)
    }

    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.count == 10, years.contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        let c = calendar
        guard let date = c.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              c.component(.day, from: date) == parts[2] else { return nil }
        return date
    }

    static func dayLabel(_ date: Date) -> String {
        let d = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", d.year!, d.month!, d.day!)
    }

    /// The period of the same kind just before this one (for rank and score changes).
    public var previous: Period {
        let c = Self.calendar
        switch kind {
        case .month:
            let start = c.date(byAdding: .month, value: -1, to: self.start)!
            let d = c.dateComponents([.year, .month], from: start)
            return Period(kind: .month, label: String(format: "%04d-%02d", d.year!, d.month!), start: start, end: self.start)
        case .week:
            let start = c.date(byAdding: .day, value: -7, to: self.start)!
            let d = c.dateComponents([.yearForWeekOfYear, .weekOfYear], from: start)
            return Period(kind: .week, label: String(format: "%04d-W%02d", d.yearForWeekOfYear!, d.weekOfYear!), start: start, end: self.start)
        case .day:
            let start = c.date(byAdding: .day, value: -1, to: self.start)!
            return Period(kind: .day, label: Self.dayLabel(start), start: start, end: self.start)
        case .range:
            let start = self.start.addingTimeInterval(-(end.timeIntervalSince(self.start)))
            let last = self.start.addingTimeInterval(-1)
            return Period(kind: .range, label: "\(Self.dayLabel(start))..\(Self.dayLabel(last))", start: start, end: self.start)
        }
    }
}
