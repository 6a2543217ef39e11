import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

struct CaseListPage: Encodable {
    var items: [CaseView]
    var nextCursor: String?
}

struct CaseDetail: Encodable {
    var `case`: CaseView
    var timeline: [TimelineRow]
}

struct CountRow: Encodable {
    var key: String?
    var count: Int
}

struct NearCase: Encodable {
    var distanceMeters: Double
    var `case`: CaseView
}

struct PolygonBody: Decodable { var polygon: [[Double]] }

extension SupervisionAPI {
    func registerQueries(_ router: Router<BasicRequestContext>) {
        router.get("/api/v1/cases") { request, _ -> Response in
            let token = try authenticate(request)
            return try Self.json(try await list(request, token: token))
        }
        router.get("/api/v1/cases/counts") { request, _ -> Response in
            let token = try authenticate(request)
            let columns = ["status": "state", "district": "district_code", "street": "street_code", "department": "current_department"]
            let by = request.uri.queryParameters["by"].map(String.init) ?? "status"
            guard let column = columns[by] else {
                throw APIError.validation([.init(field: "by", problem: "must be one of status, district, street, department")])
            }
            var filter = SQLFilter()
            filter.scope(token)
            let scoped = filter
            let key = "\(by)|\(token.scope.level.rawValue):\(token.scope.code ?? "")"
            let counted = try await counts.rows(for: key) {
                try await env.pool.withConnection { connection in
                    try CaseQueryStore.counts(by: column, filter: scoped, on: connection)
                }
            }
            return try Self.json(["by": AnyEncodable(by), "counts": AnyEncodable(counted.rows), "asOf": AnyEncodable(RFC3339.format(counted.asOf))])
        }
        router.get("/api/v1/cases/near") { request, _ -> Response in
            let token = try authenticate(request)
            let q = request.uri.queryParameters
            var problems: [APIError.FieldProblem] = []
            let lon = q["lon"].flatMap { Double(String($0)) }
            let lat = q["lat"].flatMap { Double(String($0)) }
            let radius = q["radius"].flatMap { Double(String($0)) } ?? 500
            if lon == nil || !(-180...180).contains(lon!) { problems.append(.init(field: "lon", problem: "a longitude is required")) }
            if lat == nil || !(-90...90).contains(lat!) { problems.append(.init(field: "lat", problem: "a latitude is required")) }
            if !(1...50_000).contains(radius) { problems.append(.init(field: "radius", problem: "must be 1…50000 metres")) }
            guard problems.isEmpty, let lon, let lat else { throw APIError.validation(problems) }
            return try Self.json(try await near(lon: lon, lat: lat, radius: radius, token: token))
        }
        router.post("/api/v1/cases/within") { request, _ -> Response in
            let token = try authenticate(request)
            let body = try await Self.decode(PolygonBody.self, request)
            guard body.polygon.count >= 3, body.polygon.allSatisfy({ $0.count == 2 }) else {
                throw APIError.validation([.init(field: "polygon", problem: "needs at least 3 [lon, lat] points")])
            }
            return try Self.json(try await within(body.polygon, token: token))
        }
        router.get("/api/v1/cases/{id}") { request, context -> Response in
            let token = try authenticate(request)
            let (view, timeline) = try await read(context.parameters.get("id") ?? "", token: token)
            return try Self.json(CaseDetail(case: view, timeline: timeline))
        }
    }

    /// The query parameters of `GET /api/v1/cases`; any other answers 422 naming it.
    static let caseListParameters: Set<String> = [
        "state", "status", "district", "street", "community", "grid", "department", "class", "channel", "overdue", "from", "to", "q",
        "limit", "cursor",
    ]

    func list(_ request: Request, token: AccessToken) async throws -> CaseListPage {
        let q = request.uri.queryParameters
        func text(_ name: String) -> String? {
            guard let value = q[Substring(name)], !value.isEmpty else { return nil }
            return String(value)
        }
        var filter = SQLFilter()
        var problems: [APIError.FieldProblem] = []
        filter.scope(token)
        // A misspelt filter must not quietly widen the list to every case.
        for name in Set(q.map { String($0.key) }).subtracting(Self.caseListParameters).sorted() {
            problems.append(.init(field: name, problem: "unknown query parameter; known: \(Self.caseListParameters.sorted().joined(separator: ", "))"))
        }
        // Cases carry `state`; `status` is the older name of the same filter, still accepted.
        if text("state") != nil && text("status") != nil {
            problems.append(.init(field: "status", problem: "is an alias of state; give one of them"))
        }
        if let (field, value) = text("state").map({ ("state", $0) }) ?? text("status").map({ ("status", $0) }) {
            let states = value.split(separator: ",").map(String.init)
            if let bad = states.first(where: { CaseState(rawValue: $0) == nil }) {
                problems.append(.init(field: field, problem: "unknown state \(bad)"))
            }
            // One state as plain equality: the planner reads `state = ANY(array)` pages off the
            // (state, reported_at, id) index only when it is an equality.
            if states.count == 1 { filter.add("state = ?", states[0]) } else { filter.add("state = ANY(?::text[])", PGTextArray(states)) }
        }
        for (name, column) in [("district", "district_code"), ("street", "street_code"), ("community", "community_code"),
                               ("grid", "grid_code"), ("department", "current_department"), ("channel", "channel")] {
            if let value = text(name) { filter.add("\(column) = ?", value) }
        }
        if let value = text("class") { filter.add("class_code LIKE ? || '%'", value) }
        if text("overdue") == "true" {
            filter.add("(clock_overdue_at IS NOT NULL OR clock_deadline < ?)", env.clock.now())
        }
        for (name, op) in [("from", ">="), ("to", "<")] {
            if let value = text(name) {
                if let date = RFC3339.parse(value) { filter.add("reported_at \(op) ?", date) } else {
                    problems.append(.init(field: name, problem: "must be an RFC 3339 date-time"))
                }
            }
        }
        var search: (match: String, text: String)?
        if let value = text("q") {
            let like = "%" + value.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            let p = filter.bind(like)
            search = ("(number ILIKE \(p) OR description ILIKE \(p) OR coalesce(address, '') ILIKE \(p))", value)
        }
        let limit = text("limit").flatMap(Int.init) ?? 50
        if !(1...200).contains(limit) { problems.append(.init(field: "limit", problem: "must be 1…200")) }
        if let cursor = text("cursor") {
            if let (at, id) = Self.decodeCursor(cursor) {
                let a = filter.bind(at)
                let b = filter.bind(id)
                filter.clauses.append("(reported_at, id) < (\(a)::timestamptz, \(b)::uuid)")
            } else {
                problems.append(.init(field: "cursor", problem: "is not a cursor from this API"))
            }
        }
        guard problems.isEmpty else { throw APIError.validation(problems) }
        let rows: [(StoredCase, String, UUID)]
        if let search {
            let tuning = searchTuning
            let scoped = filter
            rows = try await env.pool.transaction(isolation: .repeatableRead) { connection in
                try CaseQueryStore.searchPage(filter: scoped, search: search, limit: limit, tuning: tuning, on: connection)
            }
        } else {
            let scoped = filter
            rows = try await env.pool.withConnection { connection in try CaseQueryStore.page(filter: scoped, limit: limit, on: connection) }
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { Self.encodeCursor(at: $0.1, id: $0.2) } : nil
        return CaseListPage(items: page.map { CaseView($0.0) }, nextCursor: next)
    }

    static func encodeCursor(at: String, id: UUID) -> String {
        Data("\(at)|\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ text: String) -> (String, UUID)? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        guard let data = Data(base64Encoded: s), let plain = String(data: data, encoding: .utf8) else { return nil }
        let parts = plain.split(separator: "|", maxSplits: 1).map(String.init)
        // The time part is PostgreSQL's own text of `reported_at` ("2026-11-25 10:00:00.123+00").
        guard parts.count == 2, let id = UUID(uuidString: parts[1]), parts[0].count >= 19,
              parts[0].allSatisfy({ $0.isNumber || "-:. +".contains($0) }) else { return nil }
        return (parts[0], id)
    }

    /// Cases within `radius` metres (bounding box on the index, then haversine distance).
    func near(lon: Double, lat: Double, radius: Double, token: AccessToken) async throws -> [NearCase] {
        var filter = SQLFilter()
        filter.scope(token)
        let scoped = filter
        return try await env.pool.withConnection { connection in
            try CaseQueryStore.near(lon: lon, lat: lat, radius: radius, filter: scoped, on: connection)
        }
    }

    /// Cases inside a polygon: bounding box in SQL, then an even-odd point-in-polygon test.
    func within(_ polygon: [[Double]], token: AccessToken) async throws -> [CaseView] {
        let ring = polygon.map { GeoPoint(lon: $0[0], lat: $0[1]) }
        var filter = SQLFilter()
        filter.scope(token)
        let scoped = filter
        let (west, east) = (ring.map(\.lon).min()!, ring.map(\.lon).max()!)
        let (south, north) = (ring.map(\.lat).min()!, ring.map(\.lat).max()!)
        let cases = try await env.pool.withConnection { connection in
            try CaseQueryStore.inBox(west: west, east: east, south: south, north: north, filter: scoped, on: connection)
        }
        return cases.filter { stored in
            guard let lon = stored.facts.longitude, let lat = stored.facts.latitude else { return false }
            return GeoPolygon.ring(ring, contains: GeoPoint(lon: lon, lat: lat))
        }.map(CaseView.init)
    }
}

/// Type-erased encodable for small ad-hoc bodies.
struct AnyEncodable: Encodable {
    let encodeValue: (any Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
