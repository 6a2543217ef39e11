import CityGridModel
import CityGridPlatform
@testable import ConsoleService
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The admin and audit endpoints in process (over a store that points nowhere): what they decide
/// before the account store is asked, and the account rules they share with `citygrid users`.
@Suite("console admin routes in process")
struct AdminRouteTests {
    func withConsole<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let routes = try InProcessRoutes(service: "console")
        var settings = ConsoleSettings(upstreams: ["supervision": "http://127.0.0.1:9"], publicFolder: ConsoleRouteTests.publicFolder)
        settings.scryptLogN = 10
        let console = Console(env: routes.env, settings: settings)
        return try await routes.test({ console.addRoutes(to: $0) }, body)
    }

    static let changes: [(HTTPRequest.Method, String)] = [
        (.post, "/console/accounts"), (.patch, "/console/accounts/alice"), (.post, "/console/accounts/alice/disable"),
        (.post, "/console/accounts/alice/enable"), (.post, "/console/accounts/alice/reset-password"),
    ]
    static let reads = ["/console/accounts", "/console/audit/sign-ins", "/console/audit/case-opens", "/console/clock"]

    @Test("every admin change without X-CSRF-Token is 403 csrf_failed, before any store lookup")
    func csrf() async throws {
        try await withConsole { client in
            for (method, path) in Self.changes {
                let response = try await client.send(method, path, headers: ConsoleRouteTests.cookie, json: "{}")
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(try ErrorBody(response).code == "csrf_failed", "\(method) \(path)")
            }
        }
    }

    @Test("without a session every /console/ endpoint is 401 not_signed_in (never a missing file)")
    func notSignedIn() async throws {
        try await withConsole { client in
            for path in Self.reads {
                let response = try await client.send(.get, path)
                #expect(response.status == .unauthorized, "\(path)")
                #expect(try ErrorBody(response).code == "not_signed_in", "\(path)")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
            for (method, path) in Self.changes {
                var headers: HTTPFields = [:]
                headers[.init("X-CSRF-Token")!] = "token"
                #expect(try await client.send(method, path, headers: headers, json: "{}").status == .unauthorized, "\(method) \(path)")
            }
        }
    }

    @Test("a store that cannot be reached is 503 store_unavailable on the admin endpoints")
    func storeUnavailable() async throws {
        try await withConsole { client in
            var headers = ConsoleRouteTests.cookie
            headers[.init("X-CSRF-Token")!] = "token"
            for path in Self.reads {
                #expect(try ErrorBody(try await client.send(.get, path, headers: headers)).code == "store_unavailable", "\(path)")
            }
            let create = try await client.send(.post, "/console/accounts", headers: headers, json: #"{"login":"a","name":"b","role":"acceptor","scope":"city"}"#)
            #expect(create.status == .serviceUnavailable)
        }
    }

    @Test("account rules: logins, names, roles (never system), role ⇔ department scope, chosen and generated passwords")
    func rules() throws {
        #expect(try AccountRules.login("  Zhang.Wei ").get() == "zhang.wei")
        #expect(throws: AccountRules.Problem.self) { try AccountRules.login("zhang wei").get() }
        #expect(throws: AccountRules.Problem.self) { try AccountRules.login(String(repeating: "a", count: 65)).get() }
        #expect(throws: AccountRules.Problem.self) { try AccountRules.name("   ").get() }
        #expect(try AccountRules.role("shift_leader").get() == .shiftLeader)
        #expect(throws: AccountRules.Problem.self) { try AccountRules.role("system").get() }
        #expect(try AccountRules.scope("department:CGZF", for: .department).get() == AccessScope("department:CGZF"))
        #expect(throws: AccountRules.Problem.self) { try AccountRules.scope("city", for: .department).get() }
        #expect(throws: AccountRules.Problem.self) { try AccountRules.scope("department:CGZF", for: .dispatcher).get() }
        #expect(throws: AccountRules.Problem.self) { try AccountRules.scope("planet:earth", for: nil).get() }
        #expect(try AccountRules.scope("district:150102", for: .supervisor).get().description == "district:150102")
        #expect(throws: AccountRules.Problem.self) { try AccountRules.chosenPassword("short").get() }
        #expect(try AccountRules.chosenPassword("long enough pass").get() == "long enough pass")
        #expect(AccountRules.generatedPassword().count == 16)
        #expect(!AccountRules.assignableRoles.contains(.system))

        guard case .failure(let error) = AccountRules.newAccount(login: "bad login", name: "", role: "system", scope: "city") else {
            Issue.record("an invalid account was accepted")
            return
        }
        #expect(error.status == .unprocessableContent && error.code == "validation_failed")
        // The scope cannot be judged against a role that is not valid: three problems, all named at once.
        #expect(error.details.map(\.field) == ["login", "name", "role"])
        guard case .failure(let mismatch) = AccountRules.newAccount(login: "li.na", name: "李娜", role: "department", scope: "district:150102") else {
            Issue.record("a department account with a district scope was accepted")
            return
        }
        #expect(mismatch.details.map(\.field) == ["scope"])
        let valid = try AccountRules.newAccount(login: "Li.Na", name: " 李娜 ", role: "department", scope: "department:SZGY").get()
        #expect(valid.login == "li.na" && valid.name == "李娜" && valid.role == .department && valid.scope.description == "department:SZGY")
    }
}
