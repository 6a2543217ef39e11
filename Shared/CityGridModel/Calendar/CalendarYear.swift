import Foundation

/// How much a year's holiday calendar can be trusted.
public enum CalendarStanding: String, Sendable, Codable, Hashable, CaseIterable {
    /// The State Council's notice for the year (国务院办公厅关于某年部分节假日安排的通知) is loaded:
    /// bridging days and make-up working days as announced.
    case official
    /// No notice yet: the statutory days of ``StatutoryHolidays`` only, weekends as usual. Deadlines
    /// counted on it are recomputed when the notice is imported.
    case provisional
}

/// One year of a working calendar: its special days and where they come from.
public struct CalendarYear: Sendable, Hashable {
    public let year: Int
    public let standing: CalendarStanding
    /// The notice's reference (文号), e.g. `国办发明电〔2025〕7号`; official years only.
    public let notice: String?
    /// Holidays and make-up working days, in date order.
    public let entries: [CalendarEntry]

    public init(year: Int, standing: CalendarStanding, notice: String?, entries: [CalendarEntry]) {
        self.year = year
        self.standing = standing
        self.notice = notice
        self.entries = entries.sorted { $0.date < $1.date }
    }

    /// The provisional year: statutory days only. `nil` before ``StatutoryHolidays/firstYear``.
    public static func provisional(_ year: Int, timeZone: TimeZone) -> CalendarYear? {
        StatutoryHolidays.days(of: year, timeZone: timeZone).map {
            CalendarYear(year: year, standing: .provisional, notice: nil, entries: $0)
        }
    }

    /// The fingerprint of the year's own content (standing, notice, special days), e.g.
    /// `official-3f9a1c2e`: the version of an imported file, the same on every service.
    public var contentVersion: String {
        var text = "\(year)|\(standing.rawValue)|\(notice ?? StatutoryHolidays.rulesIdentifier)"
        for entry in entries { text += "|\(entry.date) \(entry.type.rawValue)" }
        return "\(standing.rawValue)-" + Fingerprint.hex32(text)
    }

    /// A short, stable fingerprint of everything that decides this year's working time (standing,
    /// notice, special days and the city's work schedule), e.g. `official-3f9a1c2e`. Two calendars
    /// count a deadline in this year the same way exactly when their versions are equal.
    public func version(schedule: WorkSchedule) -> String {
        var text = "\(year)|\(standing.rawValue)|\(notice ?? StatutoryHolidays.rulesIdentifier)|\(schedule)"
        for entry in entries { text += "|\(entry.date) \(entry.type.rawValue)" }
        return "\(standing.rawValue)-" + Fingerprint.hex32(text)
    }
}

/// FNV-1a over UTF-8, for short content fingerprints (not for security).
enum Fingerprint {
    static func hex32(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let folded = UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
        let hex = String(folded, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// What a deadline was counted on, recorded with it so that it can be shown, audited and, when
/// the calendar it used is replaced, found and recomputed.
public struct DeadlineBasis: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable, Hashable {
        /// Counted in working time on the city's calendar (工作时 / 工作日).
        case workingCalendar = "working_calendar"
        /// Counted in natural hours (紧急: through nights and holidays); no calendar involved.
        case naturalTime = "natural_time"
        /// Set by a person's decision (an approved extension's date), not counted.
        case decision
    }

    /// The standing and version of one calendar year a deadline's count went through.
    public struct Year: Codable, Hashable, Sendable {
        public var year: Int
        public var standing: CalendarStanding
        public var version: String
        public var notice: String?

        public init(year: Int, standing: CalendarStanding, version: String, notice: String?) {
            self.year = year
            self.standing = standing
            self.version = version
            self.notice = notice
        }

        /// `2027:provisional-8b2d4e10`: what supervision stores to find stale deadlines.
        public var token: String { "\(year):\(version)" }
    }

    public var kind: Kind
    /// The years from the count's start to its end, for ``Kind/workingCalendar``; empty otherwise.
    public var years: [Year]

    public init(kind: Kind, years: [Year] = []) {
        self.kind = kind
        self.years = years
    }

    public static let naturalTime = DeadlineBasis(kind: .naturalTime)
    public static let decision = DeadlineBasis(kind: .decision)

    /// `true` when any year of the count is provisional: the deadline may still move.
    public var isProvisional: Bool { years.contains { $0.standing == .provisional } }

    /// One token per year (``Year/token``).
    public var tokens: [String] { years.map(\.token) }

    /// `2026 official (国办发明电〔2025〕7号) + 2027 provisional`, `natural time`, `decision`.
    public var description: String {
        switch kind {
        case .naturalTime: return "natural time"
        case .decision: return "decision"
        case .workingCalendar:
            return years.map { y in
                "\(y.year) \(y.standing.rawValue)" + (y.notice.map { " (\($0))" } ?? "")
            }.joined(separator: " + ")
        }
    }
}

/// A deadline and the basis it was counted on.
public struct Deadline: Codable, Hashable, Sendable {
    public var at: Date
    public var basis: DeadlineBasis

    public init(at: Date, basis: DeadlineBasis) {
        self.at = at
        self.basis = basis
    }
}

/// A year's calendar as published in the State Council's notice, read from a reference-data file
/// (`calendar/<year>.csv`) or from a file an operator imports into a running city.
///
/// The file has the columns `date,type,name`. Exactly one row has the type `notice`: its `date`
/// is the day the notice was issued (usually in the previous year) and its `name` the notice's
/// reference (文号). Every other row is a `holiday` (放假) or a `workday` (调休上班, on a
/// weekend) inside the year.
public enum OfficialYearFile {
    /// The row type that carries the notice's reference.
    public static let noticeType = "notice"

    /// Parses and validates one year's file.
    ///
    /// Checks: the header; one notice row with a reference; every other date valid, once, and in
    /// one year (`expectedYear` when given, e.g. from the file name); make-up working days on a
    /// weekend; and nothing contradicting the statutory days, each of which must be a holiday.
    /// - Returns: the year, or every problem found (file, line, field).
    public static func parse(_ text: String, file: String, expectedYear: Int? = nil, timeZone: TimeZone) -> Result<CalendarYear, ReferenceDataErrors> {
        var errors: [ReferenceDataError] = []
        func fail(_ line: Int, _ field: String?, _ message: String) {
            errors.append(ReferenceDataError(file: file, line: line, field: field, message: message))
        }
        let (table, csvErrors) = CSVTable.parse(text, file: file)
        errors += csvErrors
        let missing = ["date", "type", "name"].filter { table.column($0) == nil }
        for column in missing { fail(1, column, "missing column") }
        guard missing.isEmpty, let dateColumn = table.column("date"), let typeColumn = table.column("type"),
              let nameColumn = table.column("name") else { return .failure(ReferenceDataErrors(errors)) }

        // The first notice row, even one without a reference: a second one is then "a second
        // notice row", and a nameless one is an empty name, not "no notice row".
        var noticeLine: Int?
        var notice: String?
        var entries: [(entry: CalendarEntry, line: Int)] = []
        var seen: [CivilDate: Int] = [:]
        for record in table.records {
            func field(_ i: Int) -> String { i < record.fields.count ? record.fields[i] : "" }
            let dateText = field(dateColumn), typeText = field(typeColumn), name = field(nameColumn)
            // A bad date is reported, and the row still counts for what its type says: a notice
            // row with a typo in its date is that, not a missing notice.
            let parsedDate = CivilDate(iso: dateText)
            if parsedDate == nil { fail(record.line, "date", "not a YYYY-MM-DD date: '\(dateText)'") }
            if name.isEmpty { fail(record.line, "name", "required value is empty") }
            if typeText == noticeType {
                if let earlier = noticeLine {
                    fail(record.line, "type", "a second notice row (the first is on line \(earlier))")
                } else {
                    noticeLine = record.line
                    if !name.isEmpty { notice = name }
                }
                continue
            }
            guard let type = CalendarEntry.DayType(rawValue: typeText) else {
                fail(record.line, "type", "'\(typeText)' is not one of holiday|workday|notice")
                continue
            }
            guard let date = parsedDate else { continue }
            if let first = seen[date] {
                fail(record.line, "date", "\(date) is listed twice (first on line \(first))")
                continue
            }
            seen[date] = record.line
            if type == .workday && !date.isWeekend {
                fail(record.line, "type", "\(date) is a weekday; a make-up working day (workday) must be a Saturday or Sunday")
            }
            entries.append((CalendarEntry(date: date, type: type, name: name), record.line))
        }
        if noticeLine == nil {
            fail(0, "type", "no notice row (type 'notice', the day it was issued as date, its reference as name, e.g. 国办发明电〔2025〕7号)")
        }

        let years = Set(entries.map(\.entry.date.year))
        let year = expectedYear ?? (years.count == 1 ? years.first : nil)
        if let year {
            for (entry, line) in entries where entry.date.year != year {
                fail(line, "date", "\(entry.date) is not in \(year)")
            }
        } else if entries.isEmpty {
            fail(0, nil, "no holiday rows")
        } else {
            fail(0, nil, "the rows span several years (\(years.sorted().map(String.init).joined(separator: ", "))); one file holds one year")
        }
        if let year, year > WorkingCalendar.horizonYear {
            fail(0, "date", "\(year) is past the last year a working calendar covers (\(WorkingCalendar.horizonYear))")
        }
        if let year, let statutory = StatutoryHolidays.days(of: year, timeZone: timeZone) {
            let byDate = Dictionary(entries.map { ($0.entry.date, $0) }, uniquingKeysWith: { a, _ in a })
            for day in statutory {
                switch byDate[day.date] {
                case nil:
                    fail(0, "date", "\(day.date) (\(day.name)) is a statutory holiday and must be listed as a holiday")
                case let (entry, line)? where entry.type == .workday:
                    fail(line, "type", "\(day.date) is a statutory holiday (\(day.name)); it cannot be a make-up working day")
                default:
                    break
                }
            }
        }
        guard errors.isEmpty, let year, let notice else { return .failure(ReferenceDataErrors(errors)) }
        return .success(CalendarYear(year: year, standing: .official, notice: notice, entries: entries.map(\.entry)))
    }
}
