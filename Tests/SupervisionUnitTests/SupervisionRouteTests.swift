import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SupervisionService
import TestSupport
import Testing

/// The centre's routes in process: authentication before anything else, the list's parameters
/// (a misspelt filter must never widen a list), the spatial queries' inputs and the command bodies.
@Suite("supervision routes (in process)")
struct SupervisionRouteTests {
    let routes: InProcessRoutes
    let api: SupervisionAPI

    init() throws {
        routes = try InProcessRoutes(service: "supervision")
        api = SupervisionAPI(env: routes.env, engine: CaseEngine(refs: try InProcessRoutes.reference()), counts: CountsCache(ttl: 0),
                             searchTuning: SearchTuning())
    }

    func add(_ router: ServiceRouter) { api.register(router) }

    @Test("every query and command needs a token, even with a broken body")
    func tokenFirst() async throws {
        try await routes.test(add) { client in
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/cases"), (.get, "/api/v1/cases/counts"), (.get, "/api/v1/cases/near"),
                                   (.post, "/api/v1/cases/within"), (.get, "/api/v1/cases/C-1"), (.post, "/api/v1/cases/C-1/close"),
                                   (.post, "/api/v1/cases/C-1/verification"), (.post, "/api/v1/cases/C-1/file")] {
                let response = try await client.send(method, path, json: method == .post ? "{" : nil)
                #expect(response.status == .unauthorized, "\(method) \(path)")
            }
        }
    }

    @Test("the case list names each bad parameter: unknown names, states, dates, limits, cursors")
    func listParameters() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.get, "/api/v1/cases?stat=closed&state=closed,lost&from=yesterday&limit=0&cursor=zzz&overdue=maybe",
                                                 headers: routes.bearer(.supervisor))
            #expect(response.status == .unprocessableContent)
            #expect(Set(try ErrorBody(response).fields) == ["stat", "state", "from", "limit", "cursor", "overdue"])
            let both = try await client.send(.get, "/api/v1/cases?state=closed&status=closed", headers: routes.bearer(.supervisor))
            #expect(try ErrorBody(both).fields == ["status"])
            // A NUL would reach PostgreSQL as a parameter it cannot take (22021): refused here.
            let nul = try await client.send(.get, "/api/v1/cases?q=a%00b", headers: routes.bearer(.supervisor))
            #expect(nul.status == .unprocessableContent)
            #expect(try ErrorBody(nul).fields == ["q"])
            // Escapes that spell no UTF-8 are refused, naming the parameter.
            for query in ["q=%ED%A0%80", "q=%FF", "q=100%"] {
                let bad = try await client.send(.get, "/api/v1/cases?\(query)", headers: routes.bearer(.supervisor))
                #expect(bad.status == .unprocessableContent, "\(query)")
                #expect(try ErrorBody(bad).fields == ["q"], "\(query)")
            }
        }
    }

    @Test("the list query keeps the token's scope whatever the parameters ask")
    func listScope() throws {
        let token = AccessToken(sub: "s", role: .supervisor, scope: AccessScope("district:150102")!, iat: Date(), exp: Date().addingTimeInterval(60))
        let request = Request(head: .init(method: .get, scheme: "http", authority: "x", path: "/api/v1/cases?district=150105&state=in_handling"),
                              body: .init(buffer: ByteBuffer()))
        let query = try SupervisionAPI.listQuery(request, token: token, now: Date())
        #expect(query.scope == token.scope)
        #expect(query.districtCode == "150105")
        let filter = SQLFilter(query)
        // The scope's clause comes first and is always there; the asked-for district only narrows it.
        #expect(filter.clauses.first == "district_code = $1")
        #expect(filter.clauses.filter { $0.hasPrefix("district_code = ") }.count == 2)
    }

    @Test("counts: an unknown grouping is 422")
    func countsGrouping() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.get, "/api/v1/cases/counts?by=colour", headers: routes.bearer(.supervisor))
            #expect(response.status == .unprocessableContent)
            #expect(try ErrorBody(response).fields == ["by"])
        }
    }

    @Test("near: coordinates are required, finite and in range; the message says which")
    func nearParameters() async throws {
        try await routes.test(add) { client in
            let missing = try await client.send(.get, "/api/v1/cases/near", headers: routes.bearer(.supervisor))
            #expect(Set(try ErrorBody(missing).fields) == ["lon", "lat"])
            let huge = try await client.send(.get, "/api/v1/cases/near?lon=-1.79e308&lat=40.8&radius=0", headers: routes.bearer(.supervisor))
            let body = try ErrorBody(huge)
            #expect(Set(body.fields) == ["lon", "radius"])
            #expect(body.error.details.first { $0.field == "lon" }?.problem == "must be a longitude between -180 and 180")
            let limits = try await client.send(.get, "/api/v1/cases/near?lon=111.6&lat=40.8&limit=501&radious=5", headers: routes.bearer(.supervisor))
            #expect(Set(try ErrorBody(limits).fields) == ["limit", "radious"])
        }
    }

    @Test("within: a polygon needs three [lon, lat] points")
    func withinPolygon() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.post, "/api/v1/cases/within", headers: routes.bearer(.supervisor),
                                                 json: #"{"polygon": [[111.6, 40.8], [111.7]]}"#)
            #expect(try ErrorBody(response).fields == ["polygon"])
            let typed = try await client.send(.post, "/api/v1/cases/within", headers: routes.bearer(.supervisor), json: #"{"polygon": "box"}"#)
            #expect(try ErrorBody(typed).fields == ["polygon"])
        }
    }

    @Test("command bodies: wrong types, missing and invalid fields are 422 naming the field")
    func commandBodies() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.shiftLeader)
            let verdict = try await client.send(.post, "/api/v1/cases/C-1/verification", headers: headers, json: #"{"result": "maybe"}"#)
            #expect(try ErrorBody(verdict).fields == ["result"])
            let reason = try await client.send(.post, "/api/v1/cases/C-1/reject", headers: headers, json: "{}")
            #expect(try ErrorBody(reason).fields == ["reason"])
            let decision = try await client.send(.post, "/api/v1/cases/C-1/return-decision", headers: headers, json: #"{"approve": "yes"}"#)
            #expect(try ErrorBody(decision).fields == ["approve"])
            let date = try await client.send(.post, "/api/v1/cases/C-1/extension-decision", headers: headers,
                                             json: #"{"approve": true, "newDeadline": "next friday"}"#)
            #expect(try ErrorBody(date).fields == ["newDeadline"])
        }
    }

    @Test("a case is visible to its area, to the department holding it and to the city, to no one else")
    func caseVisibility() throws {
        let refs = try InProcessRoutes.reference()
        let grid = try #require(refs.grids.first)
        // Facts as a stored row holds them (decoded, so this test does not depend on how a report builds them).
        var facts = try MessageCoding.decoder().decode(CaseFacts.self, from: Data("""
            {"channel": "supervisor", "kind": "event", "classCode": "0101", "description": "x", "photos": [],
             "reportedAt": "2026-11-30T02:00:00Z"}
            """.utf8))
        facts.gridCode = grid.code
        var record = CaseRecord(id: UUID(), caseNumber: "C-1", state: .inHandling, reportedAt: Date())
        record.gridCode = grid.code
        record.currentDepartment = "SZGY"
        let stored = StoredCase(facts: facts, record: record, duplicateCount: 0)
        func token(_ scope: String) -> AccessToken {
            AccessToken(sub: "t", role: .supervisor, scope: AccessScope(scope)!, iat: Date(), exp: Date().addingTimeInterval(60))
        }
        #expect(SupervisionAPI.visible(stored, to: token("city")))
        #expect(SupervisionAPI.visible(stored, to: token("district:\(grid.code.prefix(6))")))
        #expect(SupervisionAPI.visible(stored, to: token("street:\(grid.code.prefix(9))")))
        #expect(!SupervisionAPI.visible(stored, to: token("district:999999")))
        #expect(SupervisionAPI.visible(stored, to: token("department:SZGY")))
        #expect(!SupervisionAPI.visible(stored, to: token("department:SZHW")))
    }
}
