import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PGClient
import TestSupport
import Testing

/// The console against the real database (its own scratch one) and, where forwarding matters,
/// a real supervision service: sign-in and its throttling, sign-out, expiry, CSRF, forwarding
/// with the user's scope, and the case-open audit. Accounts are made with `citygrid users add`.
@Suite("console: sessions, throttling, CSRF and forwarding", .serialized)
struct ConsoleTests {
    static let secret = "console-tests-secret-0123456789"
    let env = TestEnvironment()

    // MARK: Harness

    /// A browser's worth of HTTP: the cookie is kept by hand, so each test says what it sends.
    struct Browser {
        let port: Int
        var cookie: String?
        var csrf: String?
        static let session: URLSession = {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpShouldSetCookies = false
            configuration.httpCookieAcceptPolicy = .never
            return URLSession(configuration: configuration)
        }()

        struct Answer {
            var status: Int
            var headers: [String: String]
            var body: Data
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
            var code: String? { (json["error"] as? [String: Any])?["code"] as? String }
        }

        func call(_ method: String, _ path: String, json body: String? = nil, csrf sendCSRF: Bool = true,
                  contentType: String = "application/json", cookie explicit: String? = nil) async throws -> Answer {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = method
            request.timeoutInterval = 20
            if let cookie = explicit ?? cookie { request.setValue("\(SessionCookieName)=\(cookie)", forHTTPHeaderField: "Cookie") }
            if sendCSRF, let csrf { request.setValue(csrf, forHTTPHeaderField: "X-CSRF-Token") }
            if let body {
                request.setValue(contentType, forHTTPHeaderField: "Content-Type")
                request.httpBody = Data(body.utf8)
            }
            let (data, response) = try await Self.session.data(for: request)
            let http = response as! HTTPURLResponse
            var headers: [String: String] = [:]
            for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
            return Answer(status: http.statusCode, headers: headers, body: data)
        }

        /// Signs in; on success keeps the cookie and CSRF token.
        @discardableResult
        mutating func signIn(_ login: String, _ password: String) async throws -> Answer {
            let answer = try await call("POST", "/session", json: #"{"login": "\#(login)", "password": "\#(password)"}"#)
            if answer.status == 200 {
                let setCookie = answer.headers["set-cookie"] ?? ""
                cookie = setCookie.split(separator: ";").first.map { String($0.dropFirst(SessionCookieName.count + 1)) }
                csrf = answer.json["csrfToken"] as? String
            }
            return answer
        }
    }

    static let SessionCookieName = "cg_session"

    func startConsole(_ scratch: ScratchEnvironment, upstreams: [String: String] = [:], extra: [String: String] = [:]) async throws -> ServiceProcess {
        var variables = [
            "CITYGRID_DB_URL": try scratch.databaseURL("CONSOLE"),
            "CITYGRID_TOKEN_SECRET": Self.secret,
            "CITYGRID_CONSOLE_SCRYPT_LOG_N": "12",
            "CITYGRID_CONSOLE_FAILURES_PER_LOGIN": "3",
            "CITYGRID_CONSOLE_FAILURES_PER_ADDRESS": "7",
            "CITYGRID_CONSOLE_THROTTLE_WINDOW_SECONDS": "600",
        ]
        // Nothing listens on port 9: a service not started here is unreachable, never a dev one.
        for service in ["INTAKE", "GRID_ROUTING", "DISPOSAL", "SUPERVISION", "ASSESSMENT"] {
            variables["CITYGRID_CONSOLE_UPSTREAM_\(service)"] = upstreams[service] ?? "http://127.0.0.1:9"
        }
        for (k, v) in extra { variables[k] = v }
        let process = try ServiceProcess(executable: env.binDirectory + "/console", port: testPort(), environment: variables,
                                         removing: ["CITYGRID_AMQP_URL"])
        try await process.waitUntilReady()
        return process
    }

    /// `citygrid users <arguments>` on the scratch console schema, the password on stdin.
    @discardableResult
    func users(_ scratch: ScratchEnvironment, _ arguments: [String], stdin: String? = nil) throws -> (status: Int32, output: String) {
        try scratch.consoleUsers(arguments, stdin: stdin)
    }

    func addUser(_ scratch: ScratchEnvironment, _ login: String, role: String, scope: String, password: String) throws {
        let (status, output) = try users(scratch, ["add", "--login", login, "--name", "测试 \(login)", "--role", role, "--scope", scope,
                                                   "--password-stdin"], stdin: password)
        #expect(status == 0, "users add \(login): \(output)")
    }

    func count(_ scratch: ScratchEnvironment, _ sql: String, _ parameters: [any PGEncodable] = []) async throws -> Int {
        let pool = try scratch.adminPool()
        defer { Task { await pool.closeAll() } }
        return try await pool.withConnection { try $0.query(sql, parameters).first?.int("n") ?? 0 }
    }

    func execute(_ scratch: ScratchEnvironment, _ sql: String, _ parameters: [any PGEncodable] = []) async throws {
        let pool = try scratch.adminPool()
        defer { Task { await pool.closeAll() } }
        try await pool.withConnection { try $0.query(sql, parameters) }
    }

    // MARK: Tests

    @Test("sign in, GET /session, sign-out ends the session, expiry and disabling end it too; wrong passwords are throttled")
    func sessions() async throws {
        let scratch = try await ScratchEnvironment.recreate("console_sessions")
        let console = try await startConsole(scratch)
        defer { console.terminate() }
        try addUser(scratch, "alice", role: "acceptor", scope: "city", password: "alice-password-1")
        try addUser(scratch, "bob", role: "dispatcher", scope: "city", password: "bob-password-12")
        let (listed, listing) = try users(scratch, ["list"])
        #expect(listed == 0 && listing.contains("alice\t测试 alice\tacceptor\tcity\tactive"), "\(listing)")

        var browser = Browser(port: console.port)
        let signedIn = try await browser.signIn("Alice", "alice-password-1")
        #expect(signedIn.status == 200)
        let setCookie = signedIn.headers["set-cookie"] ?? ""
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/")
                && setCookie.contains("Max-Age=43200"), "\(setCookie)")
        #expect(browser.cookie?.count == 43 && browser.csrf?.count == 43)
        let user = signedIn.json["user"] as? [String: Any] ?? [:]
        #expect(user["login"] as? String == "alice" && user["role"] as? String == "acceptor" && user["scope"] as? String == "city")
        // Only the hash of the id is stored.
        #expect(try await count(scratch, "SELECT count(*) AS n FROM console.sessions WHERE id_hash = $1", [browser.cookie ?? ""]) == 0)

        let again = try await browser.call("GET", "/session")
        #expect(again.status == 200 && again.json["csrfToken"] as? String == browser.csrf)

        // Sign-out needs the CSRF token; then the old cookie is worth nothing.
        let forged = try await browser.call("DELETE", "/session", csrf: false)
        #expect(forged.status == 403 && forged.code == "csrf_failed")
        let signOut = try await browser.call("DELETE", "/session")
        #expect(signOut.status == 204)
        #expect(signOut.headers["set-cookie"]?.contains("Max-Age=0") == true)
        let after = try await browser.call("GET", "/session")
        #expect(after.status == 401 && after.code == "not_signed_in")
        #expect(try await browser.call("GET", "/api/supervision/cases").status == 401)

        // A session past its absolute or idle limit is over.
        try await browser.signIn("alice", "alice-password-1")
        try await execute(scratch, "UPDATE console.sessions SET expires_at = now() - interval '1 second' WHERE ended_at IS NULL")
        #expect(try await browser.call("GET", "/session").status == 401)
        try await browser.signIn("alice", "alice-password-1")
        try await execute(scratch, "UPDATE console.sessions SET last_seen_at = now() - interval '3 hours' WHERE ended_at IS NULL")
        #expect(try await browser.call("GET", "/session").status == 401)

        // Disabling ends open sessions and refuses sign-in with the right password.
        try await browser.signIn("alice", "alice-password-1")
        #expect(try users(scratch, ["disable", "alice"]).status == 0)
        #expect(try await browser.call("GET", "/session").status == 401)
        let disabled = try await browser.signIn("alice", "alice-password-1")
        #expect(disabled.status == 401 && disabled.code == "invalid_credentials")
        #expect(try users(scratch, ["enable", "alice"]).status == 0)

        // Throttling per login: three failures, then 429 even with the right password.
        let wrong = try await browser.signIn("alice", "not-her-password")
        #expect(wrong.status == 401 && wrong.code == "invalid_credentials")
        let unknown = try await browser.signIn("nobody", "whatever-password")
        #expect(unknown.status == 401 && unknown.code == "invalid_credentials", "an unknown login answers like a wrong password")
        #expect(try await browser.signIn("alice", "alice-password-1").status == 200, "the disabled attempt and one failure are below 3")
        for _ in 0..<3 { #expect(try await browser.signIn("alice", "still-not-it").status == 401) }
        let held = try await browser.signIn("alice", "alice-password-1")
        #expect(held.status == 429 && held.code == "too_many_attempts")
        let retry = Int(held.headers["retry-after"] ?? "") ?? 0
        #expect(retry > 500 && retry <= 600, "Retry-After \(retry)")
        #expect(try await browser.signIn("bob", "bob-password-12").status == 200, "another login from the address is still allowed")

        // Throttling per address: seven failures from 127.0.0.1 hold every login there.
        #expect(try await browser.signIn("ghost", "x").status == 401)
        let address = try await browser.signIn("bob", "bob-password-12")
        #expect(address.status == 429 && address.code == "too_many_attempts")
        #expect(try await count(scratch, "SELECT count(*) AS n FROM console.sign_in_audit WHERE outcome = 'throttled'") == 2)
        #expect(try await count(scratch, "SELECT count(*) AS n FROM console.sign_in_audit WHERE client_address = '127.0.0.1'") >= 15)

        // Held across a restart: the count lives in the audit table.
        console.terminate()
        _ = try await console.waitForExit()
        let restarted = try await startConsole(scratch)
        defer { restarted.terminate() }
        let stillHeld = try await Browser(port: restarted.port).call("POST", "/session", json: #"{"login": "bob", "password": "bob-password-12"}"#)
        #expect(stillHeld.status == 429)
    }

    @Test("forwarding: a district supervisor lists and opens its own case (audited), gets 404 for another district's; CSRF on forwarded POSTs")
    func forwarding() async throws {
        let scratch = try await ScratchEnvironment.recreate("console_forward")
        let supervision = try ServiceProcess(executable: env.binDirectory + "/supervision", port: testPort(), environment: [
            "CITYGRID_DB_URL": try scratch.databaseURL("SUPERVISION"),
            "CITYGRID_AMQP_URL": try scratch.amqpURL("SUPERVISION"),
            "CITYGRID_TOKEN_SECRET": Self.secret,
            "CITYGRID_SUPERVISION_SCAN_SECONDS": "1",
        ])
        defer { supervision.terminate() }
        try await supervision.waitUntilReady()
        let console = try await startConsole(scratch, upstreams: ["SUPERVISION": "http://127.0.0.1:\(supervision.port)"])
        defer { console.terminate() }

        // A case in 新城区 (150102), filed by supervision from its events.
        let id = UUID(), number = "T\(id.uuidString.prefix(8))"
        let reported = try await scratch.publish(CaseReported(
            caseId: id, caseNumber: number, channel: .supervisor, channelReference: nil, reporterId: "sup-7", reporterContact: nil,
            kind: .component, classCode: "0101", conditionId: "0101-01", componentCode: nil,
            location: ReportedLocation(longitude: 111.6801, latitude: 40.8330, address: "测试路1号"), description: "井盖缺失",
            photos: [], reportedAt: Date(), requiresVerification: false, selfHandled: nil, handledAtIntake: nil), subject: id)
        #expect(reported == [.confirmed])
        let located = try await scratch.publish(CaseLocated(
            caseId: id, caseNumber: number, gridCode: "150102001001001", communityCode: "150102001001", streetCode: "150102001",
            districtCode: "150102", areaClass: .b, longitude: 111.6801, latitude: 40.8330, method: .coordinates, matchedName: nil,
            recurrenceKey: "k"), subject: id)
        #expect(located == [.confirmed])
        let city = TokenAuthority(secret: Self.secret).issue(AccessToken(sub: "test", role: .auditor, scope: .city, iat: Date().addingTimeInterval(-60),
                                                                         exp: Date().addingTimeInterval(3600)))
        try await eventually("supervision has the case") {
            try await supervision.http("GET", "/api/v1/cases/\(id.uuidString.lowercased())", headers: ["Authorization": "Bearer \(city)"]).0 == 200
        }

        try addUser(scratch, "xc-supervisor", role: "supervisor", scope: "district:150102", password: "xincheng-pass-1")
        try addUser(scratch, "hm-supervisor", role: "supervisor", scope: "district:150103", password: "huimin-pass-12")
        try addUser(scratch, "leader", role: "shift_leader", scope: "city", password: "leader-pass-123")

        var own = Browser(port: console.port)
        #expect(try await own.signIn("xc-supervisor", "xincheng-pass-1").status == 200)
        let list = try await own.call("GET", "/api/supervision/cases?limit=50&district=150102")
        #expect(list.status == 200)
        let items = list.json["items"] as? [[String: Any]] ?? []
        #expect(items.contains { ($0["id"] as? String)?.lowercased() == id.uuidString.lowercased() }, "\(String(decoding: list.body, as: UTF8.self).prefix(300))")
        let opened = try await own.call("GET", "/api/supervision/cases/\(id.uuidString.lowercased())")
        #expect(opened.status == 200)
        #expect(((opened.json["case"] as? [String: Any])?["number"] as? String) == number)
        #expect(try await count(scratch, "SELECT count(*) AS n FROM console.case_open_audit WHERE login = 'xc-supervisor' AND case_ref = $1",
                                [id.uuidString.lowercased()]) == 1)

        var other = Browser(port: console.port)
        #expect(try await other.signIn("hm-supervisor", "huimin-pass-12").status == 200)
        let hidden = try await other.call("GET", "/api/supervision/cases/\(id.uuidString.lowercased())")
        #expect(hidden.status == 404 && hidden.code == "not_found", "the service's own answer: \(String(decoding: hidden.body, as: UTF8.self))")
        let byNumber = try await other.call("GET", "/api/supervision/cases/\(number)")
        #expect(byNumber.status == 404)
        let otherList = try await other.call("GET", "/api/supervision/cases?q=\(number)")
        #expect(otherList.status == 200 && (otherList.json["items"] as? [Any])?.isEmpty == true)
        #expect(try await count(scratch, "SELECT count(*) AS n FROM console.case_open_audit WHERE login = 'hm-supervisor'") == 0,
                "a case not shown is not recorded as opened")

        // A forwarded state change: refused without the CSRF header; with it the service itself answers
        // (here its 422 for the missing reason, passed back as it is).
        var leader = Browser(port: console.port)
        #expect(try await leader.signIn("leader", "leader-pass-123").status == 200)
        let forged = try await leader.call("POST", "/api/supervision/cases/\(id.uuidString.lowercased())/void", json: "{}", csrf: false)
        #expect(forged.status == 403 && forged.code == "csrf_failed")
        let passed = try await leader.call("POST", "/api/supervision/cases/\(id.uuidString.lowercased())/void", json: "{}")
        #expect(passed.status == 422 && passed.code == "validation_failed", "\(String(decoding: passed.body, as: UTF8.self))")
        var badToken = leader
        badToken.csrf = "not-the-token"
        #expect(try await badToken.call("POST", "/api/supervision/cases/\(id.uuidString.lowercased())/void", json: "{}").code == "csrf_failed")

        // A password reset ends the account's open sessions.
        let (reset, resetOutput) = try users(scratch, ["reset-password", "xc-supervisor"])
        #expect(reset == 0 && resetOutput.contains("password reset"), "\(resetOutput)")
        let newPassword = resetOutput.split(separator: "\t").dropFirst().first.map(String.init) ?? ""
        #expect(newPassword.count == 16, "a generated password is printed once: \(resetOutput)")
        #expect(try await own.call("GET", "/api/supervision/cases").status == 401)
        #expect(try await own.signIn("xc-supervisor", "xincheng-pass-1").status == 401)
        #expect(try await own.signIn("xc-supervisor", newPassword).status == 200)

        // A service that does not answer, and one that does not exist.
        let unreachable = try await own.call("GET", "/api/intake/reports/\(id.uuidString.lowercased())")
        #expect(unreachable.status == 502 && unreachable.code == "upstream_unavailable")
        let unknown = try await own.call("GET", "/api/payments/x")
        #expect(unknown.status == 404 && unknown.code == "unknown_service")
    }

    @Test("accounts admin: create (generated password shown once), list with filters, change post, disable, enable, reset; audits; admins only, CSRF")
    func accountsAdmin() async throws {
        let scratch = try await ScratchEnvironment.recreate("console_admin")
        let console = try await startConsole(scratch)
        defer { console.terminate() }
        try addUser(scratch, "root", role: "admin", scope: "city", password: "root-password-1")
        try addUser(scratch, "watcher", role: "auditor", scope: "city", password: "watcher-pass-1")
        var admin = Browser(port: console.port)
        #expect(try await admin.signIn("root", "root-password-1").status == 200)

        // Create with a generated password: shown in this answer only, and it signs in.
        let created = try await admin.call("POST", "/console/accounts",
                                           json: #"{"login": "Wang.Fang", "name": "王芳", "role": "dispatcher", "scope": "city"}"#)
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        let password = created.json["password"] as? String ?? ""
        #expect(password.count == 16)
        let account = created.json["account"] as? [String: Any] ?? [:]
        #expect(account["login"] as? String == "wang.fang" && account["state"] as? String == "active" && account["role"] as? String == "dispatcher")
        var wang = Browser(port: console.port)
        #expect(try await wang.signIn("wang.fang", password).status == 200)
        // A chosen password is not echoed back.
        let chosen = try await admin.call("POST", "/console/accounts",
                                          json: #"{"login": "li.na", "name": "李娜", "role": "department", "scope": "department:SZGY", "password": "li-na-password"}"#)
        #expect(chosen.status == 201 && chosen.json["password"] == nil)
        // The rules of citygrid users, every problem named; a taken login is 409.
        let invalid = try await admin.call("POST", "/console/accounts", json: #"{"login": "x y", "name": "", "role": "system", "scope": "city"}"#)
        #expect(invalid.status == 422 && invalid.code == "validation_failed")
        let fields = ((invalid.json["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
        #expect(fields == ["login", "name", "role"])
        let mismatch = try await admin.call("POST", "/console/accounts", json: #"{"login": "zz", "name": "Z", "role": "department", "scope": "city"}"#)
        #expect(mismatch.status == 422)
        let taken = try await admin.call("POST", "/console/accounts", json: #"{"login": "WANG.FANG", "name": "又一个", "role": "acceptor", "scope": "city"}"#)
        #expect(taken.status == 409 && taken.code == "account_exists")
        let forged = try await admin.call("POST", "/console/accounts", json: #"{"login": "mallory", "name": "M", "role": "admin", "scope": "city"}"#, csrf: false)
        #expect(forged.status == 403 && forged.code == "csrf_failed")

        // The list with its filters.
        func logins(_ query: String) async throws -> [String] {
            let answer = try await admin.call("GET", "/console/accounts\(query)")
            #expect(answer.status == 200, "\(query)")
            return (answer.json["items"] as? [[String: Any]] ?? []).compactMap { $0["login"] as? String }
        }
        #expect(try await logins("") == ["li.na", "root", "wang.fang", "watcher"])
        #expect(try await logins("?role=department") == ["li.na"])
        #expect(try await logins("?q=%E7%8E%8B") == ["wang.fang"], "a part of the name")
        let listed = try await admin.call("GET", "/console/accounts?q=wang")
        let row = (listed.json["items"] as? [[String: Any]])?.first ?? [:]
        #expect(row["openSessions"] as? Int == 1 && row["lastSignIn"] != nil, "\(row)")
        #expect(try await admin.call("GET", "/console/accounts?state=gone").status == 422)

        // A new post ends the sessions; so do disabling and a reset. Enabling lets them back in.
        let moved = try await admin.call("PATCH", "/console/accounts/wang.fang", json: #"{"role": "shift_leader", "name": "王芳芳"}"#)
        #expect(moved.status == 200)
        #expect((moved.json["account"] as? [String: Any])?["role"] as? String == "shift_leader")
        #expect((moved.json["account"] as? [String: Any])?["name"] as? String == "王芳芳")
        #expect(try await wang.call("GET", "/session").status == 401)
        #expect(try await admin.call("PATCH", "/console/accounts/wang.fang", json: #"{"role": "department"}"#).status == 422,
                "department needs a department scope")
        #expect(try await wang.signIn("wang.fang", password).status == 200)
        let disabled = try await admin.call("POST", "/console/accounts/wang.fang/disable")
        #expect(disabled.status == 200 && (disabled.json["account"] as? [String: Any])?["state"] as? String == "disabled")
        #expect(try await wang.call("GET", "/session").status == 401)
        #expect(try await wang.signIn("wang.fang", password).status == 401)
        #expect(try await admin.call("POST", "/console/accounts/wang.fang/enable").status == 200)
        #expect(try await wang.signIn("wang.fang", password).status == 200)
        let reset = try await admin.call("POST", "/console/accounts/wang.fang/reset-password", json: "{}")
        let newPassword = reset.json["password"] as? String ?? ""
        #expect(reset.status == 200 && newPassword.count == 16 && newPassword != password)
        #expect(try await wang.call("GET", "/session").status == 401)
        #expect(try await wang.signIn("wang.fang", password).status == 401)
        #expect(try await wang.signIn("wang.fang", newPassword).status == 200)
        #expect(try await admin.call("POST", "/console/accounts/nobody/disable").status == 404)
        // An admin cannot lock themselves out.
        #expect(try await admin.call("POST", "/console/accounts/root/disable").status == 409)
        #expect(try await admin.call("PATCH", "/console/accounts/root", json: #"{"role": "auditor"}"#).status == 422)

        // Non-admins: 403 on accounts; the auditor reads the audits, the shift leader does not.
        let notAdmin = try await wang.call("GET", "/console/accounts")
        #expect(notAdmin.status == 403 && notAdmin.code == "forbidden")
        #expect(try await wang.call("POST", "/console/accounts/li.na/disable").status == 403)
        #expect(try await wang.call("GET", "/console/audit/sign-ins").status == 403)
        var watcher = Browser(port: console.port)
        #expect(try await watcher.signIn("watcher", "watcher-pass-1").status == 200)
        #expect(try await watcher.call("GET", "/console/accounts").status == 403)
        let first = try await watcher.call("GET", "/console/audit/sign-ins?login=wang.fang&limit=2")
        #expect(first.status == 200)
        let page1 = first.json["items"] as? [[String: Any]] ?? []
        #expect(page1.count == 2 && page1.first?["outcome"] as? String == "success" && page1.first?["address"] as? String == "127.0.0.1")
        let before = first.json["nextBefore"] as? Int ?? 0
        let second = try await watcher.call("GET", "/console/audit/sign-ins?login=wang.fang&limit=2&before=\(before)")
        let page2 = second.json["items"] as? [[String: Any]] ?? []
        let ids = (page1 + page2).compactMap { $0["id"] as? Int }
        #expect(ids == ids.sorted(by: >) && Set(ids).count == ids.count, "newest first, no row twice: \(ids)")
        let failures = try await watcher.call("GET", "/console/audit/sign-ins?login=wang.fang&outcome=disabled")
        #expect((failures.json["items"] as? [[String: Any]])?.count == 1)
        #expect(try await watcher.call("GET", "/console/audit/sign-ins?outcome=maybe").status == 422)
        let opens = try await watcher.call("GET", "/console/audit/case-opens")
        #expect(opens.status == 200 && (opens.json["items"] as? [Any])?.isEmpty == true)
        let clock = try await watcher.call("GET", "/console/clock")
        #expect(clock.status == 200 && clock.json["now"] is String)
    }
}
