// The machine's ceilings: the broker alone and PostgreSQL alone, measured in the bench's own
// scratch vhost and database.
import AMQPClient
import CityGridModel
import Foundation
import PGClient

/// Broker alone: one publisher (confirm window `window`) and one consumer (prefetch 300) on a quorum queue.
func brokerCeiling(adminURL: String, messages: Int, window: Int = 200) async throws -> [String: Double] {
    let endpoint = try AMQPEndpoint(url: adminURL)
    progress("broker ceiling: \(messages) messages")
    let queue = "bench.ceiling.\(UUID().uuidString.prefix(6))"
    let topology = Topology(queues: [QueueSpec(name: queue, quorum: true, deliveryLimit: 20,
                                               bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: queue)])])
    let publisher = AMQPPublisher(endpoint: endpoint, topology: topology, name: "bench-publisher")
    try await publisher.connect()
    progress("publisher connected")
    let consumer = AMQPConsumer(endpoint: endpoint, topology: topology, queue: queue, prefetch: 300)
    try await consumer.connect()
    progress("consumer connected")
    let body = [UInt8](repeating: 0x78, count: 1024)
    let start = ContinuousClock.now
    async let consumed: Duration = {
        var n = 0
        while n < messages {
            if let d = try await consumer.next(timeoutMilliseconds: 1000) {
                try await consumer.ack(d)
                n += 1
            }
        }
        return ContinuousClock.now - start
    }()
    var sent = 0
    while sent < messages {
        let batch = (0..<min(window, messages - sent)).map { i in
            OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: queue, messageId: "m\(sent + i)", type: "bench", body: body, mandatory: true)
        }
        let outcomes = try await publisher.publish(batch)
        precondition(outcomes.allSatisfy { $0 == .confirmed }, "broker refused bench messages")
        sent += batch.count
    }
    let published = ContinuousClock.now - start
    let consumedIn = try await consumed
    await consumer.close()
    _ = try? await publisher.withConnection { try $0.delete(queue: queue) }
    await publisher.disconnect()
    func rate(_ d: Duration) -> Double { Double(messages) / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
    return ["publish_msgs_per_s": rate(published), "consume_msgs_per_s": rate(consumedIn)]
}

/// Database alone: pgbench running one stage's transaction in a scratch schema.
func databaseCeiling(adminURL: String) async throws -> [String: Double] {
    let pool = PGPool(settings: PGSettings(url: adminURL, applicationName: "bench", poolSize: 1))
    try await pool.withConnection { c in
        try c.executeScript("""
            DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench;
            CREATE TABLE bench.inbox (consumer text, message_id uuid, received_at timestamptz DEFAULT now(), PRIMARY KEY (consumer, message_id));
            CREATE TABLE bench.cases (id bigint PRIMARY KEY, state text, version int, record jsonb, updated_at timestamptz);
            CREATE TABLE bench.outbox (seq bigserial PRIMARY KEY, message_id uuid UNIQUE, routing_key text, body text, created_at timestamptz DEFAULT now(), sent_at timestamptz);
            """)
    }
    let script = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-stage.sql")
    try """
        \\set id random(1, 200000)
        BEGIN;
        INSERT INTO bench.inbox (consumer, message_id) VALUES ('bench', gen_random_uuid()) ON CONFLICT DO NOTHING;
        INSERT INTO bench.cases (id, state, version, record, updated_at) VALUES (:id, 'in_handling', 1, '{"state":"in_handling"}', now())
          ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = bench.cases.version + 1, updated_at = now();
        INSERT INTO bench.outbox (message_id, routing_key, body) VALUES (gen_random_uuid(), 'routing.task.dispatched.X', repeat('x', 900));
        COMMIT;
        """.write(to: script, atomically: true, encoding: .utf8)
    var results: [String: Double] = [:]
    for clients in [1, 4, 8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pgbench")
        // A fixed number of transactions (-t), not a duration (-T): pgbench's timer is a SIGALRM,
        // which is blocked in processes spawned from Swift's thread pool.
        process.arguments = ["-n", "-f", script.path, "-c", "\(clients)", "-j", "\(min(clients, 2))", "-t", "\(4000 / clients)", adminURL]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Poll rather than waitUntilExit(), which blocks a thread of the cooperative pool.
        while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
           let tps = Double(line.dropFirst(6).split(separator: " ").first ?? "") {
            results["stage_tps_c\(clients)"] = tps
        }
    }
    try await pool.withConnection { try $0.executeScript("DROP SCHEMA bench CASCADE") }
    return results
}

