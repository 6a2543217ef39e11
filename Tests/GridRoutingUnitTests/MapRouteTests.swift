import CityGridModel
import CityGridPlatform
import Foundation
@testable import GridRoutingService
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The workbench's map and catalogue routes in process: who may read them, the reference data's
/// shape, and the filters refused before the database is asked.
@Suite("grid-routing map routes (in process)")
struct MapRouteTests {
    let routes: InProcessRoutes
    let core: RoutingCore

    init() throws {
        routes = try InProcessRoutes(service: "grid-routing")
        core = RoutingCore(reference: try InProcessRoutes.reference())
    }

    func add(_ router: ServiceRouter) { MapRoutes(env: routes.env, core: core).add(to: router) }

    @Test("grids and the reference need a token; any staff post may read them")
    func tokens() async throws {
        try await routes.test(add) { client in
            for path in ["/api/v1/grids", "/api/v1/grids/150102001001001", "/api/v1/reference"] {
                let status = try await client.send(.get, path).status
                #expect(status == .unauthorized, "\(path)")
            }
            for role in [Role.department, .supervisor, .auditor] {
                let status = try await client.send(.get, "/api/v1/reference", headers: routes.bearer(role)).status
                #expect(status == .ok, "\(role)")
            }
        }
    }

    @Test("the reference names every class, condition, department and area of the loaded data")
    func reference() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.get, "/api/v1/reference", headers: routes.bearer(.dispatcher))
            let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
            let reference = core.reference
            #expect(body["version"] as? String == reference.version)
            #expect((body["classes"] as? [Any])?.count == reference.classes.count)
            #expect((body["filingConditions"] as? [Any])?.count == reference.filingConditions.count)
            #expect((body["departments"] as? [Any])?.count == reference.departments.count)
            #expect((body["communities"] as? [Any])?.count == reference.communities.count)
            let first = (body["filingConditions"] as? [[String: Any]])?.first
            #expect((first?["limits"] as? [String: Any])?.keys.sorted() == ["A", "B", "C"])
        }
    }

    @Test("a bad box, an unknown filter and a malformed grid code are 422 naming the field")
    func refusals() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.dispatcher)
            for box in ["1,2,3", "a,b,c,d", "111.7,40.8,111.6,40.9", "200,40,201,41", "111,40,112,95", "nan,40,112,41"] {
                let response = try await client.send(.get, "/api/v1/grids?bbox=\(box)", headers: headers)
                #expect(response.status == .unprocessableContent, "\(box)")
                #expect(try ErrorBody(response).fields == ["bbox"], "\(box)")
            }
            let unknown = try await client.send(.get, "/api/v1/grids?distrct=150102", headers: headers)
            #expect(try ErrorBody(unknown).fields == ["distrct"])
            for code in ["15010200100100", "15010200100100x"] {
                let response = try await client.send(.get, "/api/v1/grids/\(code)", headers: headers)
                #expect(response.status == .unprocessableContent, "\(code)")
                #expect(try ErrorBody(response).fields == ["code"])
            }
        }
    }
}

/// The responsibility chain the manual desk shows, from the same resolver that dispatches.
@Suite("responsibility chain")
struct ResponsibilityChainTests {
    let planner: DispatchPlanner

    init() throws { planner = DispatchPlanner(reference: try InProcessRoutes.reference()) }

    @Test("the chain starts with the department automatic routing picks, names each once, and marks returners")
    func chainOrder() throws {
        let grid = try #require(planner.reference.grids.first { $0.code.hasPrefix("150102") }).code
        for condition in planner.reference.filingConditions.prefix(40) {
            let decision = planner.decide(kind: condition.kind, classCode: condition.classCode, componentCode: nil, gridCode: grid)
            let chain = planner.chain(kind: condition.kind, classCode: condition.classCode, componentCode: nil, gridCode: grid)
            guard case .department(let first, let via) = decision else {
                #expect(chain.isEmpty, "\(condition.id): no department, no chain")
                continue
            }
            #expect(chain.first == ChainLink(departmentCode: first, step: via, returned: false), "\(condition.id)")
            #expect(Set(chain.map(\.departmentCode)).count == chain.count, "\(condition.id): a department twice")
            // With the first one returned, automatic routing picks the chain's second.
            let marked = planner.chain(kind: condition.kind, classCode: condition.classCode, componentCode: nil, gridCode: grid, returned: [first])
            #expect(marked.map(\.departmentCode) == chain.map(\.departmentCode))
            #expect(marked.first?.returned == true && marked.dropFirst().allSatisfy { !$0.returned })
            if chain.count > 1, case .department(let next, _) = planner.decide(kind: condition.kind, classCode: condition.classCode,
                                                                             componentCode: nil, gridCode: grid, excluding: [first]) {
                #expect(next == chain[1].departmentCode, "\(condition.id)")
            }
        }
    }
}
