import CityGridModel
import CityGridPlatform
@testable import DisposalService
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// What the platform's HTTP shell answers for every service, shown on disposal's routes: a method
/// a served path does not answer is 405 with `Allow`, an unknown path 404, and a query parameter
/// sent empty a 422 naming it (what the OpenAPI documents promise and ContractFuzzTests checks).
@Suite("the HTTP shell: 405 with Allow, empty query parameters (in process)")
struct HTTPShellTests {
    let routes: InProcessRoutes
    init() throws { routes = try InProcessRoutes(service: "disposal") }
    func add(_ router: ServiceRouter) { TaskRoutes(env: routes.env).add(to: router) }

    @Test("a served path asked with another method is 405 naming the methods it serves; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await routes.test(add) { client in
            let trace = try await client.send(.trace, "/api/v1/departments/SZGY/tasks")
            #expect(trace.status == .methodNotAllowed)
            #expect(trace.headers[.allow] == "GET")
            #expect(try ErrorBody(trace).code == "method_not_allowed")
            let get = try await client.send(.get, "/api/v1/tasks/6f1c2a52-8d7e-4a1b-9a3e-2b1f0c9d8e7a/accept")
            #expect(get.status == .methodNotAllowed)
            #expect(get.headers[.allow] == "POST")
            let unknown = try await client.send(.get, "/api/v1/nothing-here")
            #expect(unknown.status == .notFound)
            #expect(try ErrorBody(unknown).code == "not_found")
        }
    }

    @Test("a query parameter sent empty is a 422 naming it, not its default")
    func emptyParameter() async throws {
        try await routes.test(add) { client in
            let empty = try await client.send(.get, "/api/v1/departments/SZGY/tasks?page=&state=accepted",
                                              headers: routes.bearer(.department, "department:SZGY"))
            #expect(empty.status == .unprocessableContent)
            #expect(try ErrorBody(empty).fields == ["page"])
        }
    }

    @Test("the catalogue resolves a path as the router does: a literal segment wins over a capture")
    func literalWins() {
        let catalogue = RouteCatalogue {
            [("/api/v1/cases/{id}", "GET"), ("/api/v1/cases/within", "POST"), ("/open311/v2/requests.{format}", "GET"),
             ("/open311/v2/requests.{format}", "POST"), ("/api/{service}/**", "DELETE")]
        }
        #expect(catalogue.methods(at: "/api/v1/cases/within") == ["POST"])
        #expect(catalogue.methods(at: "/api/v1/cases/20261203-0042") == ["GET"])
        #expect(catalogue.methods(at: "/open311/v2/requests.xml") == ["GET", "POST"])
        #expect(catalogue.methods(at: "/open311/v2/requests.") == [])
        #expect(catalogue.methods(at: "/api/intake/reports/x") == ["DELETE"])
        #expect(catalogue.methods(at: "/elsewhere") == [])
    }
}
