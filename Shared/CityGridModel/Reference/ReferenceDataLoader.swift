import Foundation

extension ReferenceData {
    /// Rows between two progress reports for large files.
    public static let progressInterval = 500

    /// Loads and validates a reference-data directory (the layout of `Shared/reference-data`).
    ///
    /// Every file is read, every row checked, and all errors are collected before throwing, each
    /// naming file, line and field. Checks cover syntax (codes, numbers, dates, enumerations,
    /// geometries), uniqueness, code prefixes (grid → community → street → district), references
    /// between files, coverage (every sub-class has a filing condition and a responsibility rule),
    /// and geometry (components and gazetteer points inside grids, grid areas, overlaps).
    /// - Parameters:
    ///   - directory: the reference-data directory.
    ///   - progress: called with (file, rows done, rows total) every ``progressInterval`` rows of a
    ///     file and once when a file is done.
    /// - Throws: ``ReferenceDataErrors`` with every problem found.
    public static func load(from directory: URL, progress: ((String, Int, Int) -> Void)? = nil) throws -> ReferenceData {
        var loader = ReferenceDataLoader(directory: directory, progress: progress)
        let data = loader.run()
        guard loader.errors.isEmpty, let data else { throw ReferenceDataErrors(loader.sortedErrors) }
        return data
    }
}

/// The files of a reference-data directory in load order (calendar years sort with `calendar`).
private let fileOrder = ["VERSION", "city.csv", "calendar", "classes.csv", "departments.csv", "filing-conditions.csv", "stage-limits.csv",
                         "return-visit-policy.csv", "responsibility-rules.csv", "districts.csv", "streets.csv", "communities.csv", "grids.csv",
                         "components.csv", "gazetteer.csv", "labelled-reports.csv", "hotline-categories.csv", "class-terms.csv", "citizen-texts.csv"]

/// A parsed value with the line it came from, kept for cross-file checks.
private struct Located<Value> {
    var value: Value
    var line: Int
}

/// One CSV record with access by column name.
private struct Row {
    let file: String
    let line: Int
    let fields: [String]
    let columns: [String: Int]

    subscript(_ name: String) -> String { columns[name].map { fields[$0] } ?? "" }
}

/// The load procedure: phase 1 parses each file with per-row checks, phase 2 checks references
/// between files. Errors accumulate in `errors`.
private struct ReferenceDataLoader {
    let directory: URL
    let progress: ((String, Int, Int) -> Void)?
    var errors: [ReferenceDataError] = []

    /// `errors` ordered by file (load order), then line; errors of one line keep their order.
    var sortedErrors: [ReferenceDataError] {
        func rank(_ file: String) -> Int {
            fileOrder.firstIndex(of: file) ?? fileOrder.firstIndex { file.hasPrefix($0 + "/") } ?? fileOrder.count
        }
        return errors.enumerated()
            .sorted { a, b in
                (rank(a.element.file), a.element.file, a.element.line, a.offset) < (rank(b.element.file), b.element.file, b.element.line, b.offset)
            }
            .map(\.element)
    }

    init(directory: URL, progress: ((String, Int, Int) -> Void)?) {
        self.directory = directory
        self.progress = progress
    }

    // MARK: Driver

    mutating func run() -> ReferenceData? {
        let version = readVersion()
        let city = loadCity(version: version)
        let zone = city.flatMap { TimeZone(identifier: $0.value.timeZoneIdentifier) } ?? TimeZone(secondsFromGMT: 8 * 3600)!
        let calendar = loadCalendar(zone: zone)
        let classes = loadClasses()
        let departments = loadDepartments()
        let conditions = loadConditions()
        let stageLimits = loadStageLimits()
        let returnVisitPolicy = loadReturnVisitPolicy()
        let rules = loadRules()
        let districts = loadDistricts()
        let streets = loadStreets()
        let communities = loadCommunities()
        let grids = loadGrids()
        let components = loadComponents()
        let gazetteer = loadGazetteer()
        let reports = loadReports(zone: zone)
        let hotlineRows = loadHotlineCategories()
        let terms = loadClassTerms()
        let texts = loadCitizenTexts()

        let classKeys = Set(classes.map(\.value.key))
        let deptByCode = Dictionary(departments.map { ($0.value.code, $0.value) }, uniquingKeysWith: { a, _ in a })
        checkClassTree(classes, conditions: conditions, rules: rules)
        checkDepartments(departments, classKeys: classKeys, districts: Set(districts.map(\.value.code)))
        checkConditions(conditions, classes: classKeys, departments: deptByCode)
        checkRules(rules, classes: classKeys, departments: deptByCode)
        checkAreas(districts: districts, streets: streets, communities: communities, departments: deptByCode)
        let index = GridIndex(grids.map(\.value))
        checkGrids(grids, communities: Set(communities.map(\.value.code)), index: index)
        let gridByCode = Dictionary(grids.map { ($0.value.code, $0.value) }, uniquingKeysWith: { a, _ in a })
        checkComponents(components, classes: classKeys, departments: deptByCode, grids: gridByCode,
                        districts: Set(districts.map(\.value.code)))
        checkGazetteer(gazetteer, index: index, districts: Set(districts.map(\.value.code)))
        checkReports(reports, classes: classKeys, departments: deptByCode, grids: gridByCode,
                     components: Set(components.map(\.value.code)), index: index, calendar: calendar)
        checkHotlineCategories(hotlineRows, classes: classKeys, conditions: conditions.map(\.value),
                               trainingTexts: texts.filter { !$0.value.heldOut }.count)
        checkClassReferences("class-terms.csv", terms.map { ($0.value.classKey, $0.line) }, classes: classes.map(\.value))
        checkClassReferences("citizen-texts.csv", texts.map { ($0.value.classKey, $0.line) }, classes: classes.map(\.value))

        guard let version, let city, let calendar, let returnVisitPolicy else { return nil }
        return ReferenceData(
            version: version, city: city.value, classes: classes.map(\.value), filingConditions: conditions.map(\.value),
            stageLimits: stageLimits.map(\.value), returnVisitPolicy: returnVisitPolicy, departments: departments.map(\.value), responsibilityRules: rules.map(\.value),
            calendar: calendar, districts: districts.map(\.value), streets: streets.map(\.value), communities: communities.map(\.value),
            grids: grids.map(\.value), components: components.map(\.value), gazetteer: gazetteer.map(\.value),
            labelledReports: reports.map(\.value), hotlineCategories: hotlineRows.map(\.value), classTerms: terms.map(\.value),
            citizenTexts: texts.map(\.value))
    }

    // MARK: Reading helpers

    mutating func fail(_ file: String, _ line: Int, _ field: String?, _ message: String) {
        errors.append(ReferenceDataError(file: file, line: line, field: field, message: message))
    }

    mutating func fail(_ row: Row, _ field: String?, _ message: String) {
        fail(row.file, row.line, field, message)
    }

    /// Reads a CSV file, checks its header, and calls `body` per record.
    mutating func forEachRow(_ file: String, required: [String], optionalFile: Bool = false, _ body: (inout Self, Row) -> Void) {
        let url = directory.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url) else {
            if !optionalFile { fail(file, 0, nil, "file missing or unreadable") }
            return
        }
        guard let text = String(data: data, encoding: .utf8) else {
            fail(file, 0, nil, "not valid UTF-8")
            return
        }
        let (table, csvErrors) = CSVTable.parse(text, file: file)
        errors += csvErrors
        let missing = required.filter { table.column($0) == nil }
        for column in missing { fail(file, 1, column, "missing column") }
        guard missing.isEmpty else { return }
        var columns: [String: Int] = [:]
        for (i, name) in table.header.enumerated() where columns[name] == nil { columns[name] = i }
        let total = table.records.count
        for (i, record) in table.records.enumerated() {
            body(&self, Row(file: file, line: record.line, fields: record.fields, columns: columns))
            if (i + 1) % ReferenceData.progressInterval == 0 && i + 1 < total { progress?(file, i + 1, total) }
        }
        progress?(file, total, total)
    }

    mutating func required(_ row: Row, _ field: String) -> String? {
        let value = row[field]
        if value.isEmpty { fail(row, field, "required value is empty") }
        return value.isEmpty ? nil : value
    }

    mutating func digits(_ row: Row, _ field: String, count: Int, what: String) -> String? {
        let value = row[field]
        guard value.utf8.count == count, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            fail(row, field, "\(what) must be \(count) digits, found '\(value)'")
            return nil
        }
        return value
    }

    mutating func enumValue<T: RawRepresentable & CaseIterable>(_ row: Row, _ field: String, _ type: T.Type) -> T? where T.RawValue == String {
        if let value = T(rawValue: row[field]) { return value }
        fail(row, field, "'\(row[field])' is not one of " + T.allCases.map(\.rawValue).joined(separator: "|"))
        return nil
    }

    mutating func bool(_ row: Row, _ field: String) -> Bool? {
        switch row[field] {
        case "true": return true
        case "false": return false
        default:
            fail(row, field, "expected true or false, found '\(row[field])'")
            return nil
        }
    }

    mutating func number(_ row: Row, _ field: String) -> Double? {
        guard let value = Double(row[field]), value.isFinite else {
            fail(row, field, "expected a number, found '\(row[field])'")
            return nil
        }
        return value
    }

    mutating func date(_ row: Row, _ field: String) -> CivilDate? {
        guard let date = CivilDate(iso: row[field]) else {
            fail(row, field, "expected a date YYYY-MM-DD, found '\(row[field])'")
            return nil
        }
        return date
    }

    mutating func limit(_ row: Row, value valueField: String, unit unitField: String) -> TimeLimit? {
        let value = number(row, valueField)
        let unit = enumValue(row, unitField, TimeLimitUnit.self)
        if let value, value <= 0 { fail(row, valueField, "time limit must be positive, found \(value)") }
        guard let value, let unit, value > 0 else { return nil }
        return TimeLimit(value, unit)
    }

    mutating func point(_ row: Row) -> GeoPoint? {
        guard let lon = number(row, "lon"), let lat = number(row, "lat") else { return nil }
        let p = GeoPoint(lon: lon, lat: lat)
        guard p.isValid else {
            fail(row, "lon", "coordinate (\(lon), \(lat)) out of range")
            return nil
        }
        return p
    }

    mutating func source(_ row: Row) -> ReferenceSource? { enumValue(row, "source", ReferenceSource.self) }

    /// Records a duplicate key error; returns `true` if `key` was new.
    mutating func unique(_ seen: inout [String: Int], _ key: String, _ row: Row, _ field: String) -> Bool {
        if let first = seen[key] {
            fail(row, field, "duplicate '\(key)' (first defined on line \(first))")
            return false
        }
        seen[key] = row.line
        return true
    }

    // MARK: Phase 1: files

    mutating func readVersion() -> String? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("VERSION")),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
        else {
            fail("VERSION", 0, nil, "file missing or empty")
            return nil
        }
        return text
    }

    mutating func loadCity(version: String?) -> Located<CityInfo>? {
        var result: Located<CityInfo>?
        forEachRow("city.csv", required: ["city_code", "city_name", "time_zone", "data_version", "demo"]) { me, row in
            if result != nil {
                me.fail(row, nil, "city.csv must have exactly one row")
                return
            }
            let zone = row["time_zone"]
            if TimeZone(identifier: zone) == nil { me.fail(row, "time_zone", "unknown time zone '\(zone)'") }
            if let version, row["data_version"] != version {
                me.fail(row, "data_version", "'\(row["data_version"])' differs from VERSION '\(version)'")
            }
            guard let code = me.digits(row, "city_code", count: 6, what: "city code"), let name = me.required(row, "city_name"),
                  let demo = me.bool(row, "demo")
            else { return }
            result = Located(value: CityInfo(code: code, name: name, timeZoneIdentifier: zone, dataVersion: row["data_version"], isDemo: demo),
                             line: row.line)
        }
        if result == nil { fail("city.csv", 0, nil, "no city row") }
        return result
    }

    mutating func loadCalendar(zone: TimeZone) -> WorkingCalendar? {
        let schedule = loadWorkSchedule()
        let calendarDir = directory.appendingPathComponent("calendar")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: calendarDir.path)) ?? []).sorted()
        var official: [CalendarYear] = []
        for name in names where name.hasSuffix(".csv") && name != "work-periods.csv" {
            let stem = String(name.dropLast(4))
            let file = "calendar/" + name
            guard stem.count == 4, let year = Int(stem) else {
                fail(file, 0, nil, "calendar files are named <year>.csv")
                continue
            }
            guard let data = try? Data(contentsOf: calendarDir.appendingPathComponent(name)), let text = String(data: data, encoding: .utf8) else {
                fail(file, 0, nil, "file unreadable or not valid UTF-8")
                continue
            }
            switch OfficialYearFile.parse(text, file: file, expectedYear: year, timeZone: zone) {
            case .success(let calendarYear): official.append(calendarYear)
            case .failure(let problems): errors += problems.errors
            }
            progress?(file, 1, 1)
        }
        guard let schedule else { return nil }
        return WorkingCalendar.city(timeZone: zone, schedule: schedule, official: official)
    }

    /// `calendar/work-periods.csv`: `start,end` per period; rows with `season_from,season_to`
    /// (`MM-DD` every year, or `YYYY-MM-DD` once) form seasons that replace the standard rows.
    mutating func loadWorkSchedule() -> WorkSchedule? {
        let file = "calendar/work-periods.csv"
        var standard: [WorkPeriod] = []
        var seasonOrder: [WorkSchedule.Span] = []
        var seasonPeriods: [WorkSchedule.Span: [WorkPeriod]] = [:]
        forEachRow(file, required: ["start", "end"]) { me, row in
            guard let period = WorkPeriod(start: row["start"], end: row["end"]) else {
                me.fail(row, "start", "expected HH:mm times with start before end, found '\(row["start"])'–'\(row["end"])'")
                return
            }
            let fromText = row["season_from"], toText = row["season_to"]
            var span: WorkSchedule.Span?
            if !fromText.isEmpty || !toText.isEmpty {
                if let from = MonthDay(fromText), let to = MonthDay(toText) {
                    span = .recurring(from: from, to: to)
                } else if let from = CivilDate(iso: fromText), let to = CivilDate(iso: toText), from <= to {
                    span = .dated(from: from, to: to)
                } else {
                    me.fail(row, "season_from", "a season is MM-DD to MM-DD, or YYYY-MM-DD to a later YYYY-MM-DD; found '\(fromText)' to '\(toText)'")
                    return
                }
            }
            let existing = span.map { seasonPeriods[$0] ?? [] } ?? standard
            if let last = existing.last, period.start < last.end {
                me.fail(row, "start", "period \(period) overlaps or precedes \(last); list the periods of a season in order")
                return
            }
            if let span {
                if seasonPeriods[span] == nil { seasonOrder.append(span) }
                seasonPeriods[span, default: []].append(period)
            } else {
                standard.append(period)
            }
        }
        if standard.isEmpty { fail(file, 0, nil, "no standard work period (a row without season)") }
        let seasons = seasonOrder.map { WorkSchedule.Season(span: $0, periods: seasonPeriods[$0] ?? []) }
        // Two seasons of one kind on the same day would make the day's hours depend on row order.
        for (i, a) in seasons.enumerated() {
            for b in seasons[(i + 1)...] where a.span.overlaps(b.span) {
                fail(file, 0, "season_from", "seasons \(a.span) and \(b.span) overlap")
            }
        }
        guard !standard.isEmpty else { return nil }
        return WorkSchedule(standard: standard, seasons: seasons)
    }

    mutating func loadClasses() -> [Located<CaseClass>] {
        var result: [Located<CaseClass>] = []
        var seen: [String: Int] = [:]
        let columns = ["kind", "major_code", "sub_code", "third_code", "name_zh", "name_en", "parent_code", "local_extension", "source"]
        forEachRow("classes.csv", required: columns) { me, row in
            guard let kind = me.enumValue(row, "kind", ClassKind.self),
                  let major = me.digits(row, "major_code", count: 2, what: "major code") else { return }
            let sub = row["sub_code"], third = row["third_code"]
            if !sub.isEmpty {
                guard me.digits(row, "sub_code", count: 4, what: "sub-class code") != nil else { return }
                guard sub.hasPrefix(major) else { return me.fail(row, "sub_code", "'\(sub)' does not start with major code \(major)") }
            }
            if !third.isEmpty {
                guard !sub.isEmpty else { return me.fail(row, "third_code", "a third-level code needs a sub_code") }
                guard me.digits(row, "third_code", count: 6, what: "third-level code") != nil else { return }
                guard third.hasPrefix(sub) else { return me.fail(row, "third_code", "'\(third)' does not start with sub-class code \(sub)") }
            }
            let code = !third.isEmpty ? third : (!sub.isEmpty ? sub : major)
            let expectedParent = ClassKey(kind, code).parent?.code ?? ""
            if row["parent_code"] != expectedParent {
                me.fail(row, "parent_code", "expected '\(expectedParent)' for class \(code), found '\(row["parent_code"])'")
            }
            guard me.unique(&seen, "\(kind.rawValue):\(code)", row, third.isEmpty ? (sub.isEmpty ? "major_code" : "sub_code") : "third_code"),
                  let nameZh = me.required(row, "name_zh"), let nameEn = me.required(row, "name_en"),
                  let local = me.bool(row, "local_extension"), let source = me.source(row)
            else { return }
            result.append(Located(value: CaseClass(kind: kind, code: code, nameZh: nameZh, nameEn: nameEn, isLocalExtension: local, source: source),
                                  line: row.line))
        }
        return result
    }

    mutating func loadConditions() -> [Located<FilingCondition>] {
        var result: [Located<FilingCondition>] = []
        var seen: [String: Int] = [:]
        let columns = ["kind", "condition_id", "class_code", "description", "limit_a", "unit_a", "limit_b", "unit_b", "limit_c", "unit_c",
                       "closing_condition", "responsible_hint", "source"]
        forEachRow("filing-conditions.csv", required: columns) { me, row in
            guard let kind = me.enumValue(row, "kind", ClassKind.self) else { return }
            let code = row["class_code"]
            guard ClassKey.isValidCode(code), code.count >= 4 else {
                return me.fail(row, "class_code", "expected a 4- or 6-digit class code, found '\(code)'")
            }
            let id = row["condition_id"]
            let suffix = id.hasPrefix(code + "-") ? id.dropFirst(code.count + 1) : ""
            guard suffix.count == 2, suffix.allSatisfy(\.isASCII), Int(suffix) != nil else {
                return me.fail(row, "condition_id", "expected '\(code)-NN', found '\(id)'")
            }
            let a = me.limit(row, value: "limit_a", unit: "unit_a"), b = me.limit(row, value: "limit_b", unit: "unit_b")
            let c = me.limit(row, value: "limit_c", unit: "unit_c")
            guard me.unique(&seen, "\(kind.rawValue):\(id)", row, "condition_id"), let a, let b, let c,
                  let description = me.required(row, "description"), let closing = me.required(row, "closing_condition"),
                  let hint = me.required(row, "responsible_hint"), let source = me.source(row)
            else { return }
            result.append(Located(value: FilingCondition(id: id, kind: kind, classCode: code, description: description, limitA: a, limitB: b,
                                                         limitC: c, closingCondition: closing, responsibleHint: ResponsibleHint(parsing: hint),
                                                         source: source),
                                  line: row.line))
        }
        return result
    }

    mutating func loadStageLimits() -> [Located<StageLimit>] {
        var result: [Located<StageLimit>] = []
        var seen: [String: Int] = [:]
        forEachRow("stage-limits.csv", required: ["stage", "limit", "unit", "description", "source"]) { me, row in
            guard let stage = me.enumValue(row, "stage", TimedStage.self), me.unique(&seen, stage.rawValue, row, "stage"),
                  let limit = me.limit(row, value: "limit", unit: "unit"), let source = me.source(row)
            else { return }
            result.append(Located(value: StageLimit(stage: stage, limit: limit, description: row["description"], source: source), line: row.line))
        }
        for stage in TimedStage.allCases where seen[stage.rawValue] == nil {
            fail("stage-limits.csv", 0, "stage", "no limit for stage '\(stage.rawValue)'")
        }
        return result
    }

    /// `return-visit-policy.csv`: one `key` per row, each required once; `value` (and `unit` for
    /// the handling limit) as the key needs.
    mutating func loadReturnVisitPolicy() -> ReturnVisitPolicy? {
        let file = "return-visit-policy.csv"
        var seen: [String: Int] = [:]
        var version: String?
        var verdicts: Set<ReturnVisitVerdict>?
        var maxReopenings: Int?
        var handlingLimit: TimeLimit??
        forEachRow(file, required: ["key", "value", "unit", "description", "source"]) { me, row in
            let key = row["key"]
            guard me.unique(&seen, key, row, "key"), me.source(row) != nil else { return }
            switch key {
            case "version":
                version = me.required(row, "value")
            case "reopen_verdicts":
                var found: Set<ReturnVisitVerdict> = []
                for name in row["value"].split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    guard let verdict = ReturnVisitVerdict(rawValue: name) else {
                        me.fail(row, "value", "'\(name)' is not one of " + ReturnVisitVerdict.allCases.map(\.rawValue).joined(separator: "|"))
                        return
                    }
                    found.insert(verdict)
                }
                verdicts = found
            case "max_reopenings":
                guard let count = Int(row["value"]), count >= 0 else {
                    me.fail(row, "value", "expected a whole number ≥ 0, found '\(row["value"])'")
                    return
                }
                maxReopenings = count
            case "handling_limit":
                // Empty: the filing condition's limit for the area class.
                if row["value"].isEmpty && row["unit"].isEmpty {
                    handlingLimit = .some(nil)
                } else if let limit = me.limit(row, value: "value", unit: "unit") {
                    handlingLimit = .some(limit)
                }
            default:
                me.fail(row, "key", "unknown key '\(key)' (version, reopen_verdicts, max_reopenings, handling_limit)")
            }
        }
        for key in ["version", "reopen_verdicts", "max_reopenings", "handling_limit"] where seen[key] == nil {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) {
                fail(file, 0, "key", "no row for '\(key)'")
            }
        }
        guard let version, let verdicts, let maxReopenings, let handlingLimit else { return nil }
        return ReturnVisitPolicy(version: version, reopeningVerdicts: verdicts, maxReopenings: maxReopenings, handlingLimit: handlingLimit)
    }

    mutating func loadDepartments() -> [Located<Department>] {
        var result: [Located<Department>] = []
        var seen: [String: Int] = [:]
        forEachRow("departments.csv", required: ["code", "name", "kind", "district_code", "responsibilities", "source"]) { me, row in
            let code = row["code"]
            guard Department.isValidCode(code) else {
                return me.fail(row, "code", "department codes are 2–32 characters A–Z, 0–9 and '-', found '\(code)'")
            }
            guard me.unique(&seen, code, row, "code"), let name = me.required(row, "name"),
                  let kind = me.enumValue(row, "kind", DepartmentKind.self), let source = me.source(row)
            else { return }
            var district: String?
            if !row["district_code"].isEmpty {
                district = me.digits(row, "district_code", count: 6, what: "district code")
            } else if kind == .streetOffice || kind == .districtGovernment {
                me.fail(row, "district_code", "a \(kind.rawValue) needs its district code")
            }
            var keys: [ClassKey] = []
            for item in row["responsibilities"].split(separator: ";") {
                if let key = ClassKey(parsing: String(item)) {
                    keys.append(key)
                } else {
                    me.fail(row, "responsibilities", "'\(item)' is not kind:code (e.g. event:0504)")
                }
            }
            result.append(Located(value: Department(code: code, name: name, kind: kind, districtCode: district, responsibilities: keys,
                                                    source: source),
                                  line: row.line))
        }
        return result
    }

    mutating func loadRules() -> [Located<ResponsibilityRule>] {
        var result: [Located<ResponsibilityRule>] = []
        var seen: [String: Int] = [:]
        let columns = ["kind", "class_code", "rule_order", "sector_department", "street_first", "note"]
        forEachRow("responsibility-rules.csv", required: columns) { me, row in
            guard let kind = me.enumValue(row, "kind", ClassKind.self) else { return }
            let code = row["class_code"]
            guard ClassKey.isValidCode(code) else { return me.fail(row, "class_code", "expected a 2-, 4- or 6-digit class code, found '\(code)'") }
            guard me.unique(&seen, "\(kind.rawValue):\(code)", row, "class_code"),
                  let order = me.enumValue(row, "rule_order", RuleOrder.self), let streetFirst = me.bool(row, "street_first")
            else { return }
            let expected: RuleOrder = kind == .component ? .ownerThenTerritory : .territoryThenOwner
            if order != expected {
                me.fail(row, "rule_order", "\(kind.rawValue) rules follow \(expected.rawValue) (部件先属主后属地, 事件先属地后属主)")
            }
            let sector = row["sector_department"]
            result.append(Located(value: ResponsibilityRule(kind: kind, classCode: code, order: order,
                                                            sectorDepartment: sector.isEmpty ? nil : sector,
                                                            streetFirst: streetFirst, note: row["note"]),
                                  line: row.line))
        }
        return result
    }

    mutating func loadDistricts() -> [Located<District>] {
        var result: [Located<District>] = []
        var seen: [String: Int] = [:]
        forEachRow("districts.csv", required: ["code", "name", "name_en", "government_department", "source"]) { me, row in
            guard let code = me.digits(row, "code", count: 6, what: "district code"), me.unique(&seen, code, row, "code"),
                  let name = me.required(row, "name"), let gov = me.required(row, "government_department"), let source = me.source(row)
            else { return }
            result.append(Located(value: District(code: code, name: name, nameEn: row["name_en"], governmentDepartment: gov, source: source),
                                  line: row.line))
        }
        return result
    }

    mutating func loadStreets() -> [Located<Street>] {
        var result: [Located<Street>] = []
        var seen: [String: Int] = [:]
        forEachRow("streets.csv", required: ["code", "district_code", "name", "office_department", "source"]) { me, row in
            guard let code = me.digits(row, "code", count: 9, what: "street code"), me.unique(&seen, code, row, "code"),
                  let district = me.digits(row, "district_code", count: 6, what: "district code"),
                  let name = me.required(row, "name"), let office = me.required(row, "office_department"), let source = me.source(row)
            else { return }
            if !code.hasPrefix(district) { me.fail(row, "code", "street \(code) does not start with its district code \(district)") }
            result.append(Located(value: Street(code: code, districtCode: district, name: name, officeDepartment: office, source: source),
                                  line: row.line))
        }
        return result
    }

    mutating func loadCommunities() -> [Located<Community>] {
        var result: [Located<Community>] = []
        var seen: [String: Int] = [:]
        forEachRow("communities.csv", required: ["code", "street_code", "name", "source"]) { me, row in
            guard let code = me.digits(row, "code", count: 12, what: "community code"), me.unique(&seen, code, row, "code"),
                  let street = me.digits(row, "street_code", count: 9, what: "street code"),
                  let name = me.required(row, "name"), let source = me.source(row)
            else { return }
            if !code.hasPrefix(street) { me.fail(row, "code", "community \(code) does not start with its street code \(street)") }
            result.append(Located(value: Community(code: code, streetCode: street, name: name, source: source), line: row.line))
        }
        return result
    }

    mutating func loadGrids() -> [Located<UnitGrid>] {
        var result: [Located<UnitGrid>] = []
        var seen: [String: Int] = [:]
        let columns = ["code", "community_code", "area_class", "land_use", "area_m2", "valid_from", "valid_to", "replaced_by", "polygon", "source"]
        forEachRow("grids.csv", required: columns) { me, row in
            guard let code = me.digits(row, "code", count: 15, what: "grid code"), me.unique(&seen, code, row, "code"),
                  let community = me.digits(row, "community_code", count: 12, what: "community code") else { return }
            if !code.hasPrefix(community) { me.fail(row, "code", "grid \(code) does not start with its community code \(community)") }
            var polygon: GeoPolygon?
            do throws(GeometryError) {
                polygon = try GeoPolygon(wkt: row["polygon"])
            } catch {
                me.fail(row, "polygon", error.message)
            }
            let areaClass = me.enumValue(row, "area_class", AreaClass.self), landUse = me.required(row, "land_use")
            let area = me.number(row, "area_m2"), from = me.date(row, "valid_from"), source = me.source(row)
            guard let polygon, let areaClass, let landUse, let area, let from, let source else { return }
            let computed = polygon.areaSquareMetres
            if abs(area - computed) > max(1, computed * 0.01) {
                me.fail(row, "area_m2", "recorded \(area) m² but the polygon measures \(Int(computed.rounded())) m²")
            }
            var to: CivilDate?
            if !row["valid_to"].isEmpty {
                to = me.date(row, "valid_to")
                if let t = to, t <= from { me.fail(row, "valid_to", "\(t) is not after valid_from \(from)") }
            }
            let replacedBy = row["replaced_by"].split(separator: ";").map(String.init)
            if !replacedBy.isEmpty && to == nil { me.fail(row, "replaced_by", "a grid with successors needs a valid_to date") }
            result.append(Located(value: UnitGrid(code: code, communityCode: community, areaClass: areaClass, landUse: landUse,
                                                  areaSquareMetres: area, validFrom: from, validTo: to, replacedBy: replacedBy, polygon: polygon,
                                                  source: source),
                                  line: row.line))
        }
        return result
    }

    mutating func loadComponents() -> [Located<ComponentRecord>] {
        var result: [Located<ComponentRecord>] = []
        var seen: [String: Int] = [:]
        let columns = ["code", "class_code", "name", "owner_department", "manager_department", "maintainer", "grid_code", "lon", "lat", "state",
                       "source"]
        forEachRow("components.csv", required: columns) { me, row in
            guard let code = me.digits(row, "code", count: 16, what: "component code"), me.unique(&seen, code, row, "code"),
                  let classCode = me.digits(row, "class_code", count: 4, what: "component class code") else { return }
            let embedded = String(code.dropFirst(6).prefix(4))
            if embedded != classCode { me.fail(row, "class_code", "\(classCode) differs from the class \(embedded) in code \(code)") }
            guard let grid = me.digits(row, "grid_code", count: 15, what: "grid code"), let location = me.point(row),
                  let state = me.enumValue(row, "state", ComponentState.self), let name = me.required(row, "name"), let source = me.source(row)
            else { return }
            let owner = row["owner_department"], manager = row["manager_department"]
            result.append(Located(value: ComponentRecord(code: code, classCode: classCode, name: name, ownerDepartment: owner.isEmpty ? nil : owner,
                                                         managerDepartment: manager.isEmpty ? nil : manager, maintainer: row["maintainer"],
                                                         gridCode: grid, location: location, state: state, source: source),
                                  line: row.line))
        }
        return result
    }

    mutating func loadGazetteer() -> [Located<GazetteerEntry>] {
        var result: [Located<GazetteerEntry>] = []
        var seen: [String: Int] = [:]
        let columns = ["id", "kind", "name", "road", "house_number", "district_code", "lon", "lat", "line", "historical_names", "source"]
        forEachRow("gazetteer.csv", required: columns) { me, row in
            guard let id = me.required(row, "id"), me.unique(&seen, id, row, "id"), let kind = me.enumValue(row, "kind", GazetteerKind.self),
                  let name = me.required(row, "name"), let district = me.digits(row, "district_code", count: 6, what: "district code"),
                  let location = me.point(row), let source = me.source(row)
            else { return }
            if kind == .houseNumber && (row["road"].isEmpty || row["house_number"].isEmpty) {
                me.fail(row, row["road"].isEmpty ? "road" : "house_number", "a house_number entry needs road and house_number")
            }
            var line: GeoLine?
            if !row["line"].isEmpty {
                do throws(GeometryError) {
                    line = try GeoLine(wkt: row["line"])
                } catch {
                    me.fail(row, "line", error.message)
                }
            }
            let history = row["historical_names"].split(separator: ";").map(String.init)
            result.append(Located(value: GazetteerEntry(id: id, kind: kind, name: name, road: row["road"].isEmpty ? nil : row["road"],
                                                        houseNumber: row["house_number"].isEmpty ? nil : row["house_number"],
                                                        districtCode: district, location: location, line: line, historicalNames: history,
                                                        source: source),
                                  line: row.line))
        }
        return result
    }

    mutating func loadReports(zone: TimeZone) -> [Located<LabelledReport>] {
        var result: [Located<LabelledReport>] = []
        var seen: [String: Int] = [:]
        let columns = ["report_id", "reported_at", "channel", "address", "lon", "lat", "kind", "class_code", "component_code", "description",
                       "expected_grid", "expected_department", "case_type", "source"]
        forEachRow("labelled-reports.csv", required: columns, optionalFile: true) { me, row in
            guard let id = me.required(row, "report_id"), me.unique(&seen, id, row, "report_id") else { return }
            guard let reportedAt = parseTimestamp(row["reported_at"]) else {
                return me.fail(row, "reported_at", "expected an RFC 3339 timestamp with offset, found '\(row["reported_at"])'")
            }
            var location: GeoPoint?
            if !row["lon"].isEmpty || !row["lat"].isEmpty {
                guard let p = me.point(row) else { return }
                location = p
            }
            guard let kind = me.enumValue(row, "kind", ClassKind.self), let channel = me.required(row, "channel"),
                  let department = me.required(row, "expected_department"), let caseType = me.required(row, "case_type"),
                  let source = me.source(row)
            else { return }
            let code = row["class_code"]
            guard ClassKey.isValidCode(code), code.count >= 4 else {
                return me.fail(row, "class_code", "expected a 4- or 6-digit class code, found '\(code)'")
            }
            func optional(_ s: String) -> String? { s.isEmpty ? nil : s }
            result.append(Located(value: LabelledReport(id: id, reportedAt: reportedAt, channel: channel, address: optional(row["address"]),
                                                        location: location, classKey: ClassKey(kind, code),
                                                        componentCode: optional(row["component_code"]), description: row["description"],
                                                        expectedGrid: optional(row["expected_grid"]),
                                                        expectedDepartment: department == "manual" ? nil : department, caseType: caseType,
                                                        source: source),
                                  line: row.line))
        }
        return result
    }

    /// `hotline-categories.csv` (optional): the hotline's category tree by version, and what each
    /// category means here. Per-row checks; references to classes and parents are phase 2.
    mutating func loadHotlineCategories() -> [Located<HotlineCategoryRow>] {
        var result: [Located<HotlineCategoryRow>] = []
        var seen: [String: Int] = [:]
        let columns = ["version", "code", "name", "disposition", "kind", "class_code", "condition_id", "competent_body", "note", "source"]
        forEachRow("hotline-categories.csv", required: columns, optionalFile: true) { me, row in
            let version = row["version"], code = row["code"]
            guard TableVersion(version) != nil else {
                return me.fail(row, "version", "expected a version like 2026.1 (numbers separated by dots), found '\(version)'")
            }
            guard HotlineCategoryRow.isValidCode(code) else {
                return me.fail(row, "code", "expected 2, 4, 6 or 8 digits (two per level), found '\(code)'")
            }
            guard me.unique(&seen, "\(version)|\(code)", row, "code"), let name = me.required(row, "name"),
                  let disposition = me.enumValue(row, "disposition", HotlineCategoryDisposition.self), let source = me.source(row)
            else { return }
            func optional(_ field: String) -> String? { row[field].isEmpty ? nil : row[field] }
            var key: ClassKey?
            switch disposition {
            case .mapped:
                guard let kind = me.enumValue(row, "kind", ClassKind.self) else { return }
                let classCode = row["class_code"]
                guard ClassKey.isValidCode(classCode), classCode.count >= 4 else {
                    return me.fail(row, "class_code", "a mapped category needs a 4- or 6-digit class code, found '\(classCode)'")
                }
                key = ClassKey(kind, classCode)
                if optional("competent_body") != nil { me.fail(row, "competent_body", "only a not_ours category names a competent body") }
            case .notOurs:
                if optional("competent_body") == nil { me.fail(row, "competent_body", "a not_ours category names who handles it instead") }
                for field in ["kind", "class_code", "condition_id"] where optional(field) != nil {
                    me.fail(row, field, "a not_ours category maps to no class")
                }
            case .acceptor, .retired:
                for field in ["kind", "class_code", "condition_id", "competent_body"] where optional(field) != nil {
                    me.fail(row, field, "a category marked \(disposition.rawValue) maps to nothing")
                }
            }
            result.append(Located(value: HotlineCategoryRow(version: version, code: code, name: name, disposition: disposition, classKey: key,
                                                            conditionId: disposition == .mapped ? optional("condition_id") : nil,
                                                            competentBody: disposition == .notOurs ? optional("competent_body") : nil,
                                                            note: row["note"], source: source),
                                  line: row.line))
        }
        return result
    }

    /// `class-terms.csv` (optional): term, class, positive weight.
    mutating func loadClassTerms() -> [Located<ClassTerm>] {
        var result: [Located<ClassTerm>] = []
        var seen: [String: Int] = [:]
        forEachRow("class-terms.csv", required: ["term", "kind", "class_code", "weight", "source"], optionalFile: true) { me, row in
            guard let term = me.required(row, "term"), let kind = me.enumValue(row, "kind", ClassKind.self),
                  let weight = me.number(row, "weight"), let source = me.source(row)
            else { return }
            let code = row["class_code"]
            guard ClassKey.isValidCode(code), code.count >= 4 else {
                return me.fail(row, "class_code", "expected a 4- or 6-digit class code, found '\(code)'")
            }
            guard weight > 0 else { return me.fail(row, "weight", "a term's weight must be positive, found \(weight)") }
            guard SuggestionText.normalisedString(term, foldDigits: false).count >= 1 else {
                return me.fail(row, "term", "'\(term)' has no letters or characters left after punctuation is removed")
            }
            guard me.unique(&seen, "\(term)|\(kind.rawValue):\(code)", row, "term") else { return }
            result.append(Located(value: ClassTerm(term: term, classKey: ClassKey(kind, code), weight: weight, source: source), line: row.line))
        }
        return result
    }

    /// `citizen-texts.csv` (optional): labelled citizen texts, some held out of training.
    mutating func loadCitizenTexts() -> [Located<LabelledCitizenText>] {
        var result: [Located<LabelledCitizenText>] = []
        var seen: [String: Int] = [:]
        let columns = ["text_id", "version", "kind", "class_code", "held_out", "text", "source"]
        forEachRow("citizen-texts.csv", required: columns, optionalFile: true) { me, row in
            guard let id = me.required(row, "text_id"), me.unique(&seen, id, row, "text_id") else { return }
            guard TableVersion(row["version"]) != nil else {
                return me.fail(row, "version", "expected a version like 2026.1, found '\(row["version"])'")
            }
            guard let kind = me.enumValue(row, "kind", ClassKind.self), let heldOut = me.bool(row, "held_out"),
                  let text = me.required(row, "text"), let source = me.source(row)
            else { return }
            let code = row["class_code"]
            guard ClassKey.isValidCode(code), code.count >= 4 else {
                return me.fail(row, "class_code", "expected a 4- or 6-digit class code, found '\(code)'")
            }
            result.append(Located(value: LabelledCitizenText(id: id, version: row["version"], classKey: ClassKey(kind, code), heldOut: heldOut,
                                                             text: text, source: source),
                                  line: row.line))
        }
        return result
    }

    // MARK: Phase 2: references between files

    mutating func checkClassTree(_ classes: [Located<CaseClass>], conditions: [Located<FilingCondition>], rules: [Located<ResponsibilityRule>]) {
        let keys = Set(classes.map(\.value.key))
        let withConditions = Set(conditions.map(\.value.classKey))
        let resolver = ResponsibilityResolver(rules: rules.map(\.value), departmentCodes: [])
        for item in classes {
            let c = item.value
            if let parent = c.key.parent, !keys.contains(parent) {
                fail("classes.csv", item.line, "parent_code", "parent \(parent) is not defined")
            }
            let field = c.level == 3 ? "third_code" : "sub_code"
            if c.level == 2 && !withConditions.contains(c.key) {
                fail("classes.csv", item.line, field, "sub-class \(c.key) has no filing condition in filing-conditions.csv")
            }
            if c.level >= 2 && resolver.rule(for: c.key) == nil {
                fail("classes.csv", item.line, field, "class \(c.key) has no responsibility rule (nor has its major)")
            }
        }
    }

    mutating func checkDepartments(_ departments: [Located<Department>], classKeys: Set<ClassKey>, districts: Set<String>) {
        for item in departments {
            let d = item.value
            if let district = d.districtCode, !districts.contains(district) {
                fail("departments.csv", item.line, "district_code", "unknown district \(district)")
            }
            for key in d.responsibilities where !classKeys.contains(key) {
                fail("departments.csv", item.line, "responsibilities", "unknown class \(key)")
            }
        }
    }

    mutating func checkConditions(_ conditions: [Located<FilingCondition>], classes: Set<ClassKey>, departments: [String: Department]) {
        for item in conditions {
            let c = item.value
            if !classes.contains(c.classKey) { fail("filing-conditions.csv", item.line, "class_code", "unknown class \(c.classKey)") }
            if case .department(let code) = c.responsibleHint, departments[code] == nil {
                fail("filing-conditions.csv", item.line, "responsible_hint", "unknown department \(code) (or use owner, territory, DISTRICT)")
            }
        }
    }

    mutating func checkRules(_ rules: [Located<ResponsibilityRule>], classes: Set<ClassKey>, departments: [String: Department]) {
        for item in rules {
            let r = item.value
            if !classes.contains(r.classKey) { fail("responsibility-rules.csv", item.line, "class_code", "unknown class \(r.classKey)") }
            if let sector = r.sectorDepartment, sector != ResponsibilityRule.districtGovernmentToken, departments[sector] == nil {
                fail("responsibility-rules.csv", item.line, "sector_department", "unknown department \(sector)")
            }
        }
    }

    mutating func checkAreas(districts: [Located<District>], streets: [Located<Street>], communities: [Located<Community>],
                             departments: [String: Department]) {
        let districtCodes = Set(districts.map(\.value.code)), streetCodes = Set(streets.map(\.value.code))
        for item in districts {
            let gov = item.value.governmentDepartment
            if let d = departments[gov] {
                if d.kind != .districtGovernment || d.districtCode != item.value.code {
                    fail("districts.csv", item.line, "government_department", "\(gov) is not the district government of \(item.value.code)")
                }
            } else {
                fail("districts.csv", item.line, "government_department", "unknown department \(gov)")
            }
        }
        for item in streets {
            if !districtCodes.contains(item.value.districtCode) {
                fail("streets.csv", item.line, "district_code", "unknown district \(item.value.districtCode)")
            }
            let office = item.value.officeDepartment
            if let d = departments[office] {
                if d.kind != .streetOffice {
                    fail("streets.csv", item.line, "office_department", "\(office) is a \(d.kind.rawValue), not a street_office")
                }
            } else {
                fail("streets.csv", item.line, "office_department", "unknown department \(office)")
            }
        }
        for item in communities where !streetCodes.contains(item.value.streetCode) {
            fail("communities.csv", item.line, "street_code", "unknown street \(item.value.streetCode)")
        }
    }

    mutating func checkGrids(_ grids: [Located<UnitGrid>], communities: Set<String>, index: GridIndex) {
        let byCode = Dictionary(grids.map { ($0.value.code, $0.value) }, uniquingKeysWith: { a, _ in a })
        for item in grids {
            let g = item.value
            if !communities.contains(g.communityCode) { fail("grids.csv", item.line, "community_code", "unknown community \(g.communityCode)") }
            for successor in g.replacedBy {
                guard let next = byCode[successor] else {
                    fail("grids.csv", item.line, "replaced_by", "unknown grid \(successor)")
                    continue
                }
                if let end = g.validTo, next.validFrom != end {
                    fail("grids.csv", item.line, "replaced_by", "successor \(successor) starts \(next.validFrom), not on valid_to \(end)")
                }
            }
            // Overlap check: no other grid valid in an overlapping period contains this grid's centroid.
            let c = g.polygon.centroid
            for other in index.grids(containing: c, on: g.validFrom) where other.code != g.code {
                fail("grids.csv", item.line, "polygon", "overlaps grid \(other.code) (valid \(other.validFrom)…)")
            }
        }
    }

    mutating func checkComponents(_ components: [Located<ComponentRecord>], classes: Set<ClassKey>, departments: [String: Department],
                                  grids: [String: UnitGrid], districts: Set<String>) {
        for item in components {
            let c = item.value
            if !districts.contains(c.districtCode) {
                fail("components.csv", item.line, "code", "unknown district \(c.districtCode) in code \(c.code)")
            }
            if !classes.contains(c.classKey) { fail("components.csv", item.line, "class_code", "unknown component class \(c.classCode)") }
            if let owner = c.ownerDepartment, departments[owner] == nil {
                fail("components.csv", item.line, "owner_department", "unknown department \(owner)")
            }
            if let manager = c.managerDepartment, departments[manager] == nil {
                fail("components.csv", item.line, "manager_department", "unknown department \(manager)")
            }
            guard let grid = grids[c.gridCode] else {
                fail("components.csv", item.line, "grid_code", "unknown grid \(c.gridCode)")
                continue
            }
            if grid.districtCode != c.districtCode {
                fail("components.csv", item.line, "grid_code",
                     "grid \(grid.code) is in district \(grid.districtCode), the code says \(c.districtCode)")
            } else if !grid.polygon.contains(c.location) {
                fail("components.csv", item.line, "lon", "point \(c.location) is not inside grid \(grid.code)")
            }
        }
    }

    mutating func checkGazetteer(_ entries: [Located<GazetteerEntry>], index: GridIndex, districts: Set<String>) {
        let roads = Set(entries.filter { $0.value.kind == .road }.map(\.value.name))
        for item in entries {
            let e = item.value
            if !districts.contains(e.districtCode) { fail("gazetteer.csv", item.line, "district_code", "unknown district \(e.districtCode)") }
            if let road = e.road, !roads.contains(road) { fail("gazetteer.csv", item.line, "road", "no road entry named \(road)") }
            if index.grid(containing: e.location) == nil {
                fail("gazetteer.csv", item.line, "lon", "point \(e.location) is not inside any unit grid")
            }
        }
    }

    mutating func checkReports(_ reports: [Located<LabelledReport>], classes: Set<ClassKey>, departments: [String: Department],
                               grids: [String: UnitGrid], components: Set<String>, index: GridIndex, calendar: WorkingCalendar?) {
        for item in reports {
            let r = item.value
            if !classes.contains(r.classKey) || r.classKey.level < 2 {
                fail("labelled-reports.csv", item.line, "class_code", "unknown sub-class \(r.classKey)")
            }
            if let code = r.componentCode, !components.contains(code) {
                fail("labelled-reports.csv", item.line, "component_code", "unknown component \(code)")
            }
            if let dept = r.expectedDepartment, departments[dept] == nil {
                fail("labelled-reports.csv", item.line, "expected_department", "unknown department \(dept) (or 'manual')")
            }
            guard let code = r.expectedGrid else { continue }
            guard grids[code] != nil else {
                fail("labelled-reports.csv", item.line, "expected_grid", "unknown grid \(code)")
                continue
            }
            if let p = r.location, let calendar {
                let date = calendar.civilDate(of: r.reportedAt)
                let found = index.grid(containing: p, on: date)?.code
                if found != code {
                    fail("labelled-reports.csv", item.line, "expected_grid", "point \(p) lies in grid \(found ?? "none") on \(date), not \(code)")
                }
            }
        }
    }

    /// Mapped categories name a sub-class (or third level) and a condition of it; every code's
    /// parent is in the table no later than the code; and a table that can leave a ticket without
    /// a class comes with training texts, which give such a ticket its provisional class.
    mutating func checkHotlineCategories(_ rows: [Located<HotlineCategoryRow>], classes: Set<ClassKey>, conditions: [FilingCondition],
                                         trainingTexts: Int) {
        let file = "hotline-categories.csv"
        var firstVersion: [String: TableVersion] = [:]
        for item in rows {
            guard let v = TableVersion(item.value.version) else { continue }
            if firstVersion[item.value.code].map({ v < $0 }) ?? true { firstVersion[item.value.code] = v }
        }
        for item in rows {
            let row = item.value
            if let parent = row.parentCode, let v = TableVersion(row.version) {
                if let since = firstVersion[parent] {
                    if since > v { fail(file, item.line, "code", "parent \(parent) first appears in version \(since), after \(row.version)") }
                } else {
                    fail(file, item.line, "code", "parent \(parent) is not in the table")
                }
            }
            guard let key = row.classKey else { continue }
            guard classes.contains(key), key.level >= 2 else {
                fail(file, item.line, "class_code", "unknown sub-class \(key)")
                continue
            }
            guard let conditionId = row.conditionId else { continue }
            let own = conditions.filter { $0.classKey == key }
            let applicable = own.isEmpty && key.level == 3 ? conditions.filter { $0.classKey == key.parent } : own
            if !applicable.contains(where: { $0.id == conditionId }) {
                fail(file, item.line, "condition_id", "\(key.kind.rawValue) filing condition \(conditionId) does not belong to class \(key.code)")
            }
        }
        if !rows.isEmpty && trainingTexts == 0 {
            fail(file, 0, nil, "a category table needs training texts in citizen-texts.csv: a ticket whose category maps to no class "
                    + "gets its provisional class from them")
        }
    }

    /// Every class a row names is a sub-class or third-level class of `classes.csv`.
    mutating func checkClassReferences(_ file: String, _ keys: [(ClassKey, Int)], classes: [CaseClass]) {
        let known = Set(classes.filter { $0.level >= 2 }.map(\.key))
        for (key, line) in keys where !known.contains(key) { fail(file, line, "class_code", "unknown sub-class \(key)") }
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
private func parseTimestamp(_ text: String) -> Date? {
    let chars = Array(text.utf8)
    guard chars.count >= 20, chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: " "),
          let date = CivilDate(iso: String(decoding: chars[0..<10], as: UTF8.self))
    else { return nil }
    func int(_ range: Range<Int>) -> Int? {
        guard range.upperBound <= chars.count else { return nil }
        return Int(String(decoding: chars[range], as: UTF8.self))
    }
    guard chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
          let h = int(11..<13), let m = int(14..<16), let s = int(17..<19), h < 24, m < 60, s < 61
    else { return nil }
    var i = 19
    var fraction = 0.0
    if i < chars.count, chars[i] == UInt8(ascii: ".") {
        var j = i + 1
        while j < chars.count, chars[j] >= 48, chars[j] <= 57 { j += 1 }
        guard j > i + 1 else { return nil }
        fraction = Double("0." + String(decoding: chars[(i + 1)..<j], as: UTF8.self)) ?? 0
        i = j
    }
    var offset = 0
    if i < chars.count, chars[i] == UInt8(ascii: "Z") || chars[i] == UInt8(ascii: "z") {
        i += 1
    } else if i + 6 == chars.count, chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-"), chars[i + 3] == UInt8(ascii: ":"),
              let oh = int((i + 1)..<(i + 3)), let om = int((i + 4)..<(i + 6)) {
        offset = (oh * 3600 + om * 60) * (chars[i] == UInt8(ascii: "-") ? -1 : 1)
        i += 6
    } else {
        return nil
    }
    guard i == chars.count else { return nil }
    let seconds = Double(date.dayNumber * 86_400 + h * 3600 + m * 60 + s - offset) + fraction
    return Date(timeIntervalSince1970: seconds)
}
