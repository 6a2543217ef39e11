import AMQPClient
import CityGridModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PGClient


/// Connection settings for the test broker and database, exported by `scripts/test`
/// (from `.state/env/test.env`). A missing variable fails the test: these tests never skip.
public struct TestEnvironment: Sendable {
    public init() {}
    public let values = ProcessInfo.processInfo.environment

    public func require(_ name: String) throws -> String {
        guard let value = values[name], !value.isEmpty else {
            throw TestSetupError("\(name) is not set: run the suite with scripts/test (it starts RabbitMQ and PostgreSQL and exports it)")
        }
        return value
    }

    public var binDirectory: String {
        values["CITYGRID_BIN_DIR"] ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug").path
    }

    /// The test broker's AMQP port (from the admin URL), for logins of users made by a test.
    public func amqpPort() throws -> Int {
        URLComponents(string: try require("CITYGRID_TEST_AMQP_ADMIN_URL"))?.port ?? 5672
    }

    /// Environment for `citygrid` commands that talk to the test broker's management API.
    public func managementEnvironment() throws -> [String: String] {
        ["CITYGRID_AMQP_VHOST": try require("CITYGRID_TEST_AMQP_VHOST"), "CITYGRID_AMQP_MGMT_URL": try require("CITYGRID_TEST_AMQP_MGMT_URL"),
         "CITYGRID_AMQP_ADMIN_USER": try require("CITYGRID_TEST_AMQP_ADMIN_USER"),
         "CITYGRID_AMQP_ADMIN_PASSWORD": try require("CITYGRID_TEST_AMQP_ADMIN_PASSWORD")]
    }

    /// The test database's URL with another user and password.
    public func databaseURL(user: String, password: String) throws -> String {
        var components = URLComponents(string: try require("CITYGRID_TEST_PG_ADMIN_URL"))!
        components.user = user
        components.password = password
        return components.string!
    }

    public func adminPool() throws -> PGPool {
        PGPool(settings: PGSettings(url: try require("CITYGRID_TEST_PG_ADMIN_URL"), applicationName: "platform-tests", poolSize: 2))
    }

    public func adminPublisher() throws -> AMQPPublisher {
        AMQPPublisher(endpoint: try AMQPEndpoint(url: try require("CITYGRID_TEST_AMQP_ADMIN_URL")), topology: Topology(), name: "test-admin-publisher")
    }

    /// Runs `scripts/infra <verb>` (broker and database restarts). Spawned with posix_spawn and
    /// reaped with waitpid: the broker it starts outlives the script, so no pipes are shared.
    /// The `export NAME='value'` lines of an env file that scripts/infra writes under the state
    /// folder (e.g. `pg2.env`, `replica.env`, which test.env does not include).
    public func stateEnvironment(_ file: String) throws -> [String: String] {
        let folder = try require("CITYGRID_STATE_DIR")
        let text = try String(contentsOfFile: folder + "/env/" + file, encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst(7).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            values[pair[0]] = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        return values
    }

    public func infra(_ arguments: String...) async throws {
        let script = try require("CITYGRID_INFRA")
        let argv = [script] + arguments
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // stderr goes to a file, so a failure can say why
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-infra-\(UUID().uuidString).err").path
        defer { try? FileManager.default.removeItem(atPath: errors) }
        for fd: Int32 in [0, 1] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let rc = posix_spawn(&pid, script, &actions, nil, cArgs, environ)
        guard rc == 0 else { throw TestSetupError("cannot start \(script): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 { try await Task.sleep(for: .milliseconds(100)) }
        guard status == 0 else {
            let why = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw TestSetupError("scripts/infra \(arguments.joined(separator: " ")) failed (status \(status)): \(why.suffix(600))")
        }
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A service process started for a test, killed when the test is done with it.
public final class ServiceProcess: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    let stderr = Pipe()
    private(set) var stderrText = ""

    public init(executable: String, port: Int, environment: [String: String], arguments: [String] = [], removing: [String] = []) throws {
        self.port = port
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["CITYGRID_HTTP_PORT"] = String(port)
        env["CITYGRID_LOG_LEVEL"] = env["CITYGRID_TEST_LOG_LEVEL"] ?? "warning"
        for (k, v) in environment { env[k] = v }
        for k in removing { env.removeValue(forKey: k) }
        process.environment = env
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Reads what the process wrote to stderr (call after it exited).
    public func collectStderr() -> String {
        let data = stderr.fileHandleForReading.readDataToEndOfFile()
        stderrText = String(decoding: data, as: UTF8.self)
        return stderrText
    }

    public func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                throw TestSetupError("process exited with \(process.terminationStatus) before becoming ready: \(collectStderr())")
            }
            if let (status, _) = try? await http("GET", "/health/ready"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestSetupError("service on port \(port) not ready within \(timeout)")
    }

    @discardableResult
    public func http(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> (Int, Data) {
        let (status, data, _) = try await exchange(method, path, body: body, headers: headers)
        return (status, data)
    }

    /// One request; the status, the body and the answer's headers.
    public func exchange(_ method: String, _ path: String, body: Data? = nil,
                         headers: [String: String] = [:]) async throws -> (status: Int, body: Data, headers: [String: String]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = body
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields["\(name)".lowercased()] = "\(value)" }
        return (http?.statusCode ?? 0, data, fields)
    }

    public func terminate() { if process.isRunning { process.terminate() } }
    public func kill9() { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    public func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { kill9(); throw TestSetupError("process did not exit within \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    deinit { kill9() }
}

/// Polls `condition` until it holds or the timeout passes.
public func eventually(timeout: Duration = .seconds(30), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestSetupError("timed out after \(timeout) waiting for: \(what)")
}

/// A random free-ish TCP port for a test's service.
/// Runs a tool (through `/usr/bin/env`, no input) and returns its exit status with its standard
/// output and error together: the document checks' Python scripts, scripts/embed-openapi.
public func runTool(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

public func testPort() -> Int { Int.random(in: 20_000...29_999) }

/// A suite's own database and vhost (`scripts/infra scratch NAME`: citygrid_NAME and
/// citygrid-NAME), made anew for each run, so the suite shares no rows, queues or consumers with
/// any other suite — needed where services run on an injected clock or under heavy load.
public struct ScratchEnvironment: Sendable {
    public let name: String
    let base: TestEnvironment

    /// Drops and re-provisions the scratch database and vhost.
    public static func recreate(_ name: String, base: TestEnvironment = TestEnvironment()) async throws -> ScratchEnvironment {
        try await base.infra("scratch", name)
        return ScratchEnvironment(name: name, base: base)
    }

    var database: String { "citygrid_\(name)" }
    var vhost: String { "citygrid-\(name.replacingOccurrences(of: "_", with: "-"))" }

    /// `CITYGRID_TEST_DB_URL_<USER>` with this suite's database.
    public func databaseURL(_ user: String) throws -> String {
        var components = try URLComponents(string: base.require("CITYGRID_TEST_DB_URL_\(user)")).unwrap("database URL")
        components.path = "/" + database
        return try components.string.unwrap("database URL")
    }

    /// `citygrid users <arguments>` on this suite's console schema (`stdin`, e.g. a password,
    /// written to its standard input), with a cheap scrypt cost so sign-ins stay fast in tests.
    @discardableResult
    public func consoleUsers(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: base.binDirectory + "/citygrid")
        process.arguments = ["users"] + arguments
        var variables = ProcessInfo.processInfo.environment
        variables["CITYGRID_CONSOLE_DB_URL"] = try databaseURL("CONSOLE")
        variables["CITYGRID_CONSOLE_SCRYPT_LOG_N"] = "12"
        process.environment = variables
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data((stdin + "\n").utf8)) }
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// `CITYGRID_TEST_AMQP_URL_<USER>` (or `_ADMIN_URL` for "ADMIN") with this suite's vhost.
    public func amqpURL(_ user: String) throws -> String {
        let variable = user == "ADMIN" ? "CITYGRID_TEST_AMQP_ADMIN_URL" : "CITYGRID_TEST_AMQP_URL_\(user)"
        var components = try URLComponents(string: base.require(variable)).unwrap("AMQP URL")
        components.percentEncodedPath = "/" + (vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_"))) ?? vhost)
        return try components.string.unwrap("AMQP URL")
    }

    public func adminPool() throws -> PGPool {
        var components = try URLComponents(string: base.require("CITYGRID_TEST_PG_ADMIN_URL")).unwrap("database URL")
        components.path = "/" + database
        return PGPool(settings: PGSettings(url: try components.string.unwrap("database URL"), applicationName: "scratch-tests", poolSize: 2))
    }

    /// Publishes one domain event on the scratch vhost's events exchange as its owning service
    /// would (an envelope with the event's type and routing key) and answers the broker's outcome.
    public func publish<E: DomainEvent>(_ event: E, subject: UUID) async throws -> [PublishOutcome] {
        let envelope = Envelope(type: E.eventType, source: "/citygrid/test", time: Date(), subject: subject.uuidString.lowercased(), data: event)
        let body = try MessageCoding.encoder().encode(envelope)
        let publisher = try adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: event.routingKey,
                                                                   messageId: envelope.id.uuidString.lowercased(), type: E.eventType,
                                                                   body: Array(body))])
        await publisher.disconnect()
        return outcome
    }

    public func adminPublisher() throws -> AMQPPublisher {
        AMQPPublisher(endpoint: try AMQPEndpoint(url: try amqpURL("ADMIN")), topology: Topology(), name: "scratch-admin-publisher")
    }
}

extension Optional {
    func unwrap(_ what: String) throws -> Wrapped {
        guard let value = self else { throw TestSetupError("malformed \(what)") }
        return value
    }
}

extension AMQPConsumer {
    /// Takes messages off a test's tap queue (acking each) until one about `subject` decodes as a
    /// `T` envelope — from `routingKey` if given, and passing `accept` — or the timeout passes.
    public func nextEnvelope<T: Codable & Sendable>(_ type: T.Type, subject: String, routingKey: String? = nil,
                                                   timeout: Duration = .seconds(30), where accept: (T) -> Bool = { _ in true }) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let delivery = try await next(timeoutMilliseconds: 500) else { continue }
            try await ack(delivery)
            if let routingKey, delivery.routingKey != routingKey { continue }
            guard let envelope = try? MessageCoding.decoder().decode(Envelope<T>.self, from: Data(delivery.body)),
                  envelope.subject?.lowercased() == subject.lowercased(), accept(envelope.data) else { continue }
            return envelope.data
        }
        throw TestSetupError("no \(T.self)\(routingKey.map { " on \($0)" } ?? "") about \(subject) within \(timeout)")
    }
}
