import Foundation

// Grid responsibility (网格责任): which supervisor (监督员) patrols which grids, on which shift, from
// when to when. The city keeps it as reference data (`shifts.csv`, `roster.csv`); supervision
// changes it in a running city through its API, as effective-dated changes stored beside the
// files and folded over them (``GridRoster/applying(_:)``). Everything here is pure: who is on
// duty for a grid at an instant is a function of the roster and the instant.

/// A supervisors' shift (班次), repeated on the listed weekdays, in the city's local time.
///
/// A shift whose end is not after its start runs past midnight (22:30–07:30) and belongs to the
/// day it starts on: the roster's validity dates and the weekdays are judged on that day.
public struct RosterShift: Hashable, Sendable, Codable {
    /// Short code (`early`), used by the roster rows.
    public var code: String
    /// Name for people (`早班`).
    public var name: String
    /// Start, minutes after local midnight.
    public var start: Int
    /// End, minutes after local midnight; not after ``start`` means the next day.
    public var end: Int
    /// ISO weekdays the shift runs on (1 = Monday … 7 = Sunday).
    public var weekdays: Set<Int>
    public var source: ReferenceSource

    public init(code: String, name: String, start: Int, end: Int, weekdays: Set<Int> = Set(1...7), source: ReferenceSource = .demo) {
        self.code = code
        self.name = name
        self.start = start
        self.end = end
        self.weekdays = weekdays
        self.source = source
    }

    /// Whether the shift runs past midnight.
    public var crossesMidnight: Bool { end <= start }

    /// The shift's length in minutes.
    public var minutes: Int { crossesMidnight ? end + 1440 - start : end - start }
}

/// What a roster row makes a supervisor for its area during its shift.
public enum RosterDuty: String, Codable, Sendable, CaseIterable {
    /// 责任监督员: the supervisor a grid's tasks go to first.
    case primary
    /// 替岗监督员: takes a grid's tasks when its primary is off duty or let a task run out.
    case cover
}

/// One roster row: a supervisor's duty for an area (a grid, or every grid of a community or
/// street) on one shift, valid `validFrom <= day < validTo` (days in city time; a shift counts on
/// the day it starts).
public struct RosterAssignment: Hashable, Sendable, Codable {
    /// Unique id (`R0001` in the file; `A-<uuid>` for rows added through the API).
    public var id: String
    public var supervisorId: String
    public var supervisorName: String?
    /// A 15-digit grid, 12-digit community or 9-digit street code: the row covers every grid
    /// whose code starts with it.
    public var areaCode: String
    /// A ``RosterShift/code``.
    public var shift: String
    public var duty: RosterDuty
    /// First day the row applies (inclusive).
    public var validFrom: CivilDate
    /// First day it no longer applies (exclusive); `nil` while open-ended.
    public var validTo: CivilDate?
    public var source: ReferenceSource

    public init(id: String, supervisorId: String, supervisorName: String? = nil, areaCode: String, shift: String, duty: RosterDuty,
                validFrom: CivilDate, validTo: CivilDate? = nil, source: ReferenceSource = .demo) {
        self.id = id
        self.supervisorId = supervisorId
        self.supervisorName = supervisorName
        self.areaCode = areaCode
        self.shift = shift
        self.duty = duty
        self.validFrom = validFrom
        self.validTo = validTo
        self.source = source
    }

    /// Whether the row applies on `day`.
    public func isValid(on day: CivilDate) -> Bool {
        validFrom <= day && (validTo.map { day < $0 } ?? true)
    }

    /// Whether the row's area contains `gridCode`.
    public func covers(gridCode: String) -> Bool { gridCode.hasPrefix(areaCode) }
}

/// A change to the roster made in a running city (supervision's API), effective from a day on.
/// Stored with who made it and when; the past is never rewritten, so a change takes effect today
/// at the earliest.
public enum RosterChange: Hashable, Sendable, Codable {
    /// A new row, effective from its `validFrom`.
    case add(RosterAssignment)
    /// Row `assignmentId` no longer applies from `day` on (it becomes its `validTo` unless that is earlier).
    case end(assignmentId: String, day: CivilDate)
}

/// One run of a shift: the day it started and the instants it starts and ends.
public struct ShiftRun: Hashable, Sendable, Codable {
    public var shift: String
    /// The local day the run started on.
    public var day: CivilDate
    public var start: Date
    public var end: Date
}

/// A supervisor on duty for a grid: the roster row and the shift run that make it so.
public struct OnDuty: Hashable, Sendable {
    public var assignment: RosterAssignment
    public var run: ShiftRun
    public var supervisorId: String { assignment.supervisorId }
}

/// The roster as it stands: shifts and rows (the files' rows with the API's changes folded in).
public struct GridRoster: Sendable {
    public static let shiftsFile = "shifts.csv"
    public static let rosterFile = "roster.csv"

    /// The reference data's version the files came with (`VERSION`).
    public let version: String
    public let timeZone: TimeZone
    public let shifts: [RosterShift]
    public let assignments: [RosterAssignment]
    /// The grid, community and street codes a row may name.
    public let areaCodes: Set<String>
    private let shiftByCode: [String: RosterShift]

    public init(version: String, timeZone: TimeZone, shifts: [RosterShift], assignments: [RosterAssignment], areaCodes: Set<String>) {
        self.version = version
        self.timeZone = timeZone
        self.shifts = shifts
        self.assignments = assignments
        self.areaCodes = areaCodes
        shiftByCode = Dictionary(shifts.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func shift(_ code: String) -> RosterShift? { shiftByCode[code] }

    /// A row by id.
    public func assignment(_ id: String) -> RosterAssignment? { assignments.first { $0.id == id } }

    // MARK: Time in the city

    /// The local day of `instant` and the seconds since its local midnight.
    public func local(_ instant: Date) -> (day: CivilDate, second: Double) {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        let dayNumber = Int((local / 86_400).rounded(.down))
        return (CivilDate(dayNumber: dayNumber), local - Double(dayNumber) * 86_400)
    }

    /// The instant of `minute` minutes after local midnight of `day`.
    public func instant(_ day: CivilDate, minute: Int) -> Date {
        let local = Double(day.dayNumber) * 86_400 + Double(minute) * 60
        let guess = Date(timeIntervalSince1970: local)
        return Date(timeIntervalSince1970: local - Double(timeZone.secondsFromGMT(for: guess)))
    }

    /// The run of `shift` that is under way at `instant`, if any (a run that started yesterday
    /// and crosses midnight included). A run covers `[start, end)`.
    public func run(of shift: RosterShift, at instant: Date) -> ShiftRun? {
        let today = local(instant).day
        for day in [today, today.adding(days: -1)] where shift.weekdays.contains(day.weekday) {
            let start = self.instant(day, minute: shift.start)
            let end = start.addingTimeInterval(Double(shift.minutes) * 60)
            if start <= instant && instant < end { return ShiftRun(shift: shift.code, day: day, start: start, end: end) }
        }
        return nil
    }

    // MARK: Who is on duty

    /// Every supervisor on duty for `gridCode` at `instant`, in the order tasks go to them:
    /// primaries before covers, the row of the smaller area (grid before community before
    /// street) first, then by row id. A supervisor appears once, by their first row.
    public func onDuty(gridCode: String, at instant: Date) -> [OnDuty] {
        var found: [OnDuty] = []
        for row in assignments where row.covers(gridCode: gridCode) {
            guard let shift = shiftByCode[row.shift], let run = run(of: shift, at: instant), row.isValid(on: run.day) else { continue }
            found.append(OnDuty(assignment: row, run: run))
        }
        found.sort { a, b in
            let x = a.assignment, y = b.assignment
            if x.duty != y.duty { return x.duty == .primary }
            if x.areaCode.count != y.areaCode.count { return x.areaCode.count > y.areaCode.count }
            return x.id < y.id
        }
        var seen: Set<String> = []
        return found.filter { seen.insert($0.supervisorId).inserted }
    }

    /// The first supervisor on duty for `gridCode` at `instant` who is not in `excluding`.
    public func firstOnDuty(gridCode: String, at instant: Date, excluding: Set<String> = []) -> OnDuty? {
        onDuty(gridCode: gridCode, at: instant).first { !excluding.contains($0.supervisorId) }
    }

    /// Whether `supervisorId` is on duty for `gridCode` at `instant`, and on which run.
    public func duty(of supervisorId: String, gridCode: String, at instant: Date) -> OnDuty? {
        onDuty(gridCode: gridCode, at: instant).first { $0.supervisorId == supervisorId }
    }

    /// The supervisor answerable for what happens in `gridCode` at `instant` (漏报: a problem the
    /// public reported there while they patrolled it): the first on duty, primaries first;
    /// `nil` when nobody was on duty.
    public func responsible(gridCode: String, at instant: Date) -> String? {
        onDuty(gridCode: gridCode, at: instant).first?.supervisorId
    }

    /// The rows valid on `day`, optionally only those covering `gridCode` or of one supervisor.
    public func rows(on day: CivilDate, gridCode: String? = nil, supervisorId: String? = nil) -> [RosterAssignment] {
        assignments.filter { row in
            row.isValid(on: day) && (gridCode.map(row.covers) ?? true) && (supervisorId.map { $0 == row.supervisorId } ?? true)
        }
    }

    // MARK: Changes

    /// The roster with `changes` folded in, in order. An `add` whose id exists already and an
    /// `end` of an unknown row change nothing (the files may have dropped a row a stored change
    /// names).
    public func applying(_ changes: [RosterChange]) -> GridRoster {
        var rows = assignments
        var index = Dictionary(rows.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        for change in changes {
            switch change {
            case .add(let row):
                guard index[row.id] == nil else { continue }
                index[row.id] = rows.count
                rows.append(row)
            case .end(let id, let day):
                guard let i = index[id] else { continue }
                rows[i].validTo = rows[i].validTo.map { min($0, day) } ?? day
            }
        }
        return GridRoster(version: version, timeZone: timeZone, shifts: shifts, assignments: rows, areaCodes: areaCodes)
    }

    /// A field's problem with a proposed change.
    public struct Problem: Hashable, Sendable {
        public var field: String
        public var problem: String
    }

    /// What is wrong with adding `row` on `today` (empty: it can be added).
    public func problems(adding row: RosterAssignment, today: CivilDate) -> [Problem] {
        var problems: [Problem] = []
        if !Self.isValidSupervisorId(row.supervisorId) {
            problems.append(.init(field: "supervisorId", problem: "must be 1–64 letters, digits, '.', '_' or '-'"))
        }
        if let name = row.supervisorName, name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 100 {
            problems.append(.init(field: "supervisorName", problem: "must be 1–100 characters when given"))
        }
        if ![9, 12, 15].contains(row.areaCode.count) || !areaCodes.contains(row.areaCode) {
            problems.append(.init(field: "areaCode", problem: "must name a street (9 digits), community (12) or grid (15) of the city"))
        }
        if shiftByCode[row.shift] == nil {
            problems.append(.init(field: "shift", problem: "unknown shift (\(shifts.map(\.code).joined(separator: ", ")))"))
        }
        if row.validFrom < today {
            problems.append(.init(field: "validFrom", problem: "must be today (\(today)) or later: the past roster is not rewritten"))
        }
        if let to = row.validTo, to <= row.validFrom {
            problems.append(.init(field: "validTo", problem: "must be after validFrom"))
        }
        return problems
    }

    /// What is wrong with ending row `id` from `day` on, seen on `today`.
    public func problems(ending id: String, day: CivilDate, today: CivilDate) -> [Problem] {
        guard let row = assignment(id) else { return [.init(field: "id", problem: "no roster row \(id)")] }
        if day < today { return [.init(field: "day", problem: "must be today (\(today)) or later: the past roster is not rewritten")] }
        if let to = row.validTo, to <= day { return [.init(field: "day", problem: "the row already ends on \(to)")] }
        return []
    }

    /// Supervisor ids as tokens carry them: 1–64 ASCII letters, digits, `.`, `_`, `-`.
    public static func isValidSupervisorId(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }
}

// MARK: Loading

extension GridRoster {
    /// Reads `shifts.csv` and `roster.csv` from a reference-data directory, checking them against
    /// the areas of `refs`.
    /// - Throws: ``ReferenceDataErrors`` with every problem, each naming file, line and field.
    public static func load(from directory: URL, refs: ReferenceData) throws -> GridRoster {
        func read(_ file: String) throws -> String {
            let url = directory.appendingPathComponent(file)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw ReferenceDataErrors([ReferenceDataError(file: file, line: 0, field: nil, message: "cannot read \(url.path)")])
            }
            return text
        }
        let zone = TimeZone(identifier: refs.city.timeZoneIdentifier) ?? TimeZone(secondsFromGMT: 8 * 3600)!
        var areas = Set(refs.grids.map(\.code))
        areas.formUnion(refs.communities.map(\.code))
        areas.formUnion(refs.streets.map(\.code))
        return try parse(shifts: try read(shiftsFile), roster: try read(rosterFile), version: refs.version, timeZone: zone,
                         areaCodes: areas).get()
    }

    /// Parses the two files' texts; every problem is reported, not only the first.
    public static func parse(shifts shiftsText: String, roster rosterText: String, version: String, timeZone: TimeZone,
                             areaCodes: Set<String>) -> Result<GridRoster, ReferenceDataErrors> {
        var errors: [ReferenceDataError] = []
        let shifts = parseShifts(shiftsText, errors: &errors)
        let codes = Set(shifts.map(\.code))
        let rows = parseRows(rosterText, shifts: codes, areaCodes: areaCodes, errors: &errors)
        guard errors.isEmpty else { return .failure(ReferenceDataErrors(errors)) }
        return .success(GridRoster(version: version, timeZone: timeZone, shifts: shifts, assignments: rows, areaCodes: areaCodes))
    }

    /// `HH:mm` → minutes after midnight (`24:00` allowed as an end).
    static func minutes(_ text: String, allowMidnightEnd: Bool) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
              (0...59).contains(m) else { return nil }
        if h == 24 && m == 0 && allowMidnightEnd { return 1440 }
        guard (0...23).contains(h) else { return nil }
        return h * 60 + m
    }

    private static func readTable(_ text: String, file: String, required: [String], errors: inout [ReferenceDataError]) -> CSVTable? {
        let (table, structural) = CSVTable.parse(text, file: file)
        errors += structural
        let missing = required.filter { table.column($0) == nil }
        guard missing.isEmpty else {
            errors.append(ReferenceDataError(file: file, line: 1, field: nil,
                                             message: "missing column(s) \(missing.joined(separator: ", ")); the header is \(required.joined(separator: ","))"))
            return nil
        }
        return table
    }

    private static func parseShifts(_ text: String, errors: inout [ReferenceDataError]) -> [RosterShift] {
        let file = shiftsFile
        guard let table = readTable(text, file: file, required: ["code", "name", "start", "end", "weekdays", "source"], errors: &errors) else {
            return []
        }
        var shifts: [RosterShift] = []
        var seen: Set<String> = []
        for record in table.records {
            func field(_ name: String) -> String { record.fields[table.column(name)!].trimmingCharacters(in: .whitespaces) }
            func fail(_ field: String, _ message: String) {
                errors.append(ReferenceDataError(file: file, line: record.line, field: field, message: message))
            }
            let before = errors.count
            let code = field("code")
            if !RosterShift.isValidCode(code) {
                fail("code", "must be 1–16 lowercase letters, digits, '_' or '-'")
            } else if !seen.insert(code).inserted {
                fail("code", "\(code) is listed twice")
            }
            if field("name").isEmpty { fail("name", "is required") }
            let start = minutes(field("start"), allowMidnightEnd: false)
            if start == nil { fail("start", "must be HH:mm (00:00–23:59)") }
            let end = minutes(field("end"), allowMidnightEnd: true)
            if end == nil { fail("end", "must be HH:mm (00:00–24:00)") }
            if let start, let end, start == end { fail("end", "a shift cannot start and end at the same time (00:00–24:00 is a whole day)") }
            var days: Set<Int> = []
            for ch in field("weekdays") {
                guard let d = ch.wholeNumberValue, (1...7).contains(d), days.insert(d).inserted else {
                    fail("weekdays", "must list ISO weekdays 1–7 once each (1234567 = every day)")
                    break
                }
            }
            if days.isEmpty && errors.count == before { fail("weekdays", "must list at least one weekday") }
            let source = ReferenceSource(rawValue: field("source"))
            if source == nil { fail("source", "must be one of \(ReferenceSource.allCases.map(\.rawValue).joined(separator: ", "))") }
            if errors.count == before, let start, let end, let source {
                shifts.append(RosterShift(code: code, name: field("name"), start: start, end: end == 1440 ? 0 : end, weekdays: days,
                                          source: source))
            }
        }
        if shifts.isEmpty && errors.isEmpty {
            errors.append(ReferenceDataError(file: file, line: 0, field: nil, message: "at least one shift is required"))
        }
        return shifts
    }

    private static func parseRows(_ text: String, shifts: Set<String>, areaCodes: Set<String>,
                                  errors: inout [ReferenceDataError]) -> [RosterAssignment] {
        let file = rosterFile
        let required = ["id", "supervisor_id", "supervisor_name", "area_code", "shift", "duty", "valid_from", "valid_to", "source"]
        guard let table = readTable(text, file: file, required: required, errors: &errors) else { return [] }
        var rows: [RosterAssignment] = []
        var ids: Set<String> = []
        for record in table.records {
            func field(_ name: String) -> String { record.fields[table.column(name)!].trimmingCharacters(in: .whitespaces) }
            func fail(_ field: String, _ message: String) {
                errors.append(ReferenceDataError(file: file, line: record.line, field: field, message: message))
            }
            let before = errors.count
            let id = field("id")
            if id.isEmpty || id.count > 64 {
                fail("id", "is required (at most 64 characters)")
            } else if !ids.insert(id).inserted {
                fail("id", "\(id) is listed twice")
            }
            let supervisor = field("supervisor_id")
            if !GridRoster.isValidSupervisorId(supervisor) { fail("supervisor_id", "must be 1–64 letters, digits, '.', '_' or '-'") }
            let area = field("area_code")
            if ![9, 12, 15].contains(area.count) || !area.allSatisfy(\.isASCII) || !area.allSatisfy(\.isNumber) {
                fail("area_code", "must be a street (9 digits), community (12) or grid (15) code")
            } else if !areaCodes.contains(area) {
                fail("area_code", "\(area) is not a street, community or grid of the reference data")
            }
            let shift = field("shift")
            if !shifts.contains(shift) { fail("shift", "unknown shift \(shift) (shifts.csv)") }
            let duty = RosterDuty(rawValue: field("duty"))
            if duty == nil { fail("duty", "must be primary or cover") }
            let from = CivilDate(iso: field("valid_from"))
            if from == nil { fail("valid_from", "must be a date YYYY-MM-DD") }
            var to: CivilDate?
            if !field("valid_to").isEmpty {
                to = CivilDate(iso: field("valid_to"))
                if to == nil {
                    fail("valid_to", "must be a date YYYY-MM-DD or empty")
                } else if let from, let to, to <= from {
                    fail("valid_to", "must be after valid_from (it is the first day the row no longer applies)")
                }
            }
            let source = ReferenceSource(rawValue: field("source"))
            if source == nil { fail("source", "must be one of \(ReferenceSource.allCases.map(\.rawValue).joined(separator: ", "))") }
            if errors.count == before, let duty, let from, let source {
                let name = field("supervisor_name")
                rows.append(RosterAssignment(id: id, supervisorId: supervisor, supervisorName: name.isEmpty ? nil : name, areaCode: area,
                                             shift: shift, duty: duty, validFrom: from, validTo: to, source: source))
            }
        }
        return rows
    }
}

extension RosterShift {
    /// Shift codes: 1–16 lowercase ASCII letters, digits, `_` and `-`.
    public static func isValidCode(_ code: String) -> Bool {
        (1...16).contains(code.count) && code.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }
}
