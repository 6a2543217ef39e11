import AMQPClient
import CityGridModel
import Foundation
import PGClient
import TestSupport
import Testing

/// Each service's credentials reach only its own schema and its own queues and routing keys;
/// each check is an attempt that must fail.
@Suite("Isolation between services (real broker and database)", .serialized)
struct IsolationTests {
    let env = TestEnvironment()

    func pool(_ service: String) throws -> PGPool {
        PGPool(settings: PGSettings(url: try env.require("CITYGRID_TEST_DB_URL_\(service.uppercased())"), applicationName: "isolation-test", poolSize: 1))
    }

    func sqlState(_ pool: PGPool, _ sql: String) async throws -> String? {
        do {
            try await pool.withConnection { try $0.query(sql) }
            return nil
        } catch let error as PGError {
            return error.sqlState
        }
    }

    @Test("a service's database role cannot read or write another service's schema, nor create in public")
    func databaseRolesAreIsolated() async throws {
        let routing = try pool("routing")
        let intake = try pool("intake")
        // A table that exists in routing's schema, created by routing itself.
        try await routing.withConnection { try $0.query("CREATE TABLE IF NOT EXISTS routing.isolation_probe (x int)") }
        #expect(try await sqlState(intake, "SELECT * FROM routing.isolation_probe") == "42501")
        #expect(try await sqlState(intake, "INSERT INTO routing.isolation_probe VALUES (1)") == "42501")
        #expect(try await sqlState(intake, "CREATE TABLE routing.intruder (x int)") == "42501")
        #expect(try await sqlState(intake, "CREATE TABLE public.intruder (x int)") == "42501")
        #expect(try await sqlState(intake, "SELECT * FROM supervision.timeline") != nil)
        // …while its own schema works.
        #expect(try await sqlState(intake, "CREATE TABLE IF NOT EXISTS intake.isolation_probe (x int)") == nil)
        try await routing.withConnection { try $0.query("DROP TABLE routing.isolation_probe") }
        try await intake.withConnection { try $0.query("DROP TABLE intake.isolation_probe") }
    }

    @Test("a service's AMQP user cannot consume another service's queue")
    func cannotConsumeOthersQueue() async throws {
        // The probe's own queue exists (the probe declares it); intake must not read it.
        let intake = AMQPConsumer(endpoint: try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_URL_INTAKE")),
                                  topology: Topology(), queue: "probe.work", prefetch: 1)
        await #expect {
            try await intake.connect()
        } throws: { error in
            (error as? AMQPError)?.kind == .accessRefused
        }
        await intake.close()
    }

    @Test("a service's AMQP user cannot publish another service's events, but can publish its own")
    func cannotPublishOthersRoutingKeys() async throws {
        let endpoint = try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_URL_INTAKE"))
        let publisher = AMQPPublisher(endpoint: endpoint, topology: Topology(), name: "isolation-publisher")
        let forged = OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: "routing.case.located",
                                     messageId: UUID().uuidString, type: "citygrid.case.located.v1", body: Array("{}".utf8), mandatory: false)
        await #expect {
            _ = try await publisher.publish([forged])
        } throws: { error in
            (error as? AMQPError)?.kind == .accessRefused
        }
        let own = OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: "intake.isolation-check",
                                  messageId: UUID().uuidString, type: "citygrid.test.v1", body: Array("{}".utf8), mandatory: false)
        #expect(try await publisher.publish([own]) == [.confirmed])
        // Nor may it write to the department command exchange.
        let command = OutgoingMessage(exchange: MessagingNames.departmentCommandsExchange, routingKey: "SZGY.complete",
                                      messageId: UUID().uuidString, type: "citygrid.task.command.v1", body: Array("{}".utf8), mandatory: false)
        await #expect {
            _ = try await publisher.publish([command])
        } throws: { error in
            (error as? AMQPError)?.kind == .accessRefused
        }
        await publisher.disconnect()
    }
}

/// Start-up failures end the process with one line that names the problem, and a non-zero code.
@Suite("Bad configuration fails fast with one clear line", .serialized)
struct BadConfigurationTests {
    let env = TestEnvironment()

    func run(_ environment: [String: String]) async throws -> (status: Int32, stderr: String) {
        var variables = environment
        variables["PROBE_ROLE"] = "consumer"
        let process = try ServiceProcess(executable: env.binDirectory + "/platform-probe", port: testPort(), environment: variables,
                                         removing: ["CITYGRID_DB_URL", "CITYGRID_AMQP_URL"].filter { environment[$0] == nil })
        let status = try await process.waitForExit(timeout: .seconds(30))
        return (status, process.collectStderr())
    }

    @Test("missing CITYGRID_DB_URL: exit code 2 and one line naming the variable")
    func missingDatabaseURL() async throws {
        let result = try await run(["CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_PROBE")])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.contains("CITYGRID_DB_URL is not set"))
    }

    @Test("malformed CITYGRID_AMQP_URL: exit code 2 naming the variable")
    func malformedBrokerURL() async throws {
        let result = try await run(["CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_PROBE"), "CITYGRID_AMQP_URL": "http://nope"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("CITYGRID_AMQP_URL"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("unreachable broker: exit code 1 and one line naming RabbitMQ and the address")
    func unreachableBroker() async throws {
        let result = try await run([
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_PROBE"),
            "CITYGRID_AMQP_URL": "amqp://probe:probe-dev-password@127.0.0.1:1/citygrid-test",
            "CITYGRID_STARTUP_TIMEOUT": "2",
        ])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("{") }  // JSON log lines are not the error line
        #expect(lines.count == 1)
        #expect(result.stderr.contains("RabbitMQ at amqp://probe@127.0.0.1:1/citygrid-test"))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("wrong database password: exit code 1 at once, naming PostgreSQL")
    func wrongDatabasePassword() async throws {
        let result = try await run([
            "CITYGRID_DB_URL": try env.databaseURL(user: "cg_probe", password: "wrong"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_PROBE"),
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("PostgreSQL at postgresql://cg_probe:***@"))
        #expect(result.stderr.contains("password authentication failed"))
        #expect(!result.stderr.contains("wrong"))
    }
}

/// Department credentials made by `citygrid departments provision`: each department reads only
/// its own queue and publishes only its own commands.
@Suite("Department broker credentials", .serialized)
struct DepartmentCredentialTests {
    let env = TestEnvironment()

    func provision(_ codes: [String]) async throws {
        let process = try ServiceProcess(executable: env.binDirectory + "/citygrid", port: 0,
                                         environment: try env.managementEnvironment(),
                                         arguments: ["departments", "provision", "--dev-passwords"] + codes.flatMap { ["--code", $0] })
        #expect(try await process.waitForExit() == 0)
    }

    func endpoint(_ code: String) throws -> AMQPEndpoint {
        AMQPEndpoint(host: "127.0.0.1", port: try env.amqpPort(), virtualHost: try env.require("CITYGRID_TEST_AMQP_VHOST"),
                     user: "dept-\(code)", password: "\(code)-dev-password")
    }

    @Test("a department reads its own queue but not another department's")
    func ownQueueOnly() async throws {
        try await provision(["SZGY", "YLLH"])
        let own = AMQPConsumer(endpoint: try endpoint("SZGY"), topology: Topology(), queue: "dept.SZGY.tasks", prefetch: 1)
        try await own.connect()
        await own.close()
        let other = AMQPConsumer(endpoint: try endpoint("SZGY"), topology: Topology(), queue: "dept.YLLH.tasks", prefetch: 1)
        await #expect {
            try await other.connect()
        } throws: { error in
            (error as? AMQPError)?.kind == .accessRefused
        }
        await other.close()
    }

    @Test("a department publishes only its own commands")
    func ownCommandsOnly() async throws {
        try await provision(["SZGY"])
        let publisher = AMQPPublisher(endpoint: try endpoint("SZGY"), topology: Topology(), name: "dept-publisher")
        func command(_ key: String) -> OutgoingMessage {
            OutgoingMessage(exchange: MessagingNames.departmentCommandsExchange, routingKey: key, messageId: UUID().uuidString,
                            type: "citygrid.task.command.v1", body: Array("{}".utf8), mandatory: false)
        }
        #expect(try await publisher.publish([command("SZGY.complete")]) == [.confirmed])
        await #expect {
            _ = try await publisher.publish([command("YLLH.complete")])
        } throws: { error in
            (error as? AMQPError)?.kind == .accessRefused
        }
        await #expect {
            _ = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: "routing.task.dispatched.SZGY",
                                                             messageId: UUID().uuidString, type: "x", body: [], mandatory: false)])
        } throws: { error in
            (error as? AMQPError)?.kind == .accessRefused
        }
        await publisher.disconnect()
    }
}

/// A service given several broker nodes connects to whichever answers (real broker).
@Suite("AMQP node failover (real broker)")
struct AMQPNodeFailoverTests {
    let env = TestEnvironment()

    @Test("with a dead node listed beside the live one, every (re)connection reaches the live one")
    func deadNodeIsSkipped() async throws {
        let live = try env.require("CITYGRID_TEST_AMQP_URL_INTAKE")
        // Port 1 on loopback refuses at once: a node that is down.
        let dead = live.replacingOccurrences(of: #"@[^/]+/"#, with: "@127.0.0.1:1/", options: .regularExpression)
        let endpoint = try AMQPEndpoint(url: "\(dead),\(live)")
        #expect(endpoint.nodes.count == 2)
        let publisher = AMQPPublisher(endpoint: endpoint, topology: Topology(), name: "failover-publisher")
        // Each round drops the connection, so the next publish logs in again, starting at the
        // other node each time: both orders must end at the live node.
        for round in 0..<4 {
            let message = OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: "intake.failover-check",
                                          messageId: UUID().uuidString, type: "citygrid.test.v1", body: Array("{\"round\":\(round)}".utf8),
                                          mandatory: false)
            #expect(try await publisher.publish([message]) == [.confirmed])
            await publisher.disconnect()
        }
    }

    @Test("when no node answers, the error names every node tried")
    func allDead() async throws {
        let live = try env.require("CITYGRID_TEST_AMQP_URL_INTAKE")
        let one = live.replacingOccurrences(of: #"@[^/]+/"#, with: "@127.0.0.1:1/", options: .regularExpression)
        let two = live.replacingOccurrences(of: #"@[^/]+/"#, with: "@127.0.0.1:2/", options: .regularExpression)
        let publisher = AMQPPublisher(endpoint: try AMQPEndpoint(url: "\(one),\(two)"), topology: Topology(), name: "failover-dead")
        await #expect { try await publisher.connect() } throws: { error in
            let text = "\(error)"
            return text.contains("127.0.0.1:1") && text.contains("127.0.0.1:2")
        }
    }
}

/// Prepared statements and pipelined statements on one real connection.
@Suite("PGClient: prepared and queued statements (real database)")
struct PreparedStatementTests {
    let env = TestEnvironment()

    @Test("a statement that fails to prepare leaves the session usable, in and out of a pipeline, and fails the same way again")
    func failedPrepare() async throws {
        let pool = PGPool(settings: PGSettings(url: try env.require("CITYGRID_TEST_PG_ADMIN_URL"), applicationName: "prepared-test", poolSize: 1))
        try await pool.withConnection { connection in
            for round in 0..<3 {
                #expect(throws: PGError.self) { try connection.query("SELECT * FROM no_such_table_\(round % 2)") }
                let n = try connection.query("SELECT $1::int + 1 AS n", [round]).first?.int("n")
                #expect(n == round + 1)
                connection.queue("SELECT 1")
                #expect(throws: PGError.self) { try connection.query("SELECT * FROM no_such_table_\(round % 2)") }
                connection.queue("SELECT 2")
                let t = try connection.query("SELECT $1::text AS t", ["ok"]).first?.string("t")
                #expect(t == "ok")
            }
        }
        // A failure inside a transaction's pipeline rolls it back and the next one works.
        await #expect(throws: PGError.self) {
            try await pool.transaction { try $0.query("SELECT * FROM no_such_table_0") }
        }
        #expect(try await pool.transaction { try $0.query("SELECT 7 AS n").first?.int("n") } == 7)
    }
}
