import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation

/// The five services as separate processes on a scratch database and vhost, sharing one injected
/// city clock (`CITYGRID_CLOCK_FILE`), with a tap queue bound like a department's: the harness of
/// the end-to-end suites that move the city's time.
public final class InjectedCity: @unchecked Sendable {
    public static let products = [("intake", "INTAKE"), ("grid-routing", "ROUTING"), ("disposal", "DISPOSAL"),
                                  ("supervision", "SUPERVISION"), ("assessment", "ASSESSMENT")]

    public let scratch: ScratchEnvironment
    public let clockFile: String
    public private(set) var services: [String: ServiceProcess] = [:]
    public private(set) var tap: AMQPConsumer?
    /// Each service's environment, so that a test can stop one and start it again.
    private var environments: [String: [String: String]] = [:]
    private let binDirectory: String

    /// Starts the city on scratch environment `name` with its clock at `start`; waits until every
    /// service is ready and the tap (tasks and the centre's notices) is connected.
    /// `serviceEnvironment` sets variables of one product only (e.g. its database on another server).
    public static func start(_ name: String, at start: Date, base: TestEnvironment = TestEnvironment(),
                             extraEnvironment: [String: String] = [:],
                             serviceEnvironment: [String: [String: String]] = [:]) async throws -> InjectedCity {
        let scratch = try await ScratchEnvironment.recreate(name)
        let clockFile = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-\(name)-clock-\(UUID().uuidString)").path
        let city = InjectedCity(scratch: scratch, clockFile: clockFile, binDirectory: base.binDirectory)
        try city.setClock(start)
        var ports: [String: Int] = [:]
        for (product, _) in products {
            var port = testPort()
            while ports.values.contains(port) { port = testPort() }
            ports[product] = port
        }
        for (product, user) in products {
            let environment = [
                "CITYGRID_DB_URL": try scratch.databaseURL(user),
                "CITYGRID_AMQP_URL": try scratch.amqpURL(user),
                "CITYGRID_CLOCK_FILE": clockFile,
                "CITYGRID_SUPERVISION_SCAN_SECONDS": "0.5",
                "CITYGRID_DUPLICATE_RADIUS_M": "0",
                // The supervisors' phones hand their reports to this city's intake.
                "CITYGRID_SUPERVISION_INTAKE_URL": "http://127.0.0.1:\(ports["intake"]!)",
            ].merging(extraEnvironment) { _, extra in extra }
                .merging(serviceEnvironment[product] ?? [:]) { _, own in own }
            city.environments[product] = environment
            city.services[product] = try ServiceProcess(executable: base.binDirectory + "/" + product, port: ports[product]!, environment: environment)
        }
        for process in city.services.values { try await process.waitUntilReady(timeout: .seconds(90)) }
        let queue = "test.\(name).\(UUID().uuidString.prefix(8))"
        try await scratch.adminPublisher().withConnection { connection in
            try connection.declare(Topology(queues: [QueueSpec(name: queue, quorum: false, bindings: [
                .init(exchange: MessagingNames.eventsExchange, routingKey: TaskDispatched.bindingPatternAllDepartments),
                .init(exchange: MessagingNames.eventsExchange, routingKey: "supervision.notice.#"),
            ])]))
        }
        let consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try scratch.amqpURL("ADMIN")), topology: Topology(), queue: queue, prefetch: 100)
        try await consumer.connect()
        city.tap = consumer
        return city
    }

    init(scratch: ScratchEnvironment, clockFile: String, binDirectory: String) {
        self.scratch = scratch
        self.clockFile = clockFile
        self.binDirectory = binDirectory
    }

    /// Stops one service (SIGTERM: its consumers stop, its outbox is flushed) and waits for it to
    /// exit; its queues keep what arrives meanwhile.
    public func halt(_ product: String) async throws {
        guard let process = services[product] else { throw TestSetupError("no service \(product) in this city") }
        process.terminate()
        _ = try await process.waitForExit()
    }

    /// Starts a halted service again with the same environment, on a new port, and waits until it is ready.
    public func resume(_ product: String) async throws {
        guard let environment = environments[product] else { throw TestSetupError("no service \(product) in this city") }
        let process = try ServiceProcess(executable: binDirectory + "/" + product, port: testPort(), environment: environment)
        services[product] = process
        try await process.waitUntilReady(timeout: .seconds(90))
    }

    deinit { stop() }

    /// Terminates every service and removes the clock file.
    public func stop() {
        services.values.forEach { $0.terminate() }
        try? FileManager.default.removeItem(atPath: clockFile)
    }

    /// The city's now, as every service reads it.
    public var now: Date { OffsetFileClock(path: clockFile).now() }

    /// Moves every service's clock to `instant` (within the 50 ms the clocks cache the offset).
    public func setClock(_ instant: Date) throws { try OffsetFileClock.write(clockFile, makingNow: instant) }

    // MARK: Talking to it as people do

    /// The services' development secret (they run without CITYGRID_TOKEN_SECRET).
    public let tokens = TokenAuthority(secret: "citygrid-dev-secret-not-for-production")

    /// A token issued on the city's clock: after the clock jumps a day, yesterday's has expired.
    public func token(_ role: Role, _ scope: AccessScope = .city, sub: String) -> String {
        let at = now
        return tokens.issue(AccessToken(sub: sub, role: role, scope: scope, iat: at.addingTimeInterval(-60), exp: at.addingTimeInterval(3600)))
    }

    /// A department's staff token (`<code>-staff`, scoped to the department).
    public func department(_ code: String) -> String {
        token(.department, AccessScope(level: .department, code: code), sub: "\(code.lowercased())-staff")
    }

    /// One request with a bearer token and, for a body, JSON; the status and the decoded object.
    public func request(_ method: String, _ service: String, _ path: String, body: [String: Any]? = nil,
                        token: String) async throws -> (status: Int, json: [String: Any], text: String) {
        guard let process = services[service] else { throw TestSetupError("no service \(service) in this city") }
        var headers = ["Authorization": "Bearer \(token)"]
        if body != nil { headers["Content-Type"] = "application/json" }
        let (status, data) = try await process.http(method, path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) },
                                                    headers: headers)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (status, object, String(decoding: data, as: UTF8.self))
    }
}
