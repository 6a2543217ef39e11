import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// A page of the case list: `{"items": [case views], "nextCursor": "…"}` (no `nextCursor` on the
/// last page). Written from the views' JSON (``CaseViewCache``), byte for byte what
/// `MessageCoding.encoder()` writes for the same items (sorted keys, no spaces).
struct CaseListPage: ResponseGenerator, Sendable {
    var items: [[UInt8]]
    var nextCursor: String?

    var json: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(items.reduce(32 + (nextCursor?.utf8.count ?? 0)) { $0 + $1.count + 1 })
        buffer.writeString("{\"items\":[")
        for (i, item) in items.enumerated() {
            if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeBytes(item)
        }
        buffer.writeString("]")
        // The cursor is base64url (letters, digits, - and _): nothing in it is escaped.
        if let nextCursor { buffer.writeString(",\"nextCursor\":\"\(nextCursor)\"") }
        buffer.writeString("}")
        return buffer
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: json))
    }
}

struct CaseDetail: ResponseEncodable, Sendable {
    var `case`: CaseView
    var timeline: [TimelineRow]
}

struct CountRow: Encodable, Sendable {
    var key: String?
    var count: Int
}

struct CountsAnswer: ResponseEncodable, Sendable {
    var by: String
    var counts: [CountRow]
    /// The counts may be this old (see CountsCache).
    var asOf: Date
}

/// One case of `GET /cases/near`'s answer, as ``NearCasesAnswer`` writes it.
struct NearCase: Encodable, Sendable {
    var distanceMeters: Double
    var `case`: CaseView
}

/// The answer of `GET /cases/near`: `[{"case": view, "distanceMeters": d}, …]`, written from the
/// views' JSON (``CaseViewCache``) and each distance as `MessageCoding.encoder()` writes it:
/// byte for byte what encoding `[NearCase]` writes.
struct NearCasesAnswer: ResponseGenerator, Sendable {
    var items: [(view: [UInt8], distance: [UInt8])]

    var json: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(items.reduce(2) { $0 + $1.view.count + $1.distance.count + 28 })
        buffer.writeString("[")
        for (i, item) in items.enumerated() {
            buffer.writeString(i == 0 ? "{\"case\":" : ",{\"case\":")
            buffer.writeBytes(item.view)
            buffer.writeString(",\"distanceMeters\":")
            buffer.writeBytes(item.distance)
            buffer.writeString("}")
        }
        buffer.writeString("]")
        return buffer
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: json))
    }
}

struct PolygonBody: Decodable { var polygon: [[Double]] }

extension SupervisionAPI {
    func registerQueries(_ router: ServiceRouter) {
        router.get("/api/v1/cases") { request, context -> CaseListPage in
            let token = try context.requireToken()
            return try await list(try Self.listQuery(request, token: token, now: env.clock.now()), for: token.role)
        }
        router.get("/api/v1/cases/counts") { request, context -> CountsAnswer in
            let token = try context.requireToken()
            let asked = try Self.countQuery(request, token: token, now: env.clock.now())
            let counted = try await counts.rows(for: asked.cacheKey) {
                // One process per count: parallel workers would take every core at once from the
                // requests being answered meanwhile, for a recount nobody waits for (the cache
                // answers the previous counts while it runs).
                try await env.reads.transaction { connection in
                    try connection.query("SET LOCAL max_parallel_workers_per_gather = 0")
                    return try CaseQueryStore.counts(by: asked.dimension, matching: asked.filters, on: connection)
                }
            }
            return CountsAnswer(by: asked.dimension.rawValue, counts: counted.rows, asOf: counted.asOf)
        }
        router.get("/api/v1/cases/near") { request, context -> NearCasesAnswer in
            let token = try context.requireToken()
            var query = QueryParameters(request, known: ["lon", "lat", "radius", "limit"])
            let lon = query.number("lon", range: -180...180, required: true, what: "a longitude")
            let lat = query.number("lat", range: -90...90, required: true, what: "a latitude")
            let radius = query.number("radius", range: 1...50_000, required: false, what: "a radius in metres") ?? 500
            // A map of the neighbourhood needs the nearest few dozen, not every case within reach.
            let limit = query.integer("limit", default: 500, range: 1...500)
            try query.finish()
            guard let lon, let lat else { throw APIError.validation(query.problems) }
            let near = try await env.reads.withConnection { connection in
                try CaseQueryStore.near(lon: lon, lat: lat, radius: radius, limit: limit, scope: token.scope, on: connection)
            }
            let views = try views.json(of: near.map(\.0), for: token.role)
            let encoder = MessageCoding.encoder()
            return NearCasesAnswer(items: try zip(views, near).map { ($0, [UInt8](try encoder.encode($1.distanceMeters))) })
        }
        router.post("/api/v1/cases/within") { request, context -> [CaseView] in
            let token = try context.requireToken()
            let body = try await request.decodeJSON(as: PolygonBody.self, context: context)
            guard body.polygon.count >= 3, body.polygon.allSatisfy({ $0.count == 2 }) else {
                throw APIError.validation(field: "polygon", "needs at least 3 [lon, lat] points")
            }
            let ring = body.polygon.map { GeoPoint(lon: $0[0], lat: $0[1]) }
            if let index = ring.firstIndex(where: { !(-180...180).contains($0.lon) || !(-90...90).contains($0.lat) }) {
                throw APIError.validation(field: "polygon[\(index)]", "must be [longitude, latitude] within -180…180 and -90…90")
            }
            // Fewer than three distinct corners make no ring the database can read.
            var corners: [GeoPoint] = []
            for point in ring where !corners.contains(where: { $0.lon == point.lon && $0.lat == point.lat }) { corners.append(point) }
            guard corners.count >= 3 else {
                throw APIError.validation(field: "polygon", "needs at least 3 distinct [lon, lat] points")
            }
            let cases = try await env.reads.withConnection { connection in
                try CaseQueryStore.within(ring, scope: token.scope, on: connection)
            }
            return cases.map { CaseView($0, for: token.role) }
        }
        router.get("/api/v1/cases/export") { request, context -> Response in
            let token = try context.requireToken(roles: Self.exportRoles, "exports are for auditors, shift leaders and admins")
            let (format, query) = try Self.exportQuery(request, token: token, now: env.clock.now())
            return try await export(query, as: format)
        }
        router.get("/api/v1/cases/{id}") { _, context -> CaseDetail in
            let token = try context.requireToken()
            let (view, timeline) = try await read(context.parameters.get("id") ?? "", token: token)
            return CaseDetail(case: view, timeline: timeline)
        }
    }

    /// The query parameters of `GET /api/v1/cases`; any other answers 422 naming it.
    static let caseListParameters: Set<String> = caseFilterParameters.union(["q", "limit", "cursor"])

    /// The filters the list and the counts share; read once, the same way, by ``readFilters``.
    static let caseFilterParameters: Set<String> = [
        "state", "status", "district", "street", "community", "grid", "department", "class", "channel", "overdue", "pending", "light",
        "from", "to", "referred",
    ]

    /// Reads the shared filters into `query`, noting every problem in `parameters`.
    static func readFilters(_ parameters: inout QueryParameters, into query: inout CaseListQuery, now: Date) {
        // Cases carry `state`; `status` is the older name of the same filter, still accepted.
        if parameters.has("state") && parameters.has("status") {
            parameters.problem("status", "is an alias of state; give one of them")
        }
        if let (field, value) = parameters.text("state").map({ ("state", $0) }) ?? parameters.text("status").map({ ("status", $0) }) {
            for name in value.split(separator: ",").map(String.init) {
                if let state = CaseState(rawValue: name) { query.states.append(state) } else { parameters.problem(field, "unknown state \(name)") }
            }
        }
        query.districtCode = parameters.text("district")
        query.streetCode = parameters.text("street")
        query.communityCode = parameters.text("community")
        query.gridCode = parameters.text("grid")
        query.departmentCode = parameters.text("department")
        query.channel = parameters.text("channel")
        query.classPrefix = parameters.text("class")
        if parameters.boolean("overdue") == true { query.overdueAt = now }
        if let value = parameters.text("pending") {
            for name in value.split(separator: ",").map(String.init) {
                if name == "any" { query.pendingAny = true } else if let kind = PendingRequest.Kind(rawValue: name) {
                    query.pending.append(kind)
                } else {
                    parameters.problem("pending", "must be any, or return, extension, suspension (comma list); got \(name)")
                }
            }
        }
        query.light = parameters.choice("light", as: ClockLight.self)
        // The shift leader's queue of reopenings the return-visit policy did not decide.
        if let referred = parameters.boolean("referred") { query.reopenReferred = referred }
        query.reportedFrom = parameters.dateTime("from")
        query.reportedBefore = parameters.dateTime("to")
        if let from = query.reportedFrom, let before = query.reportedBefore, before < from {
            parameters.problem("to", "must not be before from")
        }
    }

    /// Reads the list's parameters into a query limited to the token's scope; every problem at once.
    static func listQuery(_ request: Request, token: AccessToken, now: Date) throws -> CaseListQuery {
        var parameters = QueryParameters(request, known: caseListParameters)
        var query = CaseListQuery(scope: token.scope)
        readFilters(&parameters, into: &query, now: now)
        query.text = parameters.text("q")
        query.limit = parameters.integer("limit", default: 50, range: 1...200)
        if let cursor = parameters.text("cursor") {
            if let after = decodeCursor(cursor) { query.after = after } else { parameters.problem("cursor", "is not a cursor from this API") }
        }
        try parameters.finish()
        return query
    }

    /// Who may take case data away in bulk (数据共享): the auditors it is for, the shift leader
    /// who answers for the centre's figures, and admins. Within their token's scope.
    static let exportRoles: Set<Role> = [.auditor, .shiftLeader, .admin]

    /// The query parameters of `GET /api/v1/cases/export`: the list's filters, the format, and
    /// a reporting window (`from`, `to`) that is required and at most ``CaseExport/maxSpan``.
    static let exportParameters: Set<String> = caseFilterParameters.union(["format"])

    static func exportQuery(_ request: Request, token: AccessToken, now: Date) throws -> (CaseExport.Format, CaseListQuery) {
        var parameters = QueryParameters(request, known: exportParameters)
        var query = CaseListQuery(scope: token.scope)
        readFilters(&parameters, into: &query, now: now)
        let format = parameters.choice("format", as: CaseExport.Format.self)
        if !parameters.has("format") { parameters.problem("format", "is required: csv or geojson") }
        for name in ["from", "to"] where !parameters.has(name) {
            parameters.problem(name, "is required: an export covers a reporting window (from, to) of at most 366 days")
        }
        if let from = query.reportedFrom, let before = query.reportedBefore, before.timeIntervalSince(from) > CaseExport.maxSpan {
            parameters.problem("to", "must be at most 366 days after from")
        }
        try parameters.finish()
        return (format ?? .csv, query)
    }

    /// Streams the cases of `query`, newest first, in batches read each in its own transaction.
    /// The first batch is read before the answer starts, so a failing database still answers
    /// 503; a failure later ends the stream early (the client sees a truncated transfer, never
    /// a file that looks complete).
    func export(_ query: CaseListQuery, as format: CaseExport.Format) async throws -> Response {
        let pool = env.reads, size = exportBatchSize
        @Sendable func batch(after: (String, UUID)?) async throws -> [(StoredCase, String, UUID)] {
            var paged = query
            paged.after = after.map { (reportedAt: $0.0, id: $0.1) }
            let filter = SQLFilter(paged)
            return try await pool.transaction { connection in
                try CaseQueryStore.page(filter: filter, limit: size - 1, on: connection)
            }.map { (try CaseStore.decode($0.stored), $0.cursorAt, $0.stored.id) }
        }
        let first = try await batch(after: nil)
        var headers = HTTPFields()
        headers[.contentType] = format.contentType
        headers[.contentDisposition] = "attachment; filename=\"cases.\(format.rawValue)\""
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
            var rows = first
            var written = 0
            try await writer.write(ByteBuffer(string: format == .csv ? CaseExport.csvHead : CaseExport.geoJSONHead))
            while true {
                var chunk = ""
                for (stored, _, _) in rows {
                    let values = CaseExport.values(of: stored)
                    switch format {
                    case .csv: chunk += CaseExport.csvLine(values)
                    case .geojson: chunk += (written == 0 ? "" : ",\n") + CaseExport.geoJSONFeature(values)
                    }
                    written += 1
                }
                if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
                guard rows.count == size, let last = rows.last else { break }
                rows = try await batch(after: (last.1, last.2))
            }
            if format == .geojson { try await writer.write(ByteBuffer(string: CaseExport.geoJSONTail)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// A page of the list as `role` sees it. The rows are decoded after the transaction, so the
    /// pooled connection is not held while they are, and only those ``CaseViewCache`` has not seen.
    func list(_ query: CaseListQuery, for role: Role?) async throws -> CaseListPage {
        let tuning = searchTuning
        // A text search reads several times: one snapshot keeps its pages consistent. A plain page
        // sets a planner option for its statement, which only a transaction keeps to itself.
        let rows = try await env.reads.transaction(isolation: query.text == nil ? .readCommitted : .repeatableRead) { connection in
            try CaseQueryStore.list(query, tuning: tuning, on: connection)
        }
        let page = Array(rows.prefix(query.limit))
        let next = rows.count > query.limit ? page.last.map { Self.encodeCursor(at: $0.cursorAt, id: $0.stored.id) } : nil
        return CaseListPage(items: try views.json(of: page.map(\.stored), for: role), nextCursor: next)
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
}
