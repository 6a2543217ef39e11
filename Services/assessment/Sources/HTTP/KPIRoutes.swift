import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// The read API: `/api/v1/kpi/{departments,areas,posts,facilities}`, `/api/v1/rankings` and the
/// admin's `POST /api/v1/rebuild`. Figures are computed from the stored events for the period.
struct KPIRoutes: Sendable {
    let env: ServiceEnvironment
    let engine: KPIEngine

    /// Roles that may read the figures: the centre's posts, auditors and admins.
    static let readers: Set<Role> = [.supervisor, .acceptor, .shiftLeader, .dispatcher, .auditor, .admin]

    func register(on router: ServiceRouter) {
        router.get("/api/v1/kpi/departments") { request, context in try await self.answer(request, context, family: "departments") }
        router.get("/api/v1/kpi/areas") { request, context in try await self.answer(request, context, family: "areas") }
        router.get("/api/v1/kpi/posts") { request, context in try await self.answer(request, context, family: "posts") }
        router.get("/api/v1/kpi/facilities") { request, context in try await self.answer(request, context, family: "facilities") }
        router.get("/api/v1/rankings") { request, context in
            try await self.answer(request, context, family: "rankings")
        }
        router.post("/api/v1/rebuild") { request, context in try await self.rebuild(request, context) }
    }

    /// Who may read, and the area prefix a district (or street) token is limited to.
    func authorise(_ context: CityGridRequestContext) throws -> String? {
        let token = try context.requireToken()
        guard Self.readers.contains(token.role) else { throw AccessError.forbidden("role \(token.role.rawValue) may not read assessments") }
        switch token.scope.level {
        case .city: return nil
        case .district, .street: return token.scope.code
        case .department: throw AccessError.forbidden("department tokens may not read assessments")
        }
    }

    /// The query parameters each family reads; any other is refused (a misspelt filter must not
    /// quietly answer for the whole city).
    static func known(_ family: String) -> Set<String> {
        let base: Set<String> = ["period", "from", "to", "format"]
        switch family {
        case "areas": return base.union(["level"])
        case "posts": return base.union(["post"])
        case "rankings": return base.union(["family", "level", "post"])
        case "rebuild": return ["period", "from", "to"]
        default: return base
        }
    }

    /// The period asked for: `period`, or `from` and `to` — exactly one of the two ways.
    static func period(_ query: inout QueryParameters) -> Period? {
        let years = "in the years \(Period.years.lowerBound)–\(Period.years.upperBound)"
        switch (query.text("period"), query.text("from"), query.text("to")) {
        case (let text?, nil, nil):
            guard let period = Period.parse(text) else {
                query.problem("period", "expected 2026-11, 2026-W47 or 2026-11-25, \(years)")
                return nil
            }
            return period
        case (nil, let from?, let to?):
            guard let period = Period.range(from: from, to: to) else {
                // Name the field at fault: `to` when only it is not a day of the span.
                let field = Period.day(from) != nil && Period.day(to) == nil ? "to" : "from"
                query.problem(field, "from and to must be days (2026-11-01) \(years), with from ≤ to")
                return nil
            }
            return period
        case (_?, _, _):
            query.problem("period", "give period, or from and to, not both")
        case (nil, _?, nil):
            query.problem("to", "is required with from (or give period instead)")
        case (nil, nil, _?):
            query.problem("from", "is required with to (or give period instead)")
        case (nil, nil, nil):
            query.problem("period", "period, or from and to, is required")
        }
        return nil
    }

    static func wantsCSV(_ request: Request) -> Bool {
        if request.uri.queryParameters["format"].map(String.init) == "csv" { return true }
        return request.headers[.accept]?.contains("text/csv") ?? false
    }

    func answer(_ request: Request, _ context: CityGridRequestContext, family requested: String) async throws -> Response {
        let prefix = try authorise(context)
        var query = QueryParameters(request, known: Self.known(requested))
        let period = Self.period(&query)
        var ranked: String?
        if requested == "rankings" {
            ranked = query.word("family", oneOf: ["departments", "areas", "posts"])
            if ranked == nil, !query.has("family") { query.problem("family", "is required: departments, areas or posts") }
        }
        let family = requested == "rankings" ? "rankings:" + (ranked ?? "") : requested
        let level = query.choice("level", as: AreaLevel.self) ?? .district
        let post = query.choice("post", as: Post.self) ?? .supervisor
        _ = query.word("format", oneOf: ["csv"])
        try query.finish()
        guard let period else { throw APIError.validation(field: "period", "period, or from and to, is required") }
        let ranking = family.hasPrefix("rankings:")
        let loadFrom = ranking ? period.previous.start : period.start
        let csv = Self.wantsCSV(request)
        // A period that has not ended is judged at the city's now, not at its end.
        let now = env.clock.now()
        // Loading and computing run on the connection's own thread: a month is ~1 s of CPU that
        // must not sit on Swift's cooperative pool.
        return try await env.pool.withConnection { [engine] c in
            let histories = try FactsStore.histories(from: loadFrom, to: period.end, on: c)
            return try Self.render(family: family, histories: histories, engine: engine, period: period, now: now, level: level,
                                   post: post, prefix: prefix, csv: csv)
        }
    }

    static func render(family: String, histories: [CaseHistory], engine: KPIEngine, period: Period, now: Date, level: AreaLevel,
                       post: Post, prefix: String?, csv: Bool) throws -> Response {
        func inScope(_ code: String) -> Bool { prefix.map { code.hasPrefix($0) } ?? true }
        let judged = Rendering.Judged(period: period, now: now)
        func answer<Row: Encodable>(_ rows: [Row], prototype: Row) throws -> Response {
            csv ? Rendering.csv(rows, prototype: prototype, judged: judged) : try Rendering.json(rows, judged: judged, family: family)
        }
        switch family {
        case "departments":
            return try answer(engine.departments(histories, period: period, now: now), prototype: DepartmentFigures(code: ""))
        case "areas":
            let rows = engine.areas(histories, period: period, level: level, now: now).filter { inScope($0.code) }
            return try answer(rows, prototype: AreaFigures(level: level, code: ""))
        case "posts":
            return try answer(engine.posts(histories, period: period, post: post, now: now), prototype: PostFigures(post: post, actorId: ""))
        case "facilities":
            let rows = engine.facilities(histories, period: period, now: now).filter { inScope($0.area) }
            return try answer(rows, prototype: FacilityFigures(classCode: "", area: "", registered: 0, defective: 0, intactRate: nil))
        default:
            let which = String(family.dropFirst("rankings:".count))
            func scores(_ p: Period) -> [(code: String, score: Double?, grade: String?)] {
                switch which {
                case "departments": return engine.departments(histories, period: p, now: now).map { ($0.code, $0.score, $0.grade) }
                case "areas":
                    return engine.areas(histories, period: p, level: level, now: now).filter { inScope($0.code) }.map { ($0.code, $0.score, $0.grade) }
                default: return engine.posts(histories, period: p, post: post, now: now).map { ($0.actorId, $0.score, $0.grade) }
                }
            }
            return try answer(KPIEngine.rank(scores(period), previous: scores(period.previous)), prototype: RankingRow(code: ""))
        }
    }

    /// `POST /api/v1/rebuild?period=` (admin): re-folds the facts of the period's cases from the
    /// stored events and answers with the recomputed department figures.
    func rebuild(_ request: Request, _ context: CityGridRequestContext) async throws -> Response {
        _ = try context.requireToken(roles: [.admin], "only admin may rebuild")
        var query = QueryParameters(request, known: Self.known("rebuild"))
        let period = Self.period(&query)
        try query.finish()
        guard let period else { throw APIError.validation(field: "period", "period, or from and to, is required") }
        let now = env.clock.now()
        let started = ContinuousClock.now
        let result = try await env.pool.transaction { c in try FactsStore.rebuild(from: period.start, to: period.end, on: c) }
        let departments = try await env.pool.withConnection { [engine] c in
            engine.departments(try FactsStore.histories(from: period.start, to: period.end, on: c), period: period, now: now)
        }
        let judged = Rendering.Judged(period: period, now: now)
        struct Body: Encodable {
            var period: Period
            var asOf: Date
            var running: Bool
            var cases: Int
            var changed: Int
            var seconds: Double
            var departments: [DepartmentFigures]
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        env.logger.info("assessment rebuilt", metadata: ["period": "\(period.label)", "cases": "\(result.cases)", "changed": "\(result.changed)"])
        let data = try Rendering.encoder.encode(Body(period: period, asOf: judged.asOf, running: judged.running, cases: result.cases,
                                                     changed: result.changed, seconds: seconds, departments: departments))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension RankingRow {
    init(code: String) {
        self.init(code: code, score: nil, grade: nil, rank: nil, previousScore: nil, previousRank: nil, rankDelta: nil, scoreDelta: nil)
    }
}
