import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// A parameterised WHERE clause built up filter by filter.
struct SQLFilter {
    var clauses: [String] = []
    var parameters: [any PGEncodable] = []

    /// Adds `template` with `?` replaced by the next placeholder bound to `value`.
    mutating func add(_ template: String, _ value: any PGEncodable) {
        parameters.append(value)
        clauses.append(template.replacingOccurrences(of: "?", with: "$\(parameters.count)"))
    }

    /// Adds a clause that binds nothing.
    mutating func add(_ clause: String) { clauses.append(clause) }

    mutating func bind(_ value: any PGEncodable) -> String {
        parameters.append(value)
        return "$\(parameters.count)"
    }

    var sql: String { clauses.isEmpty ? "TRUE" : clauses.joined(separator: " AND ") }

}

/// What a staff member asked of the case list, already validated; the store turns it into SQL.
struct CaseListQuery: Sendable {
    var scope: AccessScope
    var states: [CaseState] = []
    var districtCode: String?
    var streetCode: String?
    var communityCode: String?
    var gridCode: String?
    var departmentCode: String?
    var channel: String?
    /// A class code or a prefix of one (`01` for every 市容环境 event).
    var classPrefix: String?
    /// Only cases overdue at this instant (an overdue mark, or a deadline already past).
    var overdueAt: Date?
    /// Only cases with a pending department request of these kinds (`pendingAny`: of any kind).
    var pending: [PendingRequest.Kind] = []
    var pendingAny = false
    /// Only cases whose running clock shows this light (the centre's marks).
    var light: ClockLight?
    /// Only closed cases whose reopening waits for the shift leader (`true`), or only others (`false`).
    var reopenReferred: Bool?
    var reportedFrom: Date?
    var reportedBefore: Date?
    /// Free text in the number, description or address; the beginning of a case number
    /// (``CaseNumbering/isNumberPrefix(_:)``) in the number only.
    var text: String?
    /// Where the previous page ended: PostgreSQL's text of its `reported_at`, and its id.
    var after: (reportedAt: String, id: UUID)?
    var limit = 50

    init(scope: AccessScope) {
        self.scope = scope
    }
}

/// The light of a case's running clock (红黄绿灯), from the deadline watcher's marks: red once
/// marked overdue, yellow once warned and not yet overdue, green while running unmarked.
enum ClockLight: String, CaseIterable, Sendable { case red, yellow, green }

/// What a dashboard count groups by; each is one column.
enum CaseCountDimension: String, CaseIterable, Sendable {
    case status, district, street, department, grid, channel

    var column: String {
        switch self {
        case .status: return "state"
        case .district: return "district_code"
        case .street: return "street_code"
        case .department: return "current_department"
        case .grid: return "grid_code"
        case .channel: return "channel"
        }
    }
}

extension SQLFilter {
    init(_ scope: AccessScope) {
        self.init()
        switch scope.level {
        case .city: break
        case .district: add("district_code = ?", scope.code ?? "-")
        case .street: add("street_code = ?", scope.code ?? "-")
        case .department: add("current_department = ?", scope.code ?? "-")
        }
    }

    /// The list's filters (but not its text search or cursor).
    init(_ query: CaseListQuery) {
        self.init(query.scope)
        // One state as plain equality: the planner reads `state = ANY(array)` pages off the
        // (state, reported_at, id) index only when it is an equality.
        if query.states.count == 1 {
            add("state = ?", query.states[0].rawValue)
        } else if !query.states.isEmpty {
            add("state = ANY(?::text[])", PGTextArray(query.states.map(\.rawValue)))
        }
        for (column, value) in [("district_code", query.districtCode), ("street_code", query.streetCode),
                                ("community_code", query.communityCode), ("grid_code", query.gridCode),
                                ("current_department", query.departmentCode), ("channel", query.channel)] {
            if let value { add("\(column) = ?", value) }
        }
        if let prefix = query.classPrefix { add("class_code LIKE ? || '%'", prefix) }
        if let now = query.overdueAt { add("(clock_overdue_at IS NOT NULL OR clock_deadline < ?)", now) }
        if query.pendingAny {
            add("pending_request IS NOT NULL")
        } else if !query.pending.isEmpty {
            add("pending_request = ANY(?::text[])", PGTextArray(query.pending.map(\.rawValue)))
        }
        switch query.light {
        case .red: add("clock_overdue_at IS NOT NULL")
        case .yellow: add("clock_warned_at IS NOT NULL AND clock_overdue_at IS NULL")
        case .green: add("clock_deadline IS NOT NULL AND clock_warned_at IS NULL AND clock_overdue_at IS NULL")
        case .none: break
        }
        switch query.reopenReferred {
        case true?: add("reopen_referred")
        case false?: add("NOT reopen_referred")
        case nil: break
        }
        if let from = query.reportedFrom { add("reported_at >= ?", from) }
        if let before = query.reportedBefore { add("reported_at < ?", before) }
        if let (at, id) = query.after {
            let a = bind(at)
            let b = bind(id)
            clauses.append("(reported_at, id) < (\(a)::timestamptz, \(b)::uuid)")
        }
    }
}

/// The staff queries over `supervision.cases`: counts, the paged list (with its text search),
/// cases near a point and inside a box. Every function runs on the caller's connection; the
/// routes build the filter from the request and the token's scope. Rows decode with
/// ``CaseStore/decode(_:)``, as every read of a case does.
enum CaseQueryStore {
    /// Case counts per value of `dimension` among the cases the query's filters select (always
    /// within its scope; its text search, cursor and limit are not used).
    static func counts(by dimension: CaseCountDimension, matching query: CaseListQuery, on connection: PGConnection) throws -> [CountRow] {
        var unpaged = query
        unpaged.text = nil
        unpaged.after = nil
        let filter = SQLFilter(unpaged)
        let column = dimension.column
        let sql = "SELECT \(column) AS key, count(*) AS n FROM supervision.cases WHERE \(filter.sql) GROUP BY \(column) ORDER BY 1"
        return try connection.query(sql, filter.parameters).rows.map { CountRow(key: $0.optionalString("key"), count: try $0.int("n")) }
    }

    static let pageColumns = "facts, record, duplicate_count, reported_at::text AS cursor_at, id"
    static let pageOrder = "ORDER BY reported_at DESC, id DESC"

    /// Up to `limit + 1` cases of the query, newest first, each with its cursor's time (one more
    /// than the page says whether there is a next page), not yet decoded. A text search runs
    /// several queries: the caller gives a repeatable-read transaction then.
    static func list(_ query: CaseListQuery, tuning: SearchTuning, on connection: PGConnection) throws -> [PageRow] {
        var filter = SQLFilter(query)
        guard let text = query.text else {
            return try page(filter: filter, limit: query.limit, idsFirst: query.classPrefix != nil, on: connection)
        }
        if CaseNumbering.isNumberPrefix(text) {
            // The numbers from `text` up to (not including) `text` with its last digit or dash
            // one higher: in byte order (text_pattern_ops) exactly the numbers starting with it.
            var upper = Array(text.utf8)
            upper[upper.count - 1] += 1
            filter.add("number ~>=~ ?", text)
            filter.add("number ~<~ ?", String(decoding: upper, as: UTF8.self))
            return try page(filter: filter, limit: query.limit, on: connection)
        }
        let like = "%" + text.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        let p = filter.bind(like)
        // ILIKE lower-cases every row's three texts before it compares; a text without a letter
        // that has case (Chinese, digits, punctuation) matches the same rows without that.
        let operation = Self.isUncased(text) ? "LIKE" : "ILIKE"
        let match = "(number \(operation) \(p) OR description \(operation) \(p) OR coalesce(address, '') \(operation) \(p))"
        return try searchPage(filter: filter, search: (match, text), limit: query.limit, tuning: tuning, on: connection)
    }

    /// A page of the newest cases of the filter. Runs in the caller's transaction: it turns off
    /// bitmap scans for the rest of it. Every filter has an index in list order, and walking
    /// one stops after the page; a bitmap reads every matching case and sorts them. The planner
    /// picks the bitmap when it underestimates how many cases match, as for overdue cases of one
    /// state (it multiplies the state's and the clock's frequencies; at a million cases it
    /// expected 789 overdue in-handling cases of 14,939: 45–58 ms instead of 1 ms).
    ///
    /// `idsFirst`: the filter has no index of its own in list order (a class prefix: a class tree
    /// with third-level codes makes it a range, not an equality) and walks the time-order index,
    /// which carries `class_code` (migration 115). The page's ids are then read off that index
    /// alone, and only the page's rows are fetched: a rare sub-class passed over ~10,000 cases'
    /// rows for a page (26 ms in EXPLAIN at a million cases), now their index entries (2.8 ms).
    static func page(filter: SQLFilter, limit: Int, idsFirst: Bool = false, on connection: PGConnection) throws -> [PageRow] {
        let columns = pageColumns
        let order = pageOrder
        let parameters = filter.parameters
        let sql = idsFirst
            ? """
              SELECT \(columns) FROM supervision.cases
              WHERE id IN (SELECT id FROM supervision.cases WHERE \(filter.sql) \(order) LIMIT \(limit + 1)) \(order)
              """
            : "SELECT \(columns) FROM supervision.cases WHERE \(filter.sql) \(order) LIMIT \(limit + 1)"
        try connection.query("SET LOCAL enable_bitmapscan = off")
        return try pageRows(try connection.query(sql, parameters))
    }

    /// ``page(filter:limit:on:)`` narrowed by a text search (`search.match` binds its pattern in
    /// `filter`). Runs several queries: the caller gives a repeatable-read transaction.
    static func searchPage(filter: SQLFilter, search: (match: String, text: String), limit: Int, tuning: SearchTuning,
                           on connection: PGConnection) throws -> [PageRow] {
        let columns = pageColumns
        let order = pageOrder
        let parameters = filter.parameters
        // A common search text is found among the newest cases: read a bounded window of the
        // other filters' newest cases in order. A rare one (a case number, an exact address) is
        // not: the rest of the page comes from the n-gram index, strictly older than the window,
        // when the index finds few enough candidates there; otherwise (a moderately common text)
        // from reading on in order. One snapshot, so every query sees the same window; together
        // they give the same rows as the plain filtered query.
        let window = "FROM supervision.cases WHERE \(filter.sql) \(order) LIMIT \(tuning.window)"
        let first = "SELECT \(columns) FROM (SELECT * \(window)) w WHERE \(search.match) \(order) LIMIT \(limit + 1)"
        let older = "(reported_at, id) < (SELECT reported_at, id FROM (SELECT reported_at, id \(window)) w ORDER BY reported_at, id LIMIT 1)"
        let inOrder = "SELECT \(columns) FROM supervision.cases WHERE \(filter.sql) AND \(search.match) AND \(older) \(order) LIMIT"
        // The n-gram pre-filter (migration 101, its own table since 113) only where it cannot drop a match: two characters
        // or more, and no backslash (which the LIKE pattern reads as an escape).
        var indexed = filter
        let fromIndex: String? = search.text.unicodeScalars.count >= 2 && !search.text.contains("\\") ? """
            SELECT \(columns), count(*) OVER () AS candidates FROM (
                SELECT * FROM supervision.cases
                WHERE \(filter.sql) AND \(search.match) AND \(older)
                  AND id IN (SELECT case_id FROM supervision.case_search
                             WHERE grams @> supervision.query_grams(\(indexed.bind(search.text))))
                LIMIT \(tuning.indexLimit)) c
            \(order) LIMIT
            """ : nil
        let indexedParameters = indexed.parameters
        let indexLimit = tuning.indexLimit
        let found = try pageRows(try connection.query(first, parameters))
        guard found.count <= limit else { return found }
        let wanted = limit + 1 - found.count
        // The window found the text often enough that the next cases in order likely hold the rest
        // of the page (a description's word in one case of a hundred): read a bounded second stretch
        // before asking the gram table, whose lookups for such a text cost more than this stretch.
        // A text found only among the newest cases reads no further than the stretch: the paths
        // below then decide as before, from the end of the first window.
        if !found.isEmpty, found.count * tuning.stretchFactor >= wanted {
            let stretch = """
                SELECT \(columns) FROM (SELECT * FROM supervision.cases WHERE \(filter.sql) AND \(older) \(order)
                                        LIMIT \(tuning.window * tuning.stretchFactor)) s
                WHERE \(search.match) \(order) LIMIT \(wanted)
                """
            let more = try pageRows(try connection.query(stretch, parameters))
            if more.count == wanted { return found + more }
        }
        // A text of two or three characters is one gram, and a case has that gram exactly when it
        // matches: without other filters its older matches are its gram's cases less the window's.
        // Counting those in the gram table (3–20 ms) tells a common word (a description's 垃圾 or
        // 施工, tens of thousands of cases) before the query below joins and rechecks 2,000 of
        // them only to be thrown away (50–190 ms at a million cases). Only ever skips that query.
        if fromIndex != nil, filter.clauses.isEmpty, search.text.unicodeScalars.count <= 3 {
            let grams = try connection.query("""
                SELECT count(*) AS n FROM (SELECT 1 FROM supervision.case_search
                                           WHERE grams @> supervision.query_grams($1) LIMIT \(indexLimit + found.count)) g
                """, [search.text])
            if try (grams.rows.first?.int("n") ?? 0) - found.count >= indexLimit {
                return found + (try pageRows(try connection.query("\(inOrder) \(wanted)", parameters)))
            }
        }
        if let fromIndex {
            let result = try connection.query("\(fromIndex) \(wanted)", indexedParameters)
            if try (result.rows.first?.int("candidates") ?? 0) < indexLimit { return found + (try pageRows(result)) }
        }
        return found + (try pageRows(try connection.query("\(inOrder) \(wanted)", parameters)))
    }

    /// Whether no character of `text` has case, so that ILIKE and LIKE select the same rows: a
    /// row's character lower-cases to one of these only if it is that character (lower-casing
    /// yields lower-case letters, and these are none).
    static func isUncased(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { !$0.properties.changesWhenCaseMapped && !$0.properties.isLowercase && !$0.properties.isUppercase }
    }

    /// A page's case, its stored JSON not yet decoded (the caller decodes after the transaction,
    /// and a list only what ``CaseViewCache`` has not seen), and PostgreSQL's text of its
    /// `reported_at` for the cursor.
    typealias PageRow = (stored: StoredCaseText, cursorAt: String)

    static func pageRows(_ result: PGResult) throws -> [PageRow] {
        try result.rows.map { row in (try CaseStore.text(row), try row.string("cursor_at")) }
    }

    /// The point (lon, lat) as a PostGIS geography, its two parameters bound in `filter`.
    static func geography(lon: Double, lat: Double, in filter: inout SQLFilter) -> String {
        "gis.ST_SetSRID(gis.ST_MakePoint(\(filter.bind(lon))::float8, \(filter.bind(lat))::float8), 4326)::gis.geography"
    }

    /// Cases within `radius` metres, nearest first, at most `limit` (≤ 500). Distances are on the
    /// sphere of the mean earth radius (`use_spheroid` false), the sphere of ``GeoDistance``, so a
    /// distance here is the distance intake's duplicate detection measures.
    ///
    /// The inner query walks the location index in distance order (`<->`, the same sphere) and
    /// stops at `limit` cases the reader may see; the outer one keeps those within the radius. The
    /// nearest `limit` within the radius are exactly those, and the index reads a few hundred rows
    /// where filtering by radius first and sorting read every case of a dense 300 m (≈ 18,000 at a
    /// million cases, seconds from a cold cache). A scope far from the point makes the walk long;
    /// the pages ask `near` inside the reader's own area.
    static func near(lon: Double, lat: Double, radius: Double, limit: Int = 500, scope: AccessScope,
                     on connection: PGConnection) throws -> [(StoredCaseText, distanceMeters: Double)] {
        var filter = SQLFilter(scope)
        let point = geography(lon: lon, lat: lat, in: &filter)
        let pRadius = filter.bind(radius)
        let pLimit = filter.bind(limit)
        let sql = """
            SELECT id, facts, record, duplicate_count, distance FROM (
                SELECT id, facts, record, duplicate_count, gis.ST_Distance(location, \(point), false) AS distance
                FROM supervision.cases
                WHERE \(filter.sql) AND location IS NOT NULL
                ORDER BY location OPERATOR(gis.<->) \(point) LIMIT \(pLimit)) nearest
            WHERE distance <= \(pRadius)::float8
            ORDER BY distance
            """
        return try connection.query(sql, filter.parameters).rows.map { row in
            (try CaseStore.text(row), distanceMeters: (try row.double("distance") * 10).rounded() / 10)
        }
    }

    /// Cases inside a polygon of (lon, lat) points, edges included, newest first, at most 2000.
    /// The ring is closed if open and made valid (a self-crossing ring counts the parts it
    /// encloses, as an even-odd test would); the index narrows by the polygon's box, then the
    /// planar test decides, as the unit grids themselves are drawn.
    static func within(_ ring: [GeoPoint], scope: AccessScope, on connection: PGConnection) throws -> [StoredCase] {
        var closed = ring
        if let first = ring.first, first != ring.last { closed.append(first) }
        let wkt = "POLYGON((" + closed.map { "\($0.lon) \($0.lat)" }.joined(separator: ", ") + "))"
        var filter = SQLFilter(scope)
        let pArea = filter.bind(wkt)
        let sql = """
            WITH area AS (SELECT gis.ST_MakeValid(gis.ST_GeomFromText(\(pArea), 4326)) AS g)
            SELECT facts, record, duplicate_count FROM supervision.cases, area
            WHERE \(filter.sql) AND location OPERATOR(gis.&&) area.g::gis.geography AND gis.ST_Covers(area.g, location::gis.geometry)
            ORDER BY reported_at DESC LIMIT 2000
            """
        return try connection.query(sql, filter.parameters).rows.map { try CaseStore.decode($0) }
    }
}
