import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// The console's own endpoints under `/console/`: accounts for admins (the same rules as
/// `citygrid users`, from ``AccountRules``), the sign-in and case-open audits for admins and
/// auditors, and the city's clock for every signed-in page. Changes go through the session check
/// with CSRF like every other state change.
struct AdminRoutes {
    let console: Console

    // MARK: Bodies

    struct Account: Codable, Sendable {
        var id: UUID
        var login: String
        var name: String
        var role: Role
        var scope: String
        /// `active` or `disabled`.
        var state: String
        var lastSignIn: Date?
        var openSessions: Int
        var createdAt: Date?

        init(_ listed: AccountStore.Listed) {
            id = listed.user.id
            login = listed.user.login
            name = listed.user.name
            role = listed.user.role
            scope = listed.user.scope.description
            state = listed.disabled ? "disabled" : "active"
            lastSignIn = listed.lastSignIn
            openSessions = listed.openSessions
            createdAt = listed.createdAt
        }
    }

    struct AccountList: ResponseEncodable, Sendable {
        var items: [Account]
    }

    /// An account after a change; `password` only when the console generated one (shown once:
    /// only its hash is kept).
    struct AccountChanged: ResponseEncodable, Sendable {
        var account: Account
        var password: String?
    }

    struct NewAccount: Decodable {
        var login: String
        var name: String
        var role: String
        var scope: String
        var password: String?
    }

    struct PostChange: Decodable {
        var role: String?
        var scope: String?
        var name: String?
    }

    struct PasswordChoice: Decodable {
        var password: String?
    }

    struct Page<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
        var items: [Item]
        /// Pass as `before` for the next (older) page; absent on the last page.
        var nextBefore: Int?
    }

    struct Clock: ResponseEncodable, Sendable {
        var now: Date
    }

    // MARK: Routes

    func add(to router: ServiceRouter) {
        router.get("/console/clock") { request, context -> Clock in
            _ = try await console.session(request, context: context, stateChanging: false)
            return Clock(now: console.env.clock.now())
        }
        router.get("/console/accounts") { request, context -> AccountList in
            _ = try await signedIn(request, context, roles: [.admin])
            var parameters = QueryParameters(request, known: ["role", "state", "q"])
            var filter = AccountStore.AccountFilter()
            if let text = parameters.text("role") {
                if let role = Role(rawValue: text) { filter.role = role } else { parameters.problem("role", "unknown role \(text)") }
            }
            filter.disabled = parameters.word("state", oneOf: ["active", "disabled"]).map { $0 == "disabled" }
            filter.text = parameters.text("q")
            try parameters.finish()
            let wanted = filter
            return AccountList(items: try await console.store { try AccountStore.list(wanted, on: $0) }.map(Account.init))
        }
        router.post("/console/accounts") { request, context -> Response in
            _ = try await signedIn(request, context, roles: [.admin], stateChanging: true)
            let body = try await request.decodeJSON(as: NewAccount.self, context: context)
            let user: ConsoleUser
            switch AccountRules.newAccount(login: body.login, name: body.name, role: body.role, scope: body.scope) {
            case .success(let valid): user = valid
            case .failure(let error): throw error
            }
            let (password, generated) = try chosenOrGenerated(body.password)
            // A taken login is answered before the slow hash; the insert below still decides a race.
            let login = user.login
            if try await console.store({ try AccountStore.account(login: login, on: $0) }) != nil { throw accountExists(login) }
            let hasher = console.hasher
            let hash = try await console.kdf { try hasher.hash(password) }
            guard try await console.storeTransaction({ try AccountStore.insertUserIfNew(user, passwordHash: hash, on: $0) }) else {
                throw accountExists(user.login)
            }
            let account = try await existing(user.login)
            return try Reply(AccountChanged(account: Account(account), password: generated ? password : nil), status: .created)
                .response(from: request, context: context)
        }
        router.patch("/console/accounts/{login}") { request, context -> AccountChanged in
            let session = try await signedIn(request, context, roles: [.admin], stateChanging: true)
            let login = try loginParameter(context)
            let body = try await request.decodeJSON(as: PostChange.self, context: context)
            let current = try await existing(login)
            var problems: [APIError.FieldProblem] = []
            var role = current.user.role
            if let text = body.role {
                switch AccountRules.role(text) {
                case .success(let value): role = value
                case .failure(let problem): problems.append(problem.detail)
                }
            }
            var scope = current.user.scope
            switch AccountRules.scope(body.scope ?? current.user.scope.description, for: role) {
            case .success(let value): scope = value
            case .failure(let problem): problems.append(problem.detail)
            }
            var name: String?
            if let text = body.name {
                switch AccountRules.name(text) {
                case .success(let value): name = value
                case .failure(let problem): problems.append(problem.detail)
                }
            }
            // An admin who demoted themselves could be left with nobody able to undo it.
            if session.user.login == login, role != current.user.role || scope != current.user.scope {
                problems.append(.init(field: "role", problem: "an admin cannot change their own role or scope; ask another admin"))
            }
            guard problems.isEmpty else { throw APIError.validation(problems) }
            let (newRole, newScope, newName) = (role, scope, name)
            // Renaming alone keeps the sessions; a new post ends them (the pages open were drawn for the old one).
            if newRole == current.user.role && newScope == current.user.scope {
                if let newName { _ = try await console.store { try AccountStore.setName(login: login, newName, on: $0) } }
            } else {
                _ = try await console.storeTransaction { try AccountStore.setPost(login: login, role: newRole, scope: newScope, name: newName, on: $0) }
            }
            return AccountChanged(account: Account(try await existing(login)), password: nil)
        }
        router.post("/console/accounts/{login}/disable") { request, context -> AccountChanged in
            let session = try await signedIn(request, context, roles: [.admin], stateChanging: true)
            let login = try loginParameter(context)
            guard session.user.login != login else {
                throw APIError.conflict("own_account", "an admin cannot disable their own account; ask another admin")
            }
            guard try await console.storeTransaction({ try AccountStore.setDisabled(login: login, true, on: $0) }) else { throw noAccount(login) }
            return AccountChanged(account: Account(try await existing(login)), password: nil)
        }
        router.post("/console/accounts/{login}/enable") { request, context -> AccountChanged in
            _ = try await signedIn(request, context, roles: [.admin], stateChanging: true)
            let login = try loginParameter(context)
            guard try await console.storeTransaction({ try AccountStore.setDisabled(login: login, false, on: $0) }) else { throw noAccount(login) }
            return AccountChanged(account: Account(try await existing(login)), password: nil)
        }
        router.post("/console/accounts/{login}/reset-password") { request, context -> AccountChanged in
            _ = try await signedIn(request, context, roles: [.admin], stateChanging: true)
            let login = try loginParameter(context)
            let body = try await request.decodeJSON(as: PasswordChoice.self, context: context)
            _ = try await existing(login)
            let (password, generated) = try chosenOrGenerated(body.password)
            let hasher = console.hasher
            let hash = try await console.kdf { try hasher.hash(password) }
            guard try await console.storeTransaction({ try AccountStore.setPasswordHash(login: login, hash: hash, endSessions: true, on: $0) }) else {
                throw noAccount(login)
            }
            return AccountChanged(account: Account(try await existing(login)), password: generated ? password : nil)
        }
        router.get("/console/audit/sign-ins") { request, context -> Page<AccountStore.SignInRecord> in
            _ = try await signedIn(request, context, roles: [.admin, .auditor])
            var parameters = QueryParameters(request, known: ["login", "outcome", "before", "limit"])
            let login = parameters.text("login").map(AccountStore.normalise(login:))
            var outcome: SignInOutcome?
            if let text = parameters.text("outcome") {
                if let value = SignInOutcome(rawValue: text) { outcome = value } else { parameters.problem("outcome", "unknown outcome \(text)") }
            }
            let before = parameters.has("before") ? parameters.integer("before", default: 0, range: 1...Int.max) : nil
            let limit = parameters.integer("limit", default: 50, range: 1...200)
            try parameters.finish()
            let wanted = outcome
            let rows = try await console.store { try AccountStore.signIns(login: login, outcome: wanted, before: before, limit: limit + 1, on: $0) }
            return Page(items: Array(rows.prefix(limit)), nextBefore: rows.count > limit ? rows[limit - 1].id : nil)
        }
        router.get("/console/audit/case-opens") { request, context -> Page<AccountStore.CaseOpenRecord> in
            _ = try await signedIn(request, context, roles: [.admin, .auditor])
            var parameters = QueryParameters(request, known: ["login", "case", "before", "limit"])
            let login = parameters.text("login").map(AccountStore.normalise(login:))
            let caseRef = parameters.text("case")
            let before = parameters.has("before") ? parameters.integer("before", default: 0, range: 1...Int.max) : nil
            let limit = parameters.integer("limit", default: 50, range: 1...200)
            try parameters.finish()
            let rows = try await console.store { try AccountStore.caseOpens(login: login, caseRef: caseRef, before: before, limit: limit + 1, on: $0) }
            return Page(items: Array(rows.prefix(limit)), nextBefore: rows.count > limit ? rows[limit - 1].id : nil)
        }
    }

    // MARK: Helpers

    /// The session (CSRF checked for a change) and 403 unless its role is one of `roles`.
    func signedIn(_ request: Request, _ context: CityGridRequestContext, roles: Set<Role>, stateChanging: Bool = false) async throws -> ConsoleSession {
        let session = try await console.session(request, context: context, stateChanging: stateChanging)
        guard roles.contains(session.user.role) else {
            throw APIError(status: .forbidden, code: "forbidden",
                           message: "only \(roles.map(\.rawValue).sorted().joined(separator: " or ")) may use this")
        }
        return session
    }

    func loginParameter(_ context: CityGridRequestContext) throws -> String {
        let raw = context.parameters.get("login") ?? ""
        return AccountStore.normalise(login: raw.removingPercentEncoding ?? raw)
    }

    func noAccount(_ login: String) -> APIError { APIError.notFound("account '\(login)'") }

    func accountExists(_ login: String) -> APIError {
        APIError.conflict("account_exists", "an account '\(login)' exists already; reset its password instead")
    }

    func existing(_ login: String) async throws -> AccountStore.Listed {
        guard let found = try await console.store({ try AccountStore.account(login: login, on: $0) }) else { throw noAccount(login) }
        return found
    }

    /// A password the admin typed (checked by the rules), or a generated one to show once.
    func chosenOrGenerated(_ given: String?) throws -> (String, generated: Bool) {
        guard let given, !given.isEmpty else { return (AccountRules.generatedPassword(), true) }
        switch AccountRules.chosenPassword(given) {
        case .success(let value): return (value, false)
        case .failure(let problem): throw APIError.validation([problem.detail])
        }
    }
}
