import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird

/// `POST /session` (sign in), `GET /session` (who am I), `DELETE /session` (sign out).
struct SessionRoutes {
    let console: Console

    /// The body of sign-in and of `GET /session`.
    struct SessionBody: Codable, Sendable, ResponseEncodable {
        struct User: Codable, Sendable {
            var id: UUID
            var login: String
            var name: String
            var role: Role
            var scope: String
        }
        var user: User
        var csrfToken: String

        init(_ user: ConsoleUser, csrfToken: String) {
            self.user = User(id: user.id, login: user.login, name: user.name, role: user.role, scope: user.scope.description)
            self.csrfToken = csrfToken
        }
    }

    struct Credentials: Decodable {
        var login: String
        var password: String
    }

    func add(to router: ServiceRouter) {
        router.post("/session") { request, context in try await signIn(request, context) }
        router.get("/session") { request, context -> SessionBody in
            let session = try await console.session(request, context: context, stateChanging: false)
            return SessionBody(session.user, csrfToken: session.csrfToken)
        }
        router.delete("/session") { request, context -> Response in
            let session = try await console.session(request, context: context, stateChanging: true)
            try await console.store { try AccountStore.endSession(idHash: session.idHash, reason: "signed out", on: $0) }
            return Response(status: .noContent, headers: [.setCookie: SessionCookie.clear(secure: console.settings.secureCookies)])
        }
    }

    func signIn(_ request: Request, _ context: CityGridRequestContext) async throws -> Response {
        // A cross-site HTML form can only send form encodings or text/plain; insisting on JSON
        // means no other site can sign a browser in (login CSRF).
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/json" else {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: "sign in with a JSON body (Content-Type: application/json)")
        }
        let credentials = try await request.decodeJSON(as: Credentials.self, context: context)
        let login = AccountStore.normalise(login: credentials.login)
        var problems: [APIError.FieldProblem] = []
        if login.isEmpty || login.count > 64 { problems.append(.init(field: "login", problem: "must be 1 to 64 characters")) }
        if credentials.password.isEmpty || credentials.password.utf8.count > 1024 {
            problems.append(.init(field: "password", problem: "must be 1 to 1024 bytes"))
        }
        guard problems.isEmpty else { throw APIError.validation(problems) }
        let address = Console.clientAddress(context)
        let settings = console.settings

        if let wait = try await console.store({ connection -> Int? in
            let wait = try AccountStore.throttle(login: login, address: address, perLogin: settings.failuresPerLogin,
                                                 perAddress: settings.failuresPerAddress, windowSeconds: settings.throttleWindowSeconds,
                                                 on: connection)
            if wait != nil { try AccountStore.recordSignIn(login: login, user: nil, address: address, outcome: .throttled, on: connection) }
            return wait
        }) {
            throw ConsoleRefusal(APIError(status: .tooManyRequests, code: "too_many_attempts",
                                          message: "too many failed sign-ins for this account or address; try again in \(wait) s"),
                                 headers: [.retryAfter: String(wait)])
        }

        let candidate = try await console.store { try AccountStore.signInCandidate(login: login, on: $0) }
        let password = credentials.password
        let hasher = console.hasher, decoy = console.decoyHash
        let matches = try await console.kdf { hasher.verify(password, against: candidate?.hash ?? decoy) }
        let outcome: SignInOutcome
        switch candidate {
        case .none: outcome = .unknownLogin
        case .some(let found) where !matches: outcome = found.disabled ? .disabled : .badPassword
        case .some(let found) where found.disabled: outcome = .disabled
        case .some: outcome = .success
        }
        guard outcome == .success, let user = candidate?.user, let storedHash = candidate?.hash else {
            try await console.store {
                try AccountStore.recordSignIn(login: login, user: candidate?.user.id, address: address, outcome: outcome, on: $0)
            }
            // One answer for every failure: which logins exist, and which are disabled, stays unknown.
            throw APIError(status: .unauthorized, code: "invalid_credentials", message: "the login or password is wrong")
        }

        // A hash made with weaker parameters than today's is replaced while the password is at hand.
        let upgraded: String? = hasher.needsRehash(storedHash) ? try? await console.kdf { try hasher.hash(password) } : nil
        let sessionID = Secrets.token(), csrfToken = Secrets.token()
        let idHash = Secrets.sessionHash(sessionID)
        try await console.storeTransaction { connection in
            try AccountStore.recordSignIn(login: login, user: user.id, address: address, outcome: .success, on: connection)
            try AccountStore.openSession(user: user.id, idHash: idHash, csrfToken: csrfToken, address: address,
                                         absoluteSeconds: settings.sessionAbsoluteSeconds, on: connection)
            if let upgraded { try AccountStore.setPasswordHash(login: login, hash: upgraded, endSessions: false, on: connection) }
        }
        // A cookie the browser still sends from an earlier sign-in ends with this one.
        if let old = request.cookies[SessionCookie.name]?.value, !old.isEmpty {
            let oldHash = Secrets.sessionHash(old)
            try? await console.store { try AccountStore.endSession(idHash: oldHash, reason: "signed in again", on: $0) }
        }
        let cookie = SessionCookie.set(sessionID, maxAge: settings.sessionAbsoluteSeconds, secure: settings.secureCookies)
        return try Reply(SessionBody(user, csrfToken: csrfToken), headers: [.setCookie: cookie]).response(from: request, context: context)
    }
}
