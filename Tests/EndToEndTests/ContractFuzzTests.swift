import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// The OpenAPI documents are true: Schemathesis (every check, every phase, a fixed seed, a bounded
/// number of examples per operation) finds no answer that a document does not promise, over every
/// operation of the five services and of the console (signed in as an admin). The services run as processes on a scratch environment with a
/// seeded city (a filed case dispatched to a department, a case on the manual desk, an Open311
/// request), and each operation is called by the role it is meant for with the seeded identifiers,
/// so the fuzzing reaches the 200s and not only the 404s.
///
/// Tuned for the suite (~20 examples per operation). `scripts/contract-fuzz` runs the same test with
/// more examples (CITYGRID_CONTRACT_FUZZ_EXAMPLES) and prints each service's figures.
@Suite("Contracts: Schemathesis finds no failure in any service or the console", .serialized)
struct ContractFuzzTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The five services; the console (in front of them) runs after them.
    static let services = ["intake", "grid-routing", "disposal", "supervision", "assessment"]

    static var settings: (examples: Int, seed: Int, only: Set<String>) {
        let env = ProcessInfo.processInfo.environment
        let examples = env["CITYGRID_CONTRACT_FUZZ_EXAMPLES"].flatMap(Int.init) ?? 20
        let seed = env["CITYGRID_CONTRACT_FUZZ_SEED"].flatMap(Int.init) ?? 20_261_203
        let only = Set((env["CITYGRID_CONTRACT_FUZZ_SERVICES"] ?? "").split(separator: ",").map(String.init))
        return (examples, seed, only)
    }

    /// What the seeding made, for the operations' parameters.
    struct SeededCity {
        var filedCaseId: String
        var filedCaseNumber: String
        var dispatchId: String
        var department: String
        var manualCaseId: String
        var open311RequestId: String
        var gridCode = "150105002005003"
    }

    /// A point inside grid 150105002005003 (street office STREET-150105002), as FullLoopTests uses.
    static let insideGrid = ["longitude": 111.6983394, "latitude": 40.8169077]

    static func seed(_ city: InjectedCity) async throws -> SeededCity {
        let supervisor = city.token(.supervisor, sub: "contract-supervisor")
        let filed = try await city.request("POST", "intake", "/api/v1/reports", body: [
            "channel": "supervisor", "reporterId": "contract-supervisor", "kind": "event", "classCode": "0102",
            "location": insideGrid, "description": "主次干道两侧生活垃圾散落堆放", "photos": ["https://photos.example/contract-1.jpg"],
        ], token: supervisor)
        guard filed.status == 201, let caseId = filed.json["caseId"] as? String, let number = filed.json["caseNumber"] as? String else {
            throw TestSetupError("seeding: the supervisor's report answered \(filed.status): \(filed.text)")
        }
        guard let tap = city.tap else { throw TestSetupError("seeding: the city has no tap") }
        let task = try await tap.nextEnvelope(TaskDispatched.self, subject: caseId, timeout: .seconds(60))
        // An address no geocoder knows: the case waits on the manual desk.
        let manual = try await city.request("POST", "intake", "/api/v1/reports", body: [
            "channel": "supervisor", "reporterId": "contract-supervisor", "kind": "event", "classCode": "0102",
            "location": ["address": "契约测试无名巷 999 号"], "description": "无法定位的地址", "photos": ["https://photos.example/contract-2.jpg"],
        ], token: supervisor)
        guard manual.status == 201, let manualId = manual.json["caseId"] as? String else {
            throw TestSetupError("seeding: the unlocatable report answered \(manual.status): \(manual.text)")
        }
        let dispatcher = city.token(.dispatcher, sub: "contract-dispatcher")
        try await eventually(timeout: .seconds(60), "the unlocatable case on the manual desk") {
            try await city.request("GET", "grid-routing", "/api/v1/manual-dispatch/\(manualId)", token: dispatcher).status == 200
        }
        // A public request, to read back through Open311.
        guard let intake = city.services["intake"] else { throw TestSetupError("no intake") }
        let form = "api_key=demo-open311-key&service_code=event-0102&lat=40.8169077&long=111.6983394&description=%E5%9E%83%E5%9C%BE"
        let (status, data) = try await intake.http("POST", "/open311/v2/requests.json", body: Data(form.utf8),
                                                   headers: ["Content-Type": "application/x-www-form-urlencoded"])
        let created = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]
        guard status == 201, let requestId = created?.first?["service_request_id"] as? String else {
            throw TestSetupError("seeding: the Open311 request answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        let department = city.department(task.departmentCode)
        let dispatch = task.dispatchId.uuidString.lowercased()
        try await eventually(timeout: .seconds(60), "the task in the department's inbox") {
            try await city.request("GET", "disposal", "/api/v1/tasks/\(dispatch)", token: department).status == 200
        }
        return SeededCity(filedCaseId: caseId, filedCaseNumber: number, dispatchId: dispatch, department: task.departmentCode,
                          manualCaseId: manualId, open311RequestId: requestId)
    }

    /// One operation's own caller and parameters (paths as the document writes them).
    struct Operation: Encodable {
        var method: String?
        var path: String
        var headers: [String: String]?
        var parameters: [String: String]?
        /// Why a request its schema allows may still be refused with 422 (a rule OpenAPI 3.0
        /// cannot state; the document states it in words).
        var refusedByRule: String?
        /// The statuses of such a refusal (422 when nil).
        var refusedWith: [String]?

        init(method: String? = nil, path: String, headers: [String: String]? = nil, parameters: [String: String]? = nil,
             refusedByRule: String? = nil, refusedWith: [String]? = nil) {
            self.method = method
            self.path = path
            self.headers = headers
            self.parameters = parameters
            self.refusedByRule = refusedByRule
            self.refusedWith = refusedWith
        }
    }

    /// Adds a rule to the operations of `paths` (added when not yet listed).
    static func rule(_ why: String, _ paths: [String], statuses: [String]? = nil, to operations: inout [Operation]) {
        for path in paths {
            if let index = operations.firstIndex(where: { $0.path == path }) {
                operations[index].refusedByRule = why
                operations[index].refusedWith = statuses
            } else {
                operations.append(Operation(path: path, refusedByRule: why, refusedWith: statuses))
            }
        }
    }

    struct Plan: Encodable {
        var service: String
        var document: String
        var url: String
        var seed: Int
        var maxExamples: Int
        var workDir: String
        var headers: [String: String]
        var operations: [Operation]
        var label: String? = nil
        var apiKeys: [String: String]? = nil
        var includeNames: [String]? = nil
        var excludeNames: [String]? = nil
    }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    /// Who calls what, with which seeded identifiers.
    static func plan(_ service: String, city: InjectedCity, seeded: SeededCity, folder: URL) throws -> Plan {
        let settings = Self.settings
        guard let process = city.services[service] else { throw TestSetupError("no \(service) in the city") }
        var headers: [String: String]
        var operations: [Operation] = []
        switch service {
        case "intake":
            headers = bearer(city.token(.supervisor, sub: "contract-supervisor"))
            operations = [
                Operation(path: "/api/v1/reports/{caseId}", parameters: ["caseId": seeded.filedCaseId]),
                Operation(path: "/open311/v2/services/{service_code}.{format}", parameters: ["service_code": "event-0102"]),
                Operation(path: "/open311/v2/requests/{service_request_id}.{format}", parameters: ["service_request_id": seeded.open311RequestId]),
            ]
        case "grid-routing":
            headers = bearer(city.token(.dispatcher, sub: "contract-dispatcher"))
            operations = [
                Operation(path: "/api/v1/manual-dispatch/{caseId}", parameters: ["caseId": seeded.manualCaseId]),
                Operation(path: "/api/v1/manual-dispatch/{caseId}/locate", parameters: ["caseId": seeded.manualCaseId]),
                Operation(path: "/api/v1/manual-dispatch/{caseId}/dispatch", parameters: ["caseId": seeded.manualCaseId]),
                Operation(path: "/api/v1/grids/{code}", parameters: ["code": seeded.gridCode]),
            ]
        case "disposal":
            headers = bearer(city.department(seeded.department))
            operations = [
                Operation(path: "/api/v1/departments/{code}/tasks", parameters: ["code": seeded.department]),
                Operation(path: "/api/v1/tasks/{dispatchId}", parameters: ["dispatchId": seeded.dispatchId]),
            ] + ["accept", "progress", "complete", "return", "extension", "suspension"].map {
                Operation(path: "/api/v1/tasks/{dispatchId}/\($0)", parameters: ["dispatchId": seeded.dispatchId])
            }
        case "supervision":
            headers = bearer(city.token(.shiftLeader, sub: "contract-shift-leader"))
            let roles: [(Role, [String])] = [
                (.acceptor, ["accept", "reject", "handle-at-intake", "return-visit"]),
                (.supervisor, ["verification", "check"]),
                (.dispatcher, ["return-decision", "urge"]),
                (.shiftLeader, ["file", "refuse-filing", "void", "extension-decision", "suspension-decision", "resume", "close",
                                "approve-self-handled", "reject-self-handled", "reopen-decision"]),
            ]
            for (role, commands) in roles {
                for command in commands {
                    operations.append(Operation(path: "/api/v1/cases/{id}/\(command)", headers: bearer(city.token(role, sub: "contract-\(role.rawValue)")),
                                                parameters: ["id": seeded.filedCaseId]))
                }
            }
            operations.append(Operation(path: "/api/v1/cases/{idOrNumber}", parameters: ["idOrNumber": seeded.filedCaseNumber]))
            let supervisor = bearer(city.token(.supervisor, sub: "contract-supervisor"))
            for path in ["/api/v1/field/tasks", "/api/v1/field/reports", "/api/v1/field/verifications", "/api/v1/field/checks",
                         "/api/v1/field/submissions/{clientId}"] {
                operations.append(Operation(path: path, headers: supervisor))
            }
        case "assessment":
            headers = bearer(city.token(.auditor, sub: "contract-auditor"))
            operations = [Operation(method: "POST", path: "/api/v1/rebuild", headers: bearer(city.token(.admin, sub: "contract-admin")))]
        default:
            throw TestSetupError("no plan for \(service)")
        }
        // Rules OpenAPI 3.0 cannot state, which each document states in words: a request its schema
        // allows may still be refused (422 naming the field) by these operations, and only by these.
        switch service {
        case "intake":
            rule("channel and class rules (a hotline category on 12345 only, a condition needs kind and classCode), a component of the register, a year of the working calendar, self-handled photos",
                 ["/api/v1/reports"], to: &operations)
            rule("start_date not after end_date, at most 90 days apart (400)", ["/open311/v2/requests.{format}"], statuses: ["400"], to: &operations)
        case "grid-routing":
            rule("a unit grid valid today", ["/api/v1/manual-dispatch/{caseId}/locate"], to: &operations)
            rule("a department of the reference data", ["/api/v1/manual-dispatch/{caseId}/dispatch"], to: &operations)
            rule("bbox: min ≤ max, longitudes within ±180, latitudes within ±90", ["/api/v1/grids"], to: &operations)
        case "disposal":
            rule("a requested deadline later than the current one and than now", ["/api/v1/tasks/{dispatchId}/extension"], to: &operations)
        case "supervision":
            rule("state or its older name status, not both; to not before from", ["/api/v1/cases", "/api/v1/cases/counts"], to: &operations)
            rule("kind and classCode together, a class of the reference data", ["/api/v1/cases/{id}/accept"], to: &operations)
            rule("reasonCode outside_city_management and competentBody go together", ["/api/v1/cases/{id}/reject", "/api/v1/cases/{id}/refuse-filing",
                                                                                       "/api/v1/cases/{id}/void"], to: &operations)
            rule("a refusal needs a reason; a new deadline later than now", ["/api/v1/cases/{id}/return-decision", "/api/v1/cases/{id}/extension-decision",
                                                                             "/api/v1/cases/{id}/suspension-decision"], to: &operations)
            rule("a filing condition of the case's class", ["/api/v1/cases/{id}/file"], to: &operations)
            rule("a department of the reference data; keeping the case closed needs a reason", ["/api/v1/cases/{id}/reopen-decision"], to: &operations)
            rule("[lon, lat] within ±180 and ±90, three distinct points", ["/api/v1/cases/within"], to: &operations)
            rule("exactly one of holder and queue=true", ["/api/v1/field-tasks"], to: &operations)
            rule("a supervisor of the roster", ["/api/v1/field-tasks/{taskId}/assign"], to: &operations)
            rule("areas in the token's scope, a title of 1–200 characters", ["/api/v1/patrols"], to: &operations)
            rule("an area of the city, today or later, validTo after validFrom", ["/api/v1/roster/assignments", "/api/v1/roster/assignments/{rowId}/end"],
                 to: &operations)
            rule("state or status, not both; from not after to; a span the export allows", ["/api/v1/cases/export"], to: &operations)
            rule("the file's content (sniffed) is one of the accepted types", ["/api/v1/evidence"], statuses: ["415"], to: &operations)
            rule("a position, an address or a component code; a task the supervisor holds",
                 ["/api/v1/field/reports", "/api/v1/field/verifications", "/api/v1/field/checks"], to: &operations)
        case "assessment":
            rule("period, or from and to (not both, not one alone); days in 1900–2200, from ≤ to",
                 ["/api/v1/kpi/departments", "/api/v1/kpi/areas", "/api/v1/kpi/posts", "/api/v1/kpi/facilities", "/api/v1/rankings", "/api/v1/rebuild"],
                 to: &operations)
        default: break
        }
        return Plan(service: service, document: root.appendingPathComponent("docs/openapi-\(service).yaml").path,
                    url: "http://127.0.0.1:\(process.port)", seed: settings.seed, maxExamples: settings.examples,
                    workDir: folder.path, headers: headers, operations: operations)
    }

    // MARK: The console

    /// The console in front of the city, on the scratch environment's console schema.
    static func startConsole(_ city: InjectedCity) async throws -> ServiceProcess {
        var variables = [
            "CITYGRID_DB_URL": try city.scratch.databaseURL("CONSOLE"),
            "CITYGRID_CLOCK_FILE": city.clockFile,
            "CITYGRID_CONSOLE_SCRYPT_LOG_N": "12",
        ]
        for (product, name) in [("intake", "INTAKE"), ("grid-routing", "GRID_ROUTING"), ("disposal", "DISPOSAL"),
                                ("supervision", "SUPERVISION"), ("assessment", "ASSESSMENT")] {
            guard let process = city.services[product] else { throw TestSetupError("no \(product) in the city") }
            variables["CITYGRID_CONSOLE_UPSTREAM_\(name)"] = "http://127.0.0.1:\(process.port)"
        }
        let console = try ServiceProcess(executable: TestEnvironment().binDirectory + "/console", port: testPort(), environment: variables,
                                         removing: ["CITYGRID_AMQP_URL"])
        try await console.waitUntilReady(timeout: .seconds(60))
        return console
    }

    /// `citygrid users add` on the scratch console schema, the password on stdin.
    static func addAccount(_ city: InjectedCity, _ login: String, role: String, password: String) throws {
        let (status, text) = try city.scratch.consoleUsers(["add", "--login", login, "--name", "契约 \(login)", "--role", role,
                                                            "--scope", "city", "--password-stdin"], stdin: password)
        guard status == 0 else { throw TestSetupError("citygrid users add \(login): \(text)") }
    }

    /// Signs in; the session cookie's value and the session's CSRF token.
    static func signIn(_ console: ServiceProcess, _ login: String, password: String) async throws -> (cookie: String, csrf: String) {
        // URLSession keeps the cookie of an earlier sign-in and would send it, and signing in with
        // a session's cookie ends that session: each sign-in here starts from no cookie.
        for cookie in HTTPCookieStorage.shared.cookies ?? [] { HTTPCookieStorage.shared.deleteCookie(cookie) }
        let body = try JSONSerialization.data(withJSONObject: ["login": login, "password": password])
        let answer = try await console.exchange("POST", "/session", body: body, headers: ["Content-Type": "application/json"])
        let object = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
        let setCookie = answer.headers["set-cookie"] ?? ""
        guard answer.status == 200, let csrf = object?["csrfToken"] as? String,
              let pair = setCookie.split(separator: ";").first, pair.hasPrefix("cg_session=") else {
            throw TestSetupError("signing in \(login) answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
        }
        return (String(pair.dropFirst("cg_session=".count)), csrf)
    }

    /// Two runs: everything but signing out with one session, and signing out with another (so
    /// the first run keeps its session to the end).
    static func consolePlans(_ console: ServiceProcess, folder: URL, password: String) async throws -> [Plan] {
        let settings = Self.settings
        let main = try await signIn(console, "contract-admin", password: password)
        let other = try await signIn(console, "contract-admin", password: password)
        let document = root.appendingPathComponent("docs/openapi-console.yaml").path
        var operations = ["/console/accounts/{login}", "/console/accounts/{login}/disable", "/console/accounts/{login}/enable",
                          "/console/accounts/{login}/reset-password"].map { Operation(path: $0, parameters: ["login": "contract-target"]) }
        // Through the console to a path a service serves (GET reaches its 200). A pass-through
        // answers what the service answers, whose own document is that contract (405 for a method
        // the path does not serve, 422 for what it refuses).
        operations.append(Operation(path: "/api/{service}/{path}", parameters: ["service": "supervision", "path": "cases"],
                                    refusedByRule: "the service's own answer: its document is the contract",
                                    refusedWith: ["405", "413", "415", "422", "502", "503"]))
        rule("the account rules (role department with scope department:<code> only; a login not taken, 409)", ["/console/accounts"],
             to: &operations)
        rule("the account rules (role department with scope department:<code> only; not one's own post)", ["/console/accounts/{login}"],
             to: &operations)
        let url = "http://127.0.0.1:\(console.port)"
        return [
            Plan(service: "console", document: document, url: url, seed: settings.seed, maxExamples: settings.examples, workDir: folder.path,
                 headers: ["X-CSRF-Token": main.csrf], operations: operations, apiKeys: ["session": main.cookie],
                 excludeNames: ["DELETE /session"]),
            Plan(service: "console", document: document, url: url, seed: settings.seed, maxExamples: settings.examples, workDir: folder.path,
                 headers: ["X-CSRF-Token": other.csrf], operations: [], label: "console (sign-out)", apiKeys: ["session": other.cookie],
                 includeNames: ["DELETE /session"]),
        ]
    }

    @Test("every operation of the five services and the console answers as its OpenAPI document says (Schemathesis, fixed seed, bounded examples)")
    func schemathesisFindsNoFailure() async throws {
        let settings = Self.settings
        let city = try await InjectedCity.start("contractfuzz", at: Date())
        defer { city.stop() }
        let seeded = try await Self.seed(city)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-contract-fuzz-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let summaryFile = ProcessInfo.processInfo.environment["CITYGRID_CONTRACT_FUZZ_SUMMARY"]
        // CITYGRID_CONTRACT_FUZZ_KEEP=1 keeps Schemathesis' reports of a passing run too.
        var keepFolder = ProcessInfo.processInfo.environment["CITYGRID_CONTRACT_FUZZ_KEEP"] != nil
        if keepFolder { print("contract-fuzz: reports in \(folder.path)") }
        defer { if !keepFolder { try? FileManager.default.removeItem(at: folder) } }
        var plans: [Plan] = []
        for service in Self.services where settings.only.isEmpty || settings.only.contains(service) {
            plans.append(try Self.plan(service, city: city, seeded: seeded, folder: folder))
        }
        var console: ServiceProcess?
        defer { console?.terminate() }
        if settings.only.isEmpty || settings.only.contains("console") {
            let started = try await Self.startConsole(city)
            console = started
            let password = "contract-\(UUID().uuidString.prefix(12))"
            try Self.addAccount(city, "contract-admin", role: "admin", password: password)
            try Self.addAccount(city, "contract-target", role: "acceptor", password: password)
            plans += try await Self.consolePlans(started, folder: folder, password: password)
        }
        for plan in plans {
            let service = plan.label ?? plan.service
            let planFile = folder.appendingPathComponent("\(service.replacingOccurrences(of: " ", with: "-")).json")
            try JSONEncoder().encode(plan).write(to: planFile)
            let started = ContinuousClock.now
            let (status, output) = try runTool(["python3", Self.root.appendingPathComponent("Tests/EndToEndTests/contract_fuzz.py").path, planFile.path])
            let line = output.split(separator: "\n").last.map(String.init) ?? "\(service): no output"
            print("contract-fuzz: \(line) in \(started.duration(to: .now))")
            if let summaryFile, let handle = FileHandle(forWritingAtPath: summaryFile) ?? {
                FileManager.default.createFile(atPath: summaryFile, contents: nil)
                return FileHandle(forWritingAtPath: summaryFile)
            }() {
                handle.seekToEndOfFile()
                handle.write(Data("\(line)\n".utf8))
                try? handle.close()
            }
            if status != 0 { keepFolder = true }
            #expect(status == 0, "\(service): Schemathesis found failures (reports in \(folder.path)):\n\(output.suffix(20_000))")
        }
    }
}
