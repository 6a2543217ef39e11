import CityGridModel
import CityGridPlatform
import Foundation
import TestSupport
import Testing

/// The workbench in a real browser: Debian's headless Chromium, driven by Selenium from
/// `workbench.py`, against the five services and the console on a scratch database and vhost.
/// The Swift side only builds the city and the accounts; every check is the script's, made through
/// the pages a city's staff use (see the "Must show" list of issue 13).
@Suite("workbench in a browser: each post's page, a case from report to close, scope, sign-in security", .serialized)
struct WorkbenchBrowserTests {
    let env = TestEnvironment()
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = here.deletingLastPathComponent().deletingLastPathComponent()

    /// One account per post; the supervisor and the department are where the test's case lands
    /// (grid 150102001001001, street office STREET-150102001), `other-supervisor` is in another district.
    static let accounts: [(key: String, login: String, role: String, scope: String)] = [
        ("acceptor", "wb-acceptor", "acceptor", "city"),
        ("dispatcher", "wb-dispatcher", "dispatcher", "city"),
        ("shift_leader", "wb-shift-leader", "shift_leader", "city"),
        ("supervisor", "wb-supervisor", "supervisor", "district:150102"),
        ("other_supervisor", "wb-other-supervisor", "supervisor", "district:150103"),
        ("department", "wb-department", "department", "department:STREET-150102001"),
        ("auditor", "wb-leader", "auditor", "city"),
        ("admin", "wb-admin", "admin", "city"),
        // Signed in with wrong passwords until held; kept apart so no other check is held with it.
        ("throttled", "wb-throttled", "acceptor", "city"),
    ]

    /// What the browser checks need from the machine, and the command that installs it.
    static let browserPackages = "apt-get install -y chromium chromium-driver python3-selenium fonts-noto-cjk libjs-leaflet libjs-chart.js"

    @Test("sign in as each post; accept, place on the map, verify, complete, check, close; the timeline; a hand dispatch; another district sees nothing; throttling, sign-out, CSRF")
    func workbench() async throws {
        try Self.requireBrowser()
        let city = try await InjectedCity.start("browser_workbench", at: Date())
        defer { city.stop() }
        let console = try await startConsole(city)
        defer { console.terminate() }

        var accountList: [[String: String]] = []
        for account in Self.accounts {
            let password = "\(account.login)-pw-\(UUID().uuidString.prefix(8))"
            let (status, output) = try users(city.scratch, ["add", "--login", account.login, "--name", "浏览器测试 \(account.key)",
                                                            "--role", account.role, "--scope", account.scope, "--password-stdin"],
                                             stdin: password)
            try #require(status == 0, "citygrid users add \(account.login): \(output)")
            accountList.append(["key": account.key, "login": account.login, "password": password, "role": account.role, "scope": account.scope])
        }

        // Service tokens for the script's own setup and observation (reports arrive at intake from
        // outside the workbench; the script reads states to know when the city has moved).
        var services: [String: String] = [:]
        for (product, process) in city.services { services[product] = "http://127.0.0.1:\(process.port)" }
        let tokens = [
            "acceptor": city.token(.acceptor, sub: "hotline-12345-gateway"),
            "auditor": city.token(.auditor, sub: "browser-test-observer"),
            "dispatcher": city.token(.dispatcher, sub: "browser-test-observer"),
            "supervisor": city.token(.supervisor, sub: "sup-browser"),
        ]
        // Departments answer through their own systems in this test (returning a case), each with its token.
        var departmentTokens: [String: String] = [:]
        for code in try Self.departmentCodes() { departmentTokens[code] = city.department(code) }
        let environment = [
            "CG_BASE_URL": "http://127.0.0.1:\(console.port)",
            "CG_ACCOUNTS": try jsonText(accountList),
            "CG_SERVICES": try jsonText(services),
            "CG_TOKENS": try jsonText(tokens),
            "CG_DEPARTMENT_TOKENS": try jsonText(departmentTokens),
            "CG_FAILURES_PER_LOGIN": Self.failuresPerLogin,
            "CG_PUBLIC": Self.repository.appendingPathComponent("Services/console/Public").path,
            "CG_ARTIFACTS": FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-browser-\(UUID().uuidString.prefix(8))").path,
        ]
        let (status, output) = try await runScript(environment, timeout: 900)
        print(output)
        #expect(status == 0, "workbench.py failed (exit \(status)):\n\(output)")
    }

    static let failuresPerLogin = "3"

    /// The reference data's department codes (first column of departments.csv).
    static func departmentCodes() throws -> [String] {
        let text = try String(contentsOf: repository.appendingPathComponent("Shared/reference-data/departments.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) }.filter { !$0.isEmpty }
    }

    // MARK: The city's edge

    func startConsole(_ city: InjectedCity) async throws -> ServiceProcess {
        var variables = [
            "CITYGRID_DB_URL": try city.scratch.databaseURL("CONSOLE"),
            "CITYGRID_CLOCK_FILE": city.clockFile,
            "CITYGRID_CONSOLE_PUBLIC": Self.repository.appendingPathComponent("Services/console/Public").path,
            "CITYGRID_CONSOLE_SCRYPT_LOG_N": "12",
            "CITYGRID_CONSOLE_FAILURES_PER_LOGIN": Self.failuresPerLogin,
            // Every sign-in of the run comes from 127.0.0.1: only the per-login hold is under test.
            "CITYGRID_CONSOLE_FAILURES_PER_ADDRESS": "1000",
            "CITYGRID_CONSOLE_THROTTLE_WINDOW_SECONDS": "600",
        ]
        let upstreams = ["intake": "INTAKE", "grid-routing": "GRID_ROUTING", "disposal": "DISPOSAL",
                         "supervision": "SUPERVISION", "assessment": "ASSESSMENT"]
        for (product, name) in upstreams {
            guard let process = city.services[product] else { throw TestSetupError("no \(product) in the city") }
            variables["CITYGRID_CONSOLE_UPSTREAM_\(name)"] = "http://127.0.0.1:\(process.port)"
        }
        // The services run with the platform's development secret (InjectedCity sets none); the
        // console must mint its tokens with the same one.
        let process = try ServiceProcess(executable: env.binDirectory + "/console", port: testPort(), environment: variables,
                                         removing: ["CITYGRID_AMQP_URL"])
        try await process.waitUntilReady()
        return process
    }

    /// `citygrid users <arguments>` on the scratch console schema, the password on stdin.
    func users(_ scratch: ScratchEnvironment, _ arguments: [String], stdin: String) throws -> (status: Int32, output: String) {
        try scratch.consoleUsers(arguments, stdin: stdin)
    }

    // MARK: The browser

    /// Fails (never skips) when Chromium, its driver or Selenium is missing, naming the install command.
    static func requireBrowser() throws {
        var missing: [String] = []
        for path in ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"] where !FileManager.default.isExecutableFile(atPath: path) {
            missing.append(path)
        }
        if missing.isEmpty {
            let (status, output) = try runTool(["/usr/bin/python3", "-c", "import selenium.webdriver"])
            if status != 0 { missing.append("python3-selenium (\(output.split(separator: "\n").last ?? ""))") }
        }
        guard missing.isEmpty else {
            throw TestSetupError("the browser tests need \(missing.joined(separator: ", ")): run scripts/test as root (it installs them) or \(browserPackages)")
        }
    }

    /// Runs workbench.py with the city in its environment; its output (every check's line) comes back.
    func runScript(_ variables: [String: String], timeout: TimeInterval) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", Self.here.appendingPathComponent("workbench.py").path]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in variables { environment[key] = value }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        // Read while it runs: a full pipe would stop the script.
        let collected = OutputCollector()
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            output.fileHandleForReading.readabilityHandler = nil
            return (124, collected.text + "\n(workbench.py did not finish within \(Int(timeout)) s)")
        }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        return (process.terminationStatus, collected.text)
    }

    func jsonText(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// Bytes from a child's pipe, gathered from the reading thread.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ chunk: Data) { lock.lock(); data.append(chunk); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
