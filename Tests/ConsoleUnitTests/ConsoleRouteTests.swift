import CityGridModel
import CityGridPlatform
@testable import ConsoleService
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The console's routes in process, over a store that points nowhere: what they decide before
/// the account store is asked (CSRF header, missing session, unknown service, static paths), and
/// that a store they cannot reach is a 503, not a 500.
@Suite("console routes in process")
struct ConsoleRouteTests {
    static let publicFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Services/console/Public").path

    /// A vendor folder of our own (the tests do not depend on Debian's packages being installed).
    static func vendorFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-vendor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
        try Data("/* leaflet stand-in */".utf8).write(to: folder.appendingPathComponent("leaflet.js"))
        try Data("png".utf8).write(to: folder.appendingPathComponent("images/marker.png"))
        try Data("secret".utf8).write(to: folder.appendingPathComponent(".hidden"))
        return folder.path
    }

    func withConsole<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let routes = try InProcessRoutes(service: "console")
        var settings = ConsoleSettings(upstreams: ["supervision": "http://127.0.0.1:9", "intake": "http://127.0.0.1:9"],
                                       publicFolder: Self.publicFolder)
        settings.scryptLogN = 10
        settings.leafletFolder = try Self.vendorFolder()
        settings.chartFolder = "/nonexistent/chart.js-\(UUID().uuidString)"
        let console = Console(env: routes.env, settings: settings)
        return try await routes.test({ console.addRoutes(to: $0) }, body)
    }

    static let cookie: HTTPFields = [.cookie: "cg_session=some-session-id"]

    @Test("a state change without X-CSRF-Token is refused 403 csrf_failed, before any store lookup")
    func csrfRefused() async throws {
        try await withConsole { client in
            let signOut = try await client.send(.delete, "/session", headers: Self.cookie)
            #expect(signOut.status == .forbidden)
            #expect(try ErrorBody(signOut).code == "csrf_failed")
            let forwarded = try await client.send(.post, "/api/supervision/cases/abc/void", headers: Self.cookie, json: #"{"reason":"x"}"#)
            #expect(forwarded.status == .forbidden)
            #expect(try ErrorBody(forwarded).code == "csrf_failed")
            var empty = Self.cookie
            empty[.init("X-CSRF-Token")!] = ""
            #expect(try await client.send(.patch, "/api/supervision/cases/abc", headers: empty, json: "{}").status == .forbidden)
        }
    }

    @Test("without a session cookie: 401 not_signed_in on /session and on every forwarded method")
    func noSession() async throws {
        try await withConsole { client in
            for (method, path) in [(HTTPRequest.Method.get, "/session"), (.delete, "/session"), (.get, "/api/supervision/cases"),
                                   (.post, "/api/supervision/cases/x/file"), (.delete, "/api/intake/reports/x")] {
                let response = try await client.send(method, path)
                #expect(response.status == .unauthorized, "\(method) \(path)")
                #expect(try ErrorBody(response).code == "not_signed_in")
            }
        }
    }

    @Test("an unknown service is 404 unknown_service; a path escaping /api/v1 is 404")
    func unknownService() async throws {
        try await withConsole { client in
            let response = try await client.send(.get, "/api/payments/x", headers: Self.cookie)
            #expect(response.status == .notFound)
            #expect(try ErrorBody(response).code == "unknown_service")
            let escape = try await client.send(.get, "/api/supervision/%2e%2e/health/ready", headers: Self.cookie)
            #expect(escape.status == .notFound)
        }
        #expect(ForwardRoutes.restSegments("/api/supervision/cases/1", service: "supervision") == ["cases", "1"])
        #expect(ForwardRoutes.restSegments("/api/supervision/../metrics", service: "supervision") == nil)
        #expect(ForwardRoutes.restSegments("/api/supervision/cases/%2E%2E", service: "supervision") == nil)
        #expect(ForwardRoutes.restSegments("/api/supervision/cases//x", service: "supervision") == nil)
        #expect(ForwardRoutes.openedCase(service: "supervision", segments: ["cases", "C2026"]) == "C2026")
        #expect(ForwardRoutes.openedCase(service: "supervision", segments: ["cases", "counts"]) == nil)
        #expect(ForwardRoutes.openedCase(service: "supervision", segments: ["cases", "x", "timeline"]) == nil)
        #expect(ForwardRoutes.openedCase(service: "intake", segments: ["reports", "r1"]) == "r1")
    }

    @Test("an evidence upload to supervision is forwarded up to the upload limit; other bodies up to the console's own")
    func uploadLimit() throws {
        var settings = ConsoleSettings(upstreams: [:], publicFolder: "/nowhere")
        settings.uploadMaxBytes = 20_000_000
        #expect(ForwardRoutes.bodyLimit(service: "supervision", segments: ["evidence"], method: .post, settings: settings, otherwise: 1_000_000)
                == 20_000_000)
        #expect(ForwardRoutes.bodyLimit(service: "supervision", segments: ["cases", "C1", "check"], method: .post, settings: settings,
                                        otherwise: 1_000_000) == 1_000_000)
        #expect(ForwardRoutes.bodyLimit(service: "intake", segments: ["evidence"], method: .post, settings: settings, otherwise: 1_000_000)
                == 1_000_000)
        #expect(try ConsoleSettings.load(EnvironmentReader(["CITYGRID_CONSOLE_UPLOAD_MAX_BYTES": "2048"])).uploadMaxBytes == 2048)
        #expect(throws: ConfigurationError.self) { try ConsoleSettings.load(EnvironmentReader(["CITYGRID_CONSOLE_UPLOAD_MAX_BYTES": "1"])) }
    }

    @Test("sign-in needs a JSON body: a form post is 415, a body missing fields 422")
    func signInShape() async throws {
        try await withConsole { client in
            let form = try await client.execute(uri: "/session", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "login=a&password=b"))
            #expect(form.status == .unsupportedMediaType)
            #expect(try ErrorBody(form).code == "unsupported_media_type")
            let missing = try await client.send(.post, "/session", json: #"{"login": "a"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(try ErrorBody(missing).fields == ["password"])
        }
    }

    @Test("a store that cannot be reached is 503 store_unavailable, never 500")
    func storeUnavailable() async throws {
        try await withConsole { client in
            let response = try await client.send(.get, "/session", headers: Self.cookie)
            #expect(response.status == .serviceUnavailable)
            #expect(try ErrorBody(response).code == "store_unavailable")
        }
    }

    @Test("static files: the page at /, vendor files from their folder, nothing outside it, a missing folder 404")
    func staticFiles() async throws {
        try await withConsole { client in
            let page = try await client.send(.get, "/")
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("CityGrid 工作台"))
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(try await client.send(.get, "/js/main.js").headers[.contentType] == "text/javascript; charset=utf-8")
            let leaflet = try await client.send(.get, "/vendor/leaflet/leaflet.js")
            #expect(leaflet.status == .ok)
            #expect(String(buffer: leaflet.body) == "/* leaflet stand-in */")
            #expect(try await client.send(.get, "/vendor/leaflet/images/marker.png").status == .ok)
            for path in ["/vendor/leaflet/.hidden", "/vendor/leaflet/%2e%2e/%2e%2e/etc/passwd", "/vendor/leaflet/../index.html",
                         "/vendor/chart.js/chart.js", "/vendor/nothing/x.js", "/vendor/leaflet/missing.js", "/%2e%2e/Package.swift",
                         "/no-such-page.html"] {
                let response = try await client.send(.get, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(try ErrorBody(response).code == "not_found", "\(path)")
            }
        }
        let files = StaticFiles(publicFolder: "/srv/public", vendors: ["leaflet": "/usr/share/javascript/leaflet"])
        #expect(files.resolve("/") == .file("/srv/public/index.html"))
        #expect(files.resolve("/app/main.js") == .file("/srv/public/app/main.js"))
        #expect(files.resolve("/vendor/leaflet/leaflet.css") == .file("/usr/share/javascript/leaflet/leaflet.css"))
        #expect(files.resolve("/vendor/leaflet/../../../etc/passwd") == .notFound)
        #expect(files.resolve("/vendor/leaflet/%2E%2E/x") == .notFound)
        #expect(files.resolve("/vendor/leaflet") == .notFound)
        #expect(files.resolve("/../etc/passwd") == .notFound)
        #expect(files.resolve("/a/%2fetc%2fpasswd") == .notFound)
    }
}

@Suite("console security pieces")
struct ConsolePieceTests {
    @Test("scrypt hashes verify their password and no other; parameters travel with the hash")
    func passwordHashes() throws {
        let hasher = PasswordHasher(logN: 10)
        let stored = try hasher.hash("correct horse battery")
        #expect(stored.hasPrefix("scrypt$ln=10,r=8,p=1$"))
        #expect(hasher.verify("correct horse battery", against: stored))
        #expect(!hasher.verify("correct horse batterY", against: stored))
        #expect(!hasher.verify("", against: stored))
        #expect(try hasher.hash("correct horse battery") != stored, "a fresh salt per hash")
        // A stronger hasher still verifies the old hash, and asks for it to be replaced.
        let stronger = PasswordHasher(logN: 11)
        #expect(stronger.verify("correct horse battery", against: stored))
        #expect(stronger.needsRehash(stored))
        #expect(!hasher.needsRehash(stored))
        for malformed in ["", "scrypt$ln=10$x$y", "bcrypt$x$y$z", "scrypt$ln=40,r=8,p=1$AAAAAAAAAAA=$AAAA"] {
            #expect(!hasher.verify("x", against: malformed))
        }
        #expect(PasswordHasher.constantTimeEquals("abc", "abc"))
        #expect(!PasswordHasher.constantTimeEquals("abc", "abd"))
        #expect(!PasswordHasher.constantTimeEquals("abc", "abcd"))
    }

    @Test("the session cookie: HttpOnly, SameSite=Strict, Path=/, Max-Age, Secure when configured")
    func cookies() {
        #expect(SessionCookie.set("abc", maxAge: 43200, secure: false) == "cg_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200")
        #expect(SessionCookie.set("abc", maxAge: 60, secure: true) == "cg_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60; Secure")
        #expect(SessionCookie.clear(secure: false) == "cg_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
    }

    @Test("session ids are 256 random bits; only their hash is stored")
    func secrets() {
        let id = Secrets.token()
        #expect(id.count == 43)
        #expect(Secrets.token() != id)
        #expect(Secrets.sessionHash(id).count == 64)
        #expect(Secrets.sessionHash(id) == Secrets.sessionHash(id))
        #expect(Secrets.password().count == 16)
    }

    @Test("settings: dev upstreams by default, variables override, bad values name the variable")
    func settings() throws {
        let defaults = try ConsoleSettings.load(EnvironmentReader([:]))
        #expect(defaults.upstreams["supervision"] == "http://127.0.0.1:8084")
        #expect(defaults.upstreams["grid-routing"] == "http://127.0.0.1:8082")
        #expect(defaults.failuresPerLogin == 5 && defaults.failuresPerAddress == 20 && defaults.throttleWindowSeconds == 900)
        let custom = try ConsoleSettings.load(EnvironmentReader(["CITYGRID_CONSOLE_UPSTREAM_SUPERVISION": "http://10.0.0.4:9000/",
                                                                "CITYGRID_CONSOLE_SECURE_COOKIES": "true"]))
        #expect(custom.upstreams["supervision"] == "http://10.0.0.4:9000")
        #expect(custom.secureCookies)
        #expect(throws: ConfigurationError.self) {
            try ConsoleSettings.load(EnvironmentReader(["CITYGRID_CONSOLE_UPSTREAM_INTAKE": "ftp://x"]))
        }
        #expect(throws: ConfigurationError.self) {
            try ConsoleSettings.load(EnvironmentReader(["CITYGRID_CONSOLE_SECURE_COOKIES": "yes"]))
        }
    }

    @Test("a service without a broker needs no CITYGRID_AMQP_URL; the others still do")
    func noBroker() throws {
        let variables = EnvironmentReader(["CITYGRID_DB_URL": "postgresql://cg_console@127.0.0.1:1/citygrid"])
        let configuration = try ServiceConfiguration.load(service: "console", defaultHTTPPort: 8080, requiresBroker: false, environment: variables)
        #expect(configuration.amqpURL.isEmpty)
        #expect(ConsoleService.descriptor.usesBroker == false)
        #expect(ConsoleService.descriptor.defaultHTTPPort == 8080)
        #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration.load(service: "intake", defaultHTTPPort: 8081, environment: variables)
        }
    }
}
