import BlockingThread
import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import Logging
import PGClient

/// The console's parts, built once per process: settings, the KDF, the upstream client, the file
/// reader. ``addRoutes(to:)`` puts its routes into the platform's HTTP shell.
public final class Console: Sendable {
    public let env: ServiceEnvironment
    public let settings: ConsoleSettings
    let hasher: PasswordHasher
    /// A hash nobody's password matches, verified for unknown logins so that they take as long
    /// as a wrong password (the answer's timing does not reveal which logins exist).
    let decoyHash: String
    let forwarder: Forwarder
    let files: StaticFiles
    /// scrypt runs here, off Swift's cooperative pool (two threads on this machine), one at a time:
    /// a burst of sign-ins queues instead of stalling every other request.
    let kdfThread = BlockingThread(name: "console-kdf")
    /// Static files are read here (reads block), apart from scrypt so a sign-in never delays a page.
    let fileThread = BlockingThread(name: "console-files")

    public init(env: ServiceEnvironment, settings: ConsoleSettings) {
        self.env = env
        self.settings = settings
        hasher = PasswordHasher(logN: settings.scryptLogN)
        decoyHash = (try? hasher.hash(Secrets.token())) ?? ""
        forwarder = Forwarder(upstreams: settings.upstreams, timeoutSeconds: settings.upstreamTimeoutSeconds)
        files = StaticFiles(publicFolder: settings.publicFolder,
                            vendors: ["leaflet": settings.leafletFolder, "chart.js": settings.chartFolder])
    }

    deinit {
        kdfThread.shutdown()
        fileThread.shutdown()
    }

    public func addRoutes(to router: ServiceRouter) {
        router.add(middleware: ConsoleHeadersMiddleware())
        router.add(middleware: StaticFilesMiddleware(files: files, reader: fileThread))
        ConsoleOpenAPI.add(to: router)
        SessionRoutes(console: self).add(to: router)
        AdminRoutes(console: self).add(to: router)
        ForwardRoutes(console: self).add(to: router)
    }

    // MARK: Shared by the routes

    /// Runs store work; a database that cannot be reached answers 503, not 500.
    func store<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        do {
            return try await env.pool.withConnection(body)
        } catch let error as PGError {
            env.logger.error("console store unavailable", metadata: ["error": "\(error)"])
            throw APIError(status: .serviceUnavailable, code: "store_unavailable",
                           message: "the console's account store cannot be reached; try again shortly")
        }
    }

    func storeTransaction<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        do {
            return try await env.pool.transaction(body)
        } catch let error as PGError {
            env.logger.error("console store unavailable", metadata: ["error": "\(error)"])
            throw APIError(status: .serviceUnavailable, code: "store_unavailable",
                           message: "the console's account store cannot be reached; try again shortly")
        }
    }

    func kdf<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T { try await kdfThread.run(body) }

    /// The session a request's cookie names, or 401. For a state-changing request the CSRF header
    /// must be present (checked before the store is asked) and equal the session's token (403).
    func session(_ request: Request, context: CityGridRequestContext, stateChanging: Bool) async throws -> ConsoleSession {
        guard let cookie = request.cookies[SessionCookie.name]?.value, !cookie.isEmpty else {
            throw ConsoleRefusal.notSignedIn("sign in first (POST /session)", clearCookie: false, secure: settings.secureCookies)
        }
        let presented = request.headers[.csrfToken]
        if stateChanging && (presented ?? "").isEmpty {
            throw ConsoleRefusal(APIError(status: .forbidden, code: "csrf_failed",
                                          message: "a state-changing request needs the X-CSRF-Token header with the session's csrfToken"))
        }
        let idHash = Secrets.sessionHash(cookie)
        let idle = settings.sessionIdleSeconds
        guard let session = try await store({ try AccountStore.liveSession(idHash: idHash, idleSeconds: idle, on: $0) }) else {
            throw ConsoleRefusal.notSignedIn("the session has ended or expired; sign in again", clearCookie: true, secure: settings.secureCookies)
        }
        if stateChanging, !PasswordHasher.constantTimeEquals(presented ?? "", session.csrfToken) {
            throw ConsoleRefusal(APIError(status: .forbidden, code: "csrf_failed", message: "the X-CSRF-Token header does not match this session"))
        }
        return session
    }

    /// The client's address as audited and throttled: the connection's peer.
    static func clientAddress(_ context: CityGridRequestContext) -> String? { context.clientAddress }

    static func isStateChanging(_ method: HTTPRequest.Method) -> Bool {
        method != .get && method != .head && method != .options
    }
}

/// Hummingbird re-exports `HTTPFields` but not its element type; the console names single fields.
typealias HTTPField = HTTPFields.Element

extension HTTPField.Name {
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}

/// A refusal with headers of its own (Retry-After, a cleared cookie). The platform's error
/// middleware keeps the body's code only for ``APIError``, so the console answers these itself.
struct ConsoleRefusal: Error {
    var error: APIError
    var headers: HTTPFields

    init(_ error: APIError, headers: HTTPFields = [:]) {
        self.error = error
        self.headers = headers
    }

    static func notSignedIn(_ message: String, clearCookie: Bool, secure: Bool) -> ConsoleRefusal {
        ConsoleRefusal(APIError(status: .unauthorized, code: "not_signed_in", message: message),
                       headers: clearCookie ? [.setCookie: SessionCookie.clear(secure: secure)] : [:])
    }

    func response() -> Response {
        var response = error.jsonResponse()
        for field in headers { response.headers.append(field) }
        return response
    }
}

/// Answers ``ConsoleRefusal`` with its headers, and puts the console's security headers on every
/// answer: the pages run only their own scripts, are never framed, and are not sniffed.
struct ConsoleHeadersMiddleware: RouterMiddleware {
    typealias Context = CityGridRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let refusal as ConsoleRefusal {
            response = refusal.response()
        } catch let error as APIError {
            response = error.jsonResponse()
        }
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xFrameOptions] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

extension HTTPFields.Element.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
