import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SupervisionService
import TestSupport
import Testing

/// `GET /api/v1/cases/counts` in process: its groupings, the list's filters, every bad parameter
/// named, the token's scope kept, and the cache key that tells different counts apart.
@Suite("supervision counts (in process)")
struct CaseCountsRouteTests {
    let routes: InProcessRoutes
    let api: SupervisionAPI

    init() throws {
        routes = try InProcessRoutes(service: "supervision")
        api = SupervisionAPI(env: routes.env, engine: CaseEngine(refs: try InProcessRoutes.reference()), counts: CountsCache(ttl: 0),
                             searchTuning: SearchTuning())
    }

    func add(_ router: ServiceRouter) { api.register(router) }

    static func request(_ query: String) -> Request {
        Request(head: .init(method: .get, scheme: "http", authority: "x", path: "/api/v1/cases/counts?\(query)"), body: .init(buffer: ByteBuffer()))
    }

    static func token(_ scope: String) -> AccessToken {
        AccessToken(sub: "s", role: .auditor, scope: AccessScope(scope)!, iat: Date(), exp: Date().addingTimeInterval(60))
    }

    @Test("every bad parameter is named at once: unknown names, groupings, states, dates, an inverted range, overdue")
    func badParameters() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.get, "/api/v1/cases/counts?by=colour&q=x&limit=5&state=in_handling,lost&from=today&overdue=maybe",
                                                 headers: routes.bearer(.auditor))
            #expect(response.status == .unprocessableContent)
            #expect(Set(try ErrorBody(response).fields) == ["by", "q", "limit", "state", "from", "overdue"])
            let inverted = try await client.send(.get, "/api/v1/cases/counts?by=channel&from=2026-12-03T00:00:00%2B08:00&to=2026-12-02T00:00:00%2B08:00",
                                                 headers: routes.bearer(.auditor))
            #expect(try ErrorBody(inverted).fields == ["to"])
            let both = try await client.send(.get, "/api/v1/cases/counts?state=closed&status=closed", headers: routes.bearer(.auditor))
            #expect(try ErrorBody(both).fields == ["status"])
        }
    }

    @Test("grid and channel are groupings, each one column")
    func groupings() throws {
        #expect(CaseCountDimension.grid.column == "grid_code")
        #expect(CaseCountDimension.channel.column == "channel")
        #expect(Set(CaseCountDimension.allCases.map(\.rawValue)) == ["status", "district", "street", "department", "grid", "channel"])
        let plain = try SupervisionAPI.countQuery(Self.request(""), token: Self.token("city"), now: Date())
        #expect(plain.dimension == .status)
        #expect(SQLFilter(plain.filters).sql == "TRUE")
    }

    @Test("the list's filters select the counted cases; the token's scope always comes first")
    func filters() throws {
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let asked = try SupervisionAPI.countQuery(
            Self.request("by=grid&state=in_handling,awaiting_dispatch&overdue=true&from=2026-12-03T00:00:00%2B08:00&to=2026-12-04T00:00:00%2B08:00&district=150105&channel=app&class=01"),
            token: Self.token("district:150102"), now: now)
        #expect(asked.dimension == .grid)
        #expect(asked.filters.scope == AccessScope("district:150102"))
        #expect(asked.filters.states == [.inHandling, .awaitingDispatch])
        #expect(asked.filters.overdueAt == now)
        #expect(asked.filters.reportedFrom == RFC3339.parse("2026-12-02T16:00:00Z"))
        #expect(asked.filters.reportedBefore == RFC3339.parse("2026-12-03T16:00:00Z"))
        let filter = SQLFilter(asked.filters)
        #expect(filter.clauses.first == "district_code = $1")
        #expect(filter.clauses.contains("state = ANY($2::text[])"))
        #expect(filter.clauses.contains { $0.hasPrefix("channel = ") })
        #expect(filter.clauses.contains { $0.hasPrefix("(clock_overdue_at IS NOT NULL OR clock_deadline < ") })
        #expect(filter.clauses.contains { $0.hasPrefix("reported_at >= ") } && filter.clauses.contains { $0.hasPrefix("reported_at < ") })
    }

    @Test("the cache key: the same counts share one, any other grouping, scope or filter does not")
    func cacheKeys() throws {
        func key(_ query: String, _ scope: String = "city") throws -> String {
            try SupervisionAPI.countQuery(Self.request(query), token: Self.token(scope), now: Date()).cacheKey
        }
        #expect(try key("by=grid&state=in_handling,awaiting_dispatch") == key("state=awaiting_dispatch,in_handling&by=grid"))
        #expect(try key("by=grid&state=in_handling") == key("by=grid&status=in_handling"))
        let distinct = try [
            key("by=grid"), key("by=channel"), key("by=grid", "district:150102"), key("by=grid&state=in_handling"),
            key("by=grid&overdue=true"), key("by=grid&from=2026-12-03T00:00:00Z"), key("by=grid&to=2026-12-03T00:00:00Z"),
            key("by=grid&district=150102"), key("by=grid&street=150102"), key("by=grid&class=01"), key("by=grid&channel=app"),
            // A value holding the separator cannot pass for another filter.
            key("by=grid&district=1%7C2"), key("by=grid&district=1&street=2"),
        ]
        #expect(Set(distinct).count == distinct.count)
        #expect(try key("by=grid&overdue=false") == key("by=grid"))
    }
}
