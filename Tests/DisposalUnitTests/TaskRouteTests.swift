import CityGridModel
import CityGridPlatform
@testable import DisposalService
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The departments' routes in process: who may read which inbox and act on tasks, and how bad
/// input is answered, all decided before the task store is touched.
@Suite("disposal routes (in process)")
struct TaskRouteTests {
    let routes: InProcessRoutes
    init() throws { routes = try InProcessRoutes(service: "disposal") }
    func add(_ router: ServiceRouter) { TaskRoutes(env: routes.env).add(to: router) }
    let task = "/api/v1/tasks/6f1c2a52-8d7e-4a1b-9a3e-2b1f0c9d8e7a"

    @Test("no token, a bad token and an expired token are 401 with the error body and a challenge")
    func unauthenticated() async throws {
        try await routes.test(add) { client in
            let missing = try await client.send(.get, "/api/v1/departments/SZGY/tasks")
            #expect(missing.status == .unauthorized)
            #expect(try ErrorBody(missing).code == "missing_token")
            #expect(missing.headers[.wwwAuthenticate] == "Bearer realm=\"citygrid\"")
            let forged = try await client.send(.get, "/api/v1/departments/SZGY/tasks", headers: [.authorization: "Bearer cg1.e30.AAAA"])
            #expect(forged.status == .unauthorized)
            #expect(try ErrorBody(forged).code == "invalid_token")
            let now = routes.env.clock.now()
            let expired = routes.authority.issue(AccessToken(sub: "x", role: .department, scope: AccessScope("department:SZGY")!,
                                                             iat: now.addingTimeInterval(-7200), exp: now.addingTimeInterval(-3600)))
            let late = try await client.send(.post, "\(task)/accept", headers: [.authorization: "Bearer \(expired)"], json: "{}")
            #expect(late.status == .unauthorized)
            #expect(try ErrorBody(late).error.message.contains("expired"))
        }
    }

    @Test("a department cannot see another department's inbox (404, not 403: no probing)")
    func otherDepartmentsInbox() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.get, "/api/v1/departments/SZGY/tasks", headers: routes.bearer(.department, "department:SZHW"))
            #expect(response.status == .notFound)
            #expect(try ErrorBody(response).code == "not_found")
        }
    }

    @Test("centre posts other than auditors and admins have no inbox access (403)")
    func rolesWithoutAccess() async throws {
        try await routes.test(add) { client in
            for role in [Role.supervisor, .acceptor, .dispatcher, .shiftLeader] {
                let response = try await client.send(.get, "/api/v1/departments/SZGY/tasks", headers: routes.bearer(role))
                #expect(response.status == .forbidden, "\(role)")
                #expect(try ErrorBody(response).code == "forbidden")
            }
            // A department token without a department scope is refused too.
            let unscoped = try await client.send(.get, "/api/v1/departments/SZGY/tasks", headers: routes.bearer(.department, "city"))
            #expect(unscoped.status == .forbidden)
        }
    }

    @Test("inbox parameters are checked together: every problem in one 422")
    func inboxParameters() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.get, "/api/v1/departments/SZGY/tasks?state=lost&page=0&pageSize=999",
                                                 headers: routes.bearer(.department, "department:SZGY"))
            #expect(response.status == .unprocessableContent)
            let body = try ErrorBody(response)
            #expect(body.code == "validation_failed")
            #expect(Set(body.fields) == ["state", "page", "pageSize"])
        }
    }

    @Test("a task id that is not a UUID is a task that does not exist")
    func malformedTaskId() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.get, "/api/v1/tasks/not-a-uuid", headers: routes.bearer(.department, "department:SZGY"))
            #expect(response.status == .notFound)
        }
    }

    @Test("operation bodies: broken JSON, wrong types and missing fields name the field (422)")
    func operationBodies() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.department, "department:SZGY")
            let broken = try await client.send(.post, "\(task)/complete", headers: headers, json: "{\"result\": ")
            #expect(broken.status == .unprocessableContent)
            #expect(try ErrorBody(broken).fields == ["body"])
            let wrongType = try await client.send(.post, "\(task)/extension", headers: headers,
                                                  json: #"{"requestedDeadline": 5, "reason": "rain"}"#)
            #expect(wrongType.status == .unprocessableContent)
            #expect(try ErrorBody(wrongType).fields == ["requestedDeadline"])
            let missing = try await client.send(.post, "\(task)/complete", headers: headers, json: "{}")
            #expect(missing.status == .unprocessableContent)
            #expect(try ErrorBody(missing).fields.contains("result"))
        }
    }

    @Test("a body over the size limit is 413 body_too_large")
    func oversizedBody() async throws {
        try await routes.test(add) { client in
            let note = String(repeating: "x", count: HTTPSettings.defaultMaxBodyBytes + 10)
            let response = try await client.send(.post, "\(task)/progress", headers: routes.bearer(.department, "department:SZGY"),
                                                 json: #"{"note": "\#(note)"}"#)
            #expect(response.status == .contentTooLarge)
            #expect(try ErrorBody(response).code == "body_too_large")
        }
    }

    @Test("an unknown path answers the same error body")
    func unknownPath() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.get, "/api/v1/nothing-here")
            #expect(response.status == .notFound)
            #expect(try ErrorBody(response).code == "not_found")
        }
    }
}
