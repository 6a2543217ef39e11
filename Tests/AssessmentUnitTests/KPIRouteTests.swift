@testable import AssessmentService
import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// Assessment's read API in process: who may read figures and rebuild them, and how a period or a
/// grouping that cannot be read is answered, before any stored event is loaded.
@Suite("assessment routes (in process)")
struct KPIRouteTests {
    let routes: InProcessRoutes
    let engine: KPIEngine

    init() throws {
        routes = try InProcessRoutes(service: "assessment")
        engine = AssessmentServiceDescriptor.engine(weights: AssessmentWeights(), components: [])
    }

    func add(_ router: ServiceRouter) { KPIRoutes(env: routes.env, engine: engine).register(on: router) }

    @Test("figures need a token; department tokens and posts without a reading role are 403")
    func whoMayRead() async throws {
        try await routes.test(add) { client in
            #expect(try await client.send(.get, "/api/v1/kpi/departments?period=2026-11").status == .unauthorized)
            let department = try await client.send(.get, "/api/v1/kpi/departments?period=2026-11", headers: routes.bearer(.department, "department:SZGY"))
            #expect(department.status == .forbidden)
            #expect(try ErrorBody(department).code == "forbidden")
            let system = try await client.send(.get, "/api/v1/kpi/areas?period=2026-11", headers: routes.bearer(.system))
            #expect(system.status == .forbidden)
            let rankings = try await client.send(.get, "/api/v1/rankings?family=departments&period=2026-11", headers: routes.bearer(.department, "department:SZGY"))
            #expect(rankings.status == .forbidden)
        }
    }

    @Test("only an admin may rebuild")
    func rebuildIsAdmins() async throws {
        try await routes.test(add) { client in
            for role in [Role.shiftLeader, .auditor, .supervisor] {
                let response = try await client.send(.post, "/api/v1/rebuild?period=2026-11", headers: routes.bearer(role))
                #expect(response.status == .forbidden, "\(role)")
            }
        }
    }

    @Test("a period is required and must read; from and to are days in order")
    func periods() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.auditor)
            let none = try await client.send(.get, "/api/v1/kpi/departments", headers: headers)
            #expect(none.status == .unprocessableContent)
            #expect(try ErrorBody(none).fields == ["period"])
            let garbled = try await client.send(.get, "/api/v1/kpi/departments?period=November", headers: headers)
            #expect(try ErrorBody(garbled).fields == ["period"])
            let backwards = try await client.send(.get, "/api/v1/kpi/departments?from=2026-11-30&to=2026-11-01", headers: headers)
            #expect(try ErrorBody(backwards).fields == ["from"])
            // Year 1 and earlier once reached the database and answered 500 on every endpoint.
            for (path, field) in [("kpi/departments?period=0001-01", "period"), ("kpi/areas?period=0000-W01", "period"),
                                  ("rankings?family=departments&period=0001-01-01", "period"),
                                  ("kpi/departments?from=0001-01-01&to=0001-01-31", "from"),
                                  // The sane span is the years 1900-2200 (DateBounds), both ends.
                                  ("kpi/departments?period=1899-12", "period"), ("kpi/departments?period=2201-01", "period"),
                                  ("kpi/departments?from=2200-12-01&to=2201-01-02", "to")] {
                let ancient = try await client.send(.get, "/api/v1/\(path)", headers: headers)
                #expect(ancient.status == .unprocessableContent, "\(path)")
                #expect(try ErrorBody(ancient).fields == [field], "\(path)")
            }
            let rebuild = try await client.send(.post, "/api/v1/rebuild?period=0001-01", headers: routes.bearer(.admin))
            #expect(rebuild.status == .unprocessableContent)
        }
    }

    @Test("groupings: level, post and the ranking family must be known")
    func groupings() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.auditor)
            let level = try await client.send(.get, "/api/v1/kpi/areas?period=2026-11&level=planet", headers: headers)
            #expect(try ErrorBody(level).fields == ["level"])
            let post = try await client.send(.get, "/api/v1/kpi/posts?period=2026-11&post=mayor", headers: headers)
            #expect(try ErrorBody(post).fields == ["post"])
            let family = try await client.send(.get, "/api/v1/rankings?period=2026-11&family=cities", headers: headers)
            #expect(try ErrorBody(family).fields == ["family"])
        }
    }
}
