import AMQPClient
import CityGridModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PGClient
import TestSupport
import Testing

/// The platform's reliability contract on a real RabbitMQ and PostgreSQL, exercised through
/// `platform-probe`, a service built on the platform exactly like the five real ones.
@Suite("Messaging reliability (real broker and database)", .serialized)
struct PlatformReliabilityTests {
    let env = TestEnvironment()

    func probe(role: String, fault: String? = nil, port: Int = testPort(), fixed: Bool = false,
               extra: [String: String] = [:]) throws -> ServiceProcess {
        var variables = [
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_PROBE"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_PROBE"),
            "PROBE_ROLE": role,
        ]
        if fixed { variables["PROBE_FIXED"] = "1" }
        variables.merge(extra) { _, new in new }
        if let fault { variables["CITYGRID_FAULT"] = fault }
        return try ServiceProcess(executable: env.binDirectory + "/platform-probe", port: port, environment: variables)
    }

    func effects(_ pool: PGPool, subject: String) async throws -> (rows: Int, distinct: Int) {
        try await pool.withConnection { c in
            let row = try c.query("SELECT count(*) AS n, count(DISTINCT message_id) AS d FROM probe.effects WHERE subject = $1", [subject]).first!
            return (try row.int("n"), try row.int("d"))
        }
    }

    func unsent(_ pool: PGPool, subject: String) async throws -> Int {
        try await pool.withConnection { c in
            try c.query("SELECT count(*) AS n FROM probe.outbox WHERE subject = $1 AND sent_at IS NULL", [subject]).first!.int("n")
        }
    }

    /// Publishes a raw message as the test's admin user.
    func publishRaw(_ body: String, routingKey: String, messageId: String = UUID().uuidString,
                    headers: [String: String] = [:]) async throws -> PublishOutcome {
        let publisher = try env.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(
            exchange: MessagingNames.eventsExchange, routingKey: routingKey, messageId: messageId,
            type: "citygrid.probe.work.v1", headers: headers, body: Array(body.utf8))])
        await publisher.disconnect()
        return outcome[0]
    }

    func envelope(id: UUID = UUID(), subject: String, sequence: Int, after: Int? = nil, key: String = "t") -> String {
        let afterJSON = after.map { ",\"after\":\($0)" } ?? ""
        return """
            {"specversion":"1.0","id":"\(id.uuidString.lowercased())","type":"citygrid.probe.work.v1","source":"/citygrid/test",\
            "time":"2026-11-25T10:00:00.000Z","subject":"\(subject)","datacontenttype":"application/json",\
            "data":{"sequence":\(sequence),"key":"\(key)"\(afterJSON)}}
            """
    }

    @Test("a message published by one process is consumed by another and applied once")
    func publishedByOneConsumedByAnother() async throws {
        let pool = try env.adminPool()
        let consumer = try probe(role: "consumer")
        let producer = try probe(role: "producer")
        defer { consumer.terminate(); producer.terminate() }
        try await consumer.waitUntilReady()
        try await producer.waitUntilReady()
        let subject = "s-\(UUID())"
        let (status, _) = try await producer.http("POST", "/probe/emit?subject=\(subject)&count=200")
        #expect(status == 202)
        try await eventually("200 effects") { try await effects(pool, subject: subject).rows >= 200 }
        try await Task.sleep(for: .milliseconds(500))
        let result = try await effects(pool, subject: subject)
        #expect(result.rows == 200)
        #expect(result.distinct == 200)
        #expect(try await unsent(pool, subject: subject) == 0)
    }

    /// The broker's view of the probe user's connections: name → when each was opened.
    func probeConnections() async throws -> [String: Int] {
        let user = try #require(URLComponents(string: try env.require("CITYGRID_TEST_AMQP_URL_PROBE"))?.user)
        let management = try env.require("CITYGRID_TEST_AMQP_MGMT_URL")
        let credentials = Data("\(try env.require("CITYGRID_TEST_AMQP_ADMIN_USER")):\(try env.require("CITYGRID_TEST_AMQP_ADMIN_PASSWORD"))".utf8)
            .base64EncodedString()
        var request = URLRequest(url: try #require(URL(string: "\(management)/api/connections?columns=name,user,connected_at")))
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let rows = (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
        return Dictionary(rows.filter { $0["user"] as? String == user }.compactMap { row in
            (row["name"] as? String).map { ($0, row["connected_at"] as? Int ?? 0) }
        }, uniquingKeysWith: { first, _ in first })
    }

    @Test("reliability #8: the database connection's socket carries the dead-peer bound (keepalives, TCP_USER_TIMEOUT); a URL parameter wins")
    func databaseDeadPeerBoundOnTheSocket() async throws {
        let url = try env.require("CITYGRID_TEST_DB_URL_PROBE")
        let pool = PGPool(settings: PGSettings(url: url, applicationName: "dead-peer-test", poolSize: 1, deadPeerTimeoutMilliseconds: 7_000))
        let options = try await pool.withConnection { c in
            _ = try c.query("SELECT 1 AS one")
            return c.socketDeadPeerOptions.map { [$0.userTimeoutMilliseconds, $0.keepalive ? 1 : 0, $0.keepaliveIdleSeconds] }
        }
        #expect(options == [7_000, 1, 3])
        let separator = url.contains("?") ? "&" : "?"
        let overridden = PGPool(settings: PGSettings(url: url + separator + "tcp_user_timeout=9000", applicationName: "dead-peer-test",
                                                     poolSize: 1, deadPeerTimeoutMilliseconds: 7_000))
        let timeout = try await overridden.withConnection { c in
            _ = try c.query("SELECT 1 AS one")
            return c.socketDeadPeerOptions?.userTimeoutMilliseconds
        }
        #expect(timeout == 9_000)
    }

    @Test("heartbeats hold under CPU load: an idle relay's connection (2 s heartbeats) outlives six intervals with every core busy")
    func heartbeatsUnderLoad() async throws {
        let pool = try env.adminPool()
        // Two-second heartbeats: the broker closes a connection that stays silent for two of them.
        let producer = try ServiceProcess(executable: env.binDirectory + "/platform-probe", port: testPort(), environment: [
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_PROBE"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_PROBE") + "?heartbeat=2", "PROBE_ROLE": "producer",
        ])
        defer { producer.terminate() }
        try await producer.waitUntilReady()
        let subject = "hb-\(UUID())"
        #expect(try await producer.http("POST", "/probe/emit?subject=\(subject)&count=1").0 == 202)
        try await eventually("the first message is published") { try await unsent(pool, subject: subject) == 0 }
        // The management API lists a connection some seconds after it opens.
        var before: [String: Int] = [:]
        try await eventually(timeout: .seconds(20), "the broker lists the probe's connections") {
            before = try await probeConnections()
            return !before.isEmpty
        }

        // Every core busy (twice over) for six heartbeat intervals while the relay has nothing to publish.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let burners = try (0..<(2 * cores)).map { _ in
            try ServiceProcess(executable: "/bin/sh", port: 0, environment: [:], arguments: ["-c", "while :; do :; done"])
        }
        defer { burners.forEach { $0.terminate() } }
        try await Task.sleep(for: .seconds(12))
        burners.forEach { $0.terminate() }

        let after = try await probeConnections()
        for (name, opened) in before {
            #expect(after[name] == opened, "connection \(name) was closed (now: \(after.keys.sorted()))")
        }
        // And the relay still publishes on it.
        let second = "hb-\(UUID())"
        #expect(try await producer.http("POST", "/probe/emit?subject=\(second)&count=1").0 == 202)
        try await eventually("the next message is published") { try await unsent(pool, subject: second) == 0 }
        #expect(try await probeConnections().keys.sorted() == before.keys.sorted(), "no reconnect was needed")
    }

    @Test("the same message delivered twice has exactly one effect")
    func duplicateDelivery() async throws {
        let pool = try env.adminPool()
        let consumer = try probe(role: "consumer")
        defer { consumer.terminate() }
        try await consumer.waitUntilReady()
        let subject = "dup-\(UUID())"
        let id = UUID()
        let body = envelope(id: id, subject: subject, sequence: 1)
        #expect(try await publishRaw(body, routingKey: "probe.work.t") == .confirmed)
        #expect(try await publishRaw(body, routingKey: "probe.work.t") == .confirmed)
        #expect(try await publishRaw(body, routingKey: "probe.work.t") == .confirmed)
        try await eventually("one effect") { try await effects(pool, subject: subject).rows == 1 }
        try await eventually("duplicates counted") {
            let (_, m) = try await consumer.http("GET", "/metrics")
            return String(decoding: m, as: UTF8.self).contains("citygrid_messages_duplicates_skipped_total{service=\"platform-probe\"} 2")
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await effects(pool, subject: subject).rows == 1)
    }

    @Test("a consumer killed after commit but before ack is redelivered on restart and still applies once")
    func killAfterCommitBeforeAck() async throws {
        let pool = try env.adminPool()
        let port = testPort()
        let crashing = try probe(role: "consumer", fault: "kill-after-commit-before-ack", port: port)
        try await crashing.waitUntilReady()
        let subject = "ack-\(UUID())"
        #expect(try await publishRaw(envelope(subject: subject, sequence: 7), routingKey: "probe.work.t") == .confirmed)
        let status = try await crashing.waitForExit()
        #expect(status == 9 || crashing.process.terminationReason == .uncaughtSignal)
        // Committed, never acked.
        #expect(try await effects(pool, subject: subject).rows == 1)
        let restarted = try probe(role: "consumer", port: port)
        defer { restarted.terminate() }
        try await restarted.waitUntilReady()
        try await eventually("redelivery skipped as duplicate") {
            let (_, m) = try await restarted.http("GET", "/metrics")
            return String(decoding: m, as: UTF8.self).contains("citygrid_messages_duplicates_skipped_total{service=\"platform-probe\"} 1")
        }
        #expect(try await effects(pool, subject: subject).rows == 1)
    }

    @Test("a process killed after commit but before publish has its outbox published after restart")
    func killBeforeRelay() async throws {
        let pool = try env.adminPool()
        let consumer = try probe(role: "consumer")
        defer { consumer.terminate() }
        try await consumer.waitUntilReady()
        let port = testPort()
        let producer = try probe(role: "producer", fault: "kill-before-relay", port: port)
        try await producer.waitUntilReady()
        let subject = "relay-\(UUID())"
        _ = try? await producer.http("POST", "/probe/emit?subject=\(subject)&count=5")
        _ = try await producer.waitForExit()
        #expect(try await unsent(pool, subject: subject) == 5)
        #expect(try await effects(pool, subject: subject).rows == 0)
        let restarted = try probe(role: "producer", port: port)
        defer { restarted.terminate() }
        try await restarted.waitUntilReady()
        try await eventually("5 effects after restart") { try await effects(pool, subject: subject).rows == 5 }
        #expect(try await unsent(pool, subject: subject) == 0)
        #expect(try await effects(pool, subject: subject).distinct == 5)
    }

    @Test("a relay killed after the broker confirmed a batch, before marking it sent, publishes it again; each message still applies once")
    func killAfterPublishBeforeMark() async throws {
        let pool = try env.adminPool()
        // The consumer declares its queue and goes away: the messages wait for it, and no other
        // process's relay (every probe runs one over the same outbox) can mark the rows meanwhile.
        let first = try probe(role: "consumer")
        try await first.waitUntilReady()
        first.terminate()
        _ = try await first.waitForExit()
        let port = testPort()
        let producer = try probe(role: "producer", fault: "kill-after-publish-before-mark", port: port)
        try await producer.waitUntilReady()
        let subject = "mark-\(UUID())"
        _ = try? await producer.http("POST", "/probe/emit?subject=\(subject)&count=5")
        _ = try await producer.waitForExit()
        // Confirmed by the broker, but not marked sent.
        #expect(try await unsent(pool, subject: subject) == 5)
        let restarted = try probe(role: "producer", port: port)
        defer { restarted.terminate() }
        try await restarted.waitUntilReady()
        try await eventually("the batch is published again and marked sent") { try await unsent(pool, subject: subject) == 0 }
        // Both publishes wait in the queue: the consumer applies five and its inbox skips the five repeats.
        let consumer = try probe(role: "consumer")
        defer { consumer.terminate() }
        try await consumer.waitUntilReady()
        try await eventually("five repeats skipped") {
            let (_, m) = try await consumer.http("GET", "/metrics")
            return String(decoding: m, as: UTF8.self).contains("citygrid_messages_duplicates_skipped_total{service=\"platform-probe\"} 5")
        }
        let result = try await effects(pool, subject: subject)
        #expect(result.rows == 5 && result.distinct == 5)
    }

    @Test("a publish to a routing key no queue is bound to is detected and kept, not lost")
    func unroutableIsKept() async throws {
        let pool = try env.adminPool()
        let producer = try probe(role: "producer")
        defer { producer.terminate() }
        try await producer.waitUntilReady()
        let subject = "unroutable-\(UUID())"
        _ = try await producer.http("POST", "/probe/emit?subject=\(subject)&count=1&topic=nowhere")
        try await eventually("row marked as returned") {
            try await pool.withConnection { c in
                let row = try c.query("SELECT sent_at, attempts, last_error FROM probe.outbox WHERE subject = $1", [subject]).first
                return row?["sent_at"] == nil && (row?.optionalInt("attempts") ?? 0) >= 1 && (row?["last_error"] ?? "").contains("NO_ROUTE")
            }
        }
        let (_, metrics) = try await producer.http("GET", "/metrics")
        #expect(String(decoding: metrics, as: UTF8.self).contains("citygrid_messages_returned_total{service=\"platform-probe\"} 1"))
        #expect(try await unsent(pool, subject: subject) == 1)
    }

    @Test("undecodable and invalid messages go to the dead-letter queue with a reason; consumption goes on")
    func poisonMessagesAreDeadLettered() async throws {
        let pool = try env.adminPool()
        let consumer = try probe(role: "consumer")
        defer { consumer.terminate() }
        try await consumer.waitUntilReady()
        let admin = AMQPConsumer(endpoint: try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_ADMIN_URL")),
                                 topology: Topology(), queue: "probe.work.dlq", prefetch: 10)
        // Drain what earlier runs left in the dead-letter queue.
        try await admin.connect()
        while let old = try await admin.next(timeoutMilliseconds: 300) { try await admin.ack(old) }
        let subject = "poison-\(UUID())"
        #expect(try await publishRaw("this is not json {", routingKey: "probe.work.t") == .confirmed)
        #expect(try await publishRaw(envelope(subject: subject, sequence: -5), routingKey: "probe.work.t") == .confirmed)
        #expect(try await publishRaw(envelope(subject: subject, sequence: 3), routingKey: "probe.work.t") == .confirmed)
        try await eventually("valid message applied after the poison ones") { try await effects(pool, subject: subject).rows == 1 }
        var reasons: [String] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while reasons.count < 2 && ContinuousClock.now < deadline {
            if let d = try await admin.next(timeoutMilliseconds: 500) {
                reasons.append(d.headers[MessagingNames.deadLetterReasonHeader] ?? "(no reason)")
                try await admin.ack(d)
            }
        }
        await admin.close()
        #expect(reasons.count == 2)
        #expect(reasons.contains { $0.contains("undecodable envelope") })
        #expect(reasons.contains { $0.contains("sequence must be ≥ 0") })
    }

    @Test("a message that arrives before the one it depends on is parked, then applied in order")
    func earlyMessageIsParked() async throws {
        let pool = try env.adminPool()
        let consumer = try probe(role: "consumer")
        defer { consumer.terminate() }
        try await consumer.waitUntilReady()
        let subject = "order-\(UUID())"
        #expect(try await publishRaw(envelope(subject: subject, sequence: 2, after: 1), routingKey: "probe.work.t") == .confirmed)
        try await eventually("parked") {
            try await pool.withConnection { c in try c.query("SELECT count(*) AS n FROM probe.parked_messages WHERE subject = $1", [subject]).first!.int("n") == 1 }
        }
        #expect(try await effects(pool, subject: subject).rows == 0)
        #expect(try await publishRaw(envelope(subject: subject, sequence: 1), routingKey: "probe.work.t") == .confirmed)
        try await eventually("both applied") { try await effects(pool, subject: subject).rows == 2 }
        let order = try await pool.withConnection { c in
            try c.query("SELECT sequence FROM probe.effects WHERE subject = $1 ORDER BY id", [subject]).rows.map { try $0.int("sequence") }
        }
        #expect(order == [1, 2])
    }

    @Test("a message the database refuses for good alerts (metric, error log) and its case's later messages follow it to the dead letters instead of parking forever")
    func unstorableMessageDoesNotStrandItsSuccessors() async throws {
        let pool = try env.adminPool()
        let adminURL = try env.require("CITYGRID_TEST_AMQP_ADMIN_URL")
        // Drain what earlier runs left in the dead-letter queue: the replay below takes all of it.
        let admin = AMQPConsumer(endpoint: try AMQPEndpoint(url: adminURL), topology: Topology(), queue: "probe.work.dlq", prefetch: 10)
        try await admin.connect()
        while let old = try await admin.next(timeoutMilliseconds: 300) { try await admin.ack(old) }
        await admin.close()
        let consumer = try probe(role: "consumer")
        defer { consumer.terminate() }
        try await consumer.waitUntilReady()
        let subject = "unstorable-\(UUID())"
        let first = UUID(), second = UUID(), other = "unrelated-\(UUID())"
        #expect(try await publishRaw(envelope(id: first, subject: subject, sequence: 1, key: "unstorable"), routingKey: "probe.work.t") == .confirmed)
        #expect(try await publishRaw(envelope(id: second, subject: subject, sequence: 2, after: 1), routingKey: "probe.work.t") == .confirmed)
        // Another case's waiting message is still parked as before: only a dead letter of its own case blocks it.
        #expect(try await publishRaw(envelope(subject: other, sequence: 2, after: 1), routingKey: "probe.work.t") == .confirmed)
        func deadLetters() async throws -> [(id: String, reason: String)] {
            try await pool.withConnection { c in
                try c.query("SELECT message_id, reason FROM probe.dead_letters WHERE subject = $1 ORDER BY id", [subject]).rows
                    .map { (try $0.string("message_id"), try $0.string("reason")) }
            }
        }
        try await eventually("both of the case's messages dead-lettered") { try await deadLetters().count == 2 }
        let letters = try await deadLetters()
        #expect(letters.map(\.id) == [first.uuidString.lowercased(), second.uuidString.lowercased()])
        #expect(letters[0].reason.contains("handler failed permanently"), "\(letters[0].reason)")
        #expect(letters[1].reason.contains("waits for the earlier message \(first.uuidString.lowercased())"), "\(letters[1].reason)")
        try await eventually("the other case's message parked") {
            try await pool.withConnection { c in try c.query("SELECT count(*) AS n FROM probe.parked_messages WHERE subject = $1", [other]).first!.int("n") == 1 }
        }
        let parkedHere = try await pool.withConnection { c in
            try c.query("SELECT count(*) AS n FROM probe.parked_messages WHERE subject = $1", [subject]).first!.int("n")
        }
        #expect(parkedHere == 0)
        #expect(try await effects(pool, subject: subject).rows == 0)
        let (_, m) = try await consumer.http("GET", "/metrics")
        let metrics = String(decoding: m, as: UTF8.self)
        #expect(metrics.contains("citygrid_messages_unstorable_total{service=\"platform-probe\"} 1"), "\(metrics)")
        #expect(metrics.contains("citygrid_messages_blocked_by_dead_letter_total{service=\"platform-probe\"} 1"))

        // The fix is deployed (the old instance gone); the operator replays the dead letters: both
        // apply, in order, once.
        consumer.terminate()
        _ = try await consumer.waitForExit()
        let fixedConsumer = try probe(role: "consumer", fixed: true)
        defer { fixedConsumer.terminate() }
        try await fixedConsumer.waitUntilReady()
        let replay = try runTool([env.binDirectory + "/citygrid", "dead-letters", "replay", "--queue", "probe.work", "--amqp-url", adminURL])
        #expect(replay.status == 0, "\(replay.output)")
        #expect(replay.output.contains("replayed 2 message(s)"), "\(replay.output)")
        try await eventually("both applied after the replay") { try await effects(pool, subject: subject).rows == 2 }
        let order = try await pool.withConnection { c in
            try c.query("SELECT sequence FROM probe.effects WHERE subject = $1 ORDER BY id", [subject]).rows.map { try $0.int("sequence") }
        }
        #expect(order == [1, 2])
        // A second copy of a replayed message is a duplicate like any other.
        #expect(try await publishRaw(envelope(id: first, subject: subject, sequence: 1, key: "unstorable"), routingKey: "probe.work.t",
                                     messageId: first.uuidString.lowercased(),
                                     headers: [MessagingNames.deadLetteredByHeader: "probe.work"]) == .confirmed)
        try await Task.sleep(for: .seconds(1))
        #expect(try await effects(pool, subject: subject).rows == 2)
    }

    @Test("a handler hung past the broker's consumer_timeout: the broker takes the delivery back, it is delivered again and applied once")
    func consumerTimeout() async throws {
        let pool = try env.adminPool()
        // Lowered for this test only (RabbitMQ reads both when a channel opens); restored after.
        try await env.infra("ctl", "eval", "application:set_env(rabbit, consumer_timeout, 3000).")
        try await env.infra("ctl", "eval", "application:set_env(rabbit, channel_tick_interval, 1000).")
        var restored = false
        func restore() async throws {
            guard !restored else { return }
            restored = true
            try await env.infra("ctl", "eval", "application:set_env(rabbit, consumer_timeout, 1800000).")
            try await env.infra("ctl", "eval", "application:set_env(rabbit, channel_tick_interval, 60000).")
        }
        do {
            let consumer = try probe(role: "consumer", fault: "hang-once-in-handler", extra: ["CITYGRID_FAULT_HANG_SECONDS": "10"])
            defer { consumer.terminate() }
            try await consumer.waitUntilReady()
            let subject = "hung-\(UUID())"
            #expect(try await publishRaw(envelope(subject: subject, sequence: 1), routingKey: "probe.work.t") == .confirmed)
            try await eventually(timeout: .seconds(90), "applied after the hang") { try await effects(pool, subject: subject).rows == 1 }
            try await eventually(timeout: .seconds(60), "the copy the broker gave back was skipped by the inbox") {
                let (_, m) = try await consumer.http("GET", "/metrics")
                return String(decoding: m, as: UTF8.self).contains("citygrid_messages_duplicates_skipped_total{service=\"platform-probe\"} 1")
            }
            #expect(try await effects(pool, subject: subject) == (rows: 1, distinct: 1))
            try await restore()
        } catch {
            try? await restore()
            throw error
        }
    }

    @Test("RabbitMQ killed and restarted mid-stream: every message applied exactly once")
    func brokerRestartMidStream() async throws {
        let pool = try env.adminPool()
        let consumer = try probe(role: "consumer")
        let producer = try probe(role: "producer")
        defer { consumer.terminate(); producer.terminate() }
        try await consumer.waitUntilReady()
        try await producer.waitUntilReady()
        let subject = "restart-\(UUID())"
        // 30 batches of 10, with the broker killed (kill -9) after the 10th batch.
        for batch in 0..<30 {
            if batch == 10 { try await env.infra("amqp-restart", "kill") }
            _ = try? await producer.http("POST", "/probe/emit?subject=\(subject)&count=10&start=\(batch * 10)")
            try await Task.sleep(for: .milliseconds(50))
        }
        try await eventually(timeout: .seconds(90), "300 effects after the restart") { try await effects(pool, subject: subject).rows >= 300 }
        try await Task.sleep(for: .seconds(1))
        let result = try await effects(pool, subject: subject)
        #expect(result.rows == 300)
        #expect(result.distinct == 300)
        #expect(try await unsent(pool, subject: subject) == 0)
        let sequences = try await pool.withConnection { c in
            try c.query("SELECT count(DISTINCT sequence) AS n FROM probe.effects WHERE subject = $1", [subject]).first!.int("n")
        }
        #expect(sequences == 300)
    }

    @Test("SIGTERM drains: in-flight work finishes, the outbox is flushed, exit code 0")
    func gracefulShutdown() async throws {
        let pool = try env.adminPool()
        let consumer = try probe(role: "consumer")
        defer { consumer.terminate() }
        try await consumer.waitUntilReady()
        let producer = try probe(role: "producer")
        try await producer.waitUntilReady()
        let subject = "drain-\(UUID())"
        _ = try await producer.http("POST", "/probe/emit?subject=\(subject)&count=50")
        producer.terminate()
        #expect(try await producer.waitForExit() == 0)
        #expect(try await unsent(pool, subject: subject) == 0)
        try await eventually("all 50 applied") { try await effects(pool, subject: subject).rows == 50 }
    }
}
