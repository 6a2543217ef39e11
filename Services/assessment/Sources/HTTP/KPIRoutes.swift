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
            _ = try authorise(context)
            guard let family = request.uri.queryParameters["family"].map(String.init), ["departments", "areas", "posts"].contains(family) else {
                throw APIError.validation(field: "family", "must be departments, areas or posts")
            }
            return try await self.answer(request, context, family: "rankings:" + family)
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

    static func period(_ request: Request) throws -> Period {
        let q = request.uri.queryParameters
        if let text = q["period"].map(String.init) {
            guard let p = Period.parse(text) else {
                throw APIError.validation([.init(field: "period", problem: "expected 2026-11, 2026-W47 or 2026-11-25, in the years \(Period.years.lowerBound)–\(Period.years.upperBound)")])
            }
            return p
        }
        if let from = q["from"].map(String.init), let to = q["to"].map(String.init) {
            guard let p = Period.range(from: from, to: to) else {
                // Name the field at fault: `to` when only it is not a day of the span.
                let field = Period.day(from) != nil && Period.day(to) == nil ? "to" : "from"
                throw APIError.validation([.init(field: field, problem: "from and to must be days (2026-11-01) in the years \(Period.years.lowerBound)–\(Period.years.upperBound), with from ≤ to")])
            }
            return p
        }
        throw APIError.validation([.init(field: "period", problem: "period or from and to are required")])
    }

    static func wantsCSV(_ request: Request) -> Bool {
        if request.uri.queryParameters["format"].map(String.init) == "csv" { return true }
        return request.headers[.accept]?.contains("text/csv") ?? false
    }

    func answer(_ request: Request, _ context: CityGridRequestContext, family: String) async throws -> Response {
        let prefix = try authorise(context)
        let period = try Self.period(request)
        let q = request.uri.queryParameters
        let level: AreaLevel
        if let text = q["level"].map(String.init) {
            guard let l = AreaLevel(rawValue: text) else {
                throw APIError.validation([.init(field: "level", problem: "must be district, street, community or grid")])
            }
            level = l
        } else {
            level = .district
        }
        let post: Post
        if let text = q["post"].map(String.init) {
            guard let p = Post(rawValue: text) else {
                throw APIError.validation([.init(field: "post", problem: "must be supervisor, acceptor or dispatcher")])
            }
            post = p
        } else {
            post = .supervisor
        }
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
        let period = try Self.period(request)
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
