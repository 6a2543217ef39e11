import CityGridModel
import CityGridPlatform
import Foundation
@testable import GridRoutingService
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The dispatchers' manual queue in process: who may use it, and how a placement or a choice of
/// department that cannot be right is refused before the queue is read.
@Suite("grid-routing routes (in process)")
struct ManualDispatchRouteTests {
    let routes: InProcessRoutes
    let core: RoutingCore
    let someCase = "6f1c2a52-8d7e-4a1b-9a3e-2b1f0c9d8e7a"

    init() throws {
        routes = try InProcessRoutes(service: "grid-routing")
        core = RoutingCore(reference: try InProcessRoutes.reference())
    }

    func add(_ router: ServiceRouter) { ManualDispatchRoutes(env: routes.env, core: core).add(to: router) }

    @Test("the queue is the dispatchers': no token 401, other posts 403, street scopes 403")
    func whoMayUseTheQueue() async throws {
        try await routes.test(add) { client in
            #expect(try await client.send(.get, "/api/v1/manual-dispatch").status == .unauthorized)
            for role in [Role.supervisor, .acceptor, .department, .auditor] {
                let response = try await client.send(.get, "/api/v1/manual-dispatch", headers: routes.bearer(role))
                #expect(response.status == .forbidden, "\(role)")
                #expect(try ErrorBody(response).code == "forbidden")
            }
            let street = try await client.send(.get, "/api/v1/manual-dispatch", headers: routes.bearer(.dispatcher, "street:150102001"))
            #expect(street.status == .forbidden)
        }
    }

    @Test("placing a case: the case id, the grid code's shape and the grid's existence are checked")
    func locateValidation() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.dispatcher)
            let badId = try await client.send(.post, "/api/v1/manual-dispatch/not-a-case/locate", headers: headers, json: "{}")
            #expect(badId.status == .unprocessableContent)
            #expect(try ErrorBody(badId).fields == ["caseId"])
            let missing = try await client.send(.post, "/api/v1/manual-dispatch/\(someCase)/locate", headers: headers, json: "{}")
            #expect(try ErrorBody(missing).fields == ["gridCode"])
            let shape = try await client.send(.post, "/api/v1/manual-dispatch/\(someCase)/locate", headers: headers,
                                              json: #"{"gridCode": "15010200100"}"#)
            #expect(try ErrorBody(shape).error.details.first?.problem == "must be 15 digits")
            let unknown = try await client.send(.post, "/api/v1/manual-dispatch/\(someCase)/locate", headers: headers,
                                                json: #"{"gridCode": "999999999999999"}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(try ErrorBody(unknown).error.details.first?.problem.hasPrefix("no unit grid") == true)
            let typed = try await client.send(.post, "/api/v1/manual-dispatch/\(someCase)/locate", headers: headers,
                                              json: #"{"gridCode": 150102001001001}"#)
            #expect(try ErrorBody(typed).fields == ["gridCode"])
        }
    }

    @Test("a district dispatcher cannot place a case in another district's grid (404: no probing)")
    func locateOutsideScope() async throws {
        let reference = try InProcessRoutes.reference()
        let today = reference.calendar.civilDate(of: routes.env.clock.now())
        let grids = reference.grids.filter { $0.isValid(on: today) }
        let districts = Set(grids.map { String($0.code.prefix(6)) }).sorted()
        try #require(districts.count >= 2, "the demo city has grids in at least two districts")
        let elsewhere = try #require(grids.first { !$0.code.hasPrefix(districts[0]) })
        try await routes.test(add) { client in
            let response = try await client.send(.post, "/api/v1/manual-dispatch/\(someCase)/locate",
                                                 headers: routes.bearer(.dispatcher, "district:\(districts[0])"),
                                                 json: #"{"gridCode": "\#(elsewhere.code)"}"#)
            #expect(response.status == .notFound)
        }
    }

    @Test("dispatching by hand: a department is required and must exist")
    func dispatchValidation() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.dispatcher)
            let missing = try await client.send(.post, "/api/v1/manual-dispatch/\(someCase)/dispatch", headers: headers)
            #expect(missing.status == .unprocessableContent)
            #expect(try ErrorBody(missing).fields == ["departmentCode"])
            let unknown = try await client.send(.post, "/api/v1/manual-dispatch/\(someCase)/dispatch", headers: headers,
                                                json: #"{"departmentCode": "NOBODY"}"#)
            #expect(try ErrorBody(unknown).error.details.first?.problem == "unknown department NOBODY")
        }
    }
}
