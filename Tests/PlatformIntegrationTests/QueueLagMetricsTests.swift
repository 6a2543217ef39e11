import AMQPClient
import CityGridModel
import Foundation
import PGClient
import TestSupport
import Testing

/// Queue-lag metrics on a real broker: `citygrid_message_age_seconds{queue}` (envelope time to
/// receipt) and `citygrid_queue_depth{queue}` (ready messages), through `platform-probe` on its
/// own scratch database and vhost so no other consumer shares its queue.
@Suite("Queue lag metrics (real broker and database)", .serialized)
struct QueueLagMetricsTests {
    static let queue = "probe.work"

    /// One sample of a metric of the probe's queue, or nil when it is not exposed; `le` selects a
    /// histogram bucket by its numeric bound.
    static func sample(_ exposition: String, _ metric: String, le: Double? = nil) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(metric + "{") {
            guard line.contains("queue=\"\(queue)\""), let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            if let le {
                guard let range = line.range(of: "le=\""), let end = line[range.upperBound...].firstIndex(of: "\""),
                      Double(line[range.upperBound..<end]) == le else { continue }
            }
            return value
        }
        return nil
    }

    static func metrics(_ probe: ServiceProcess) async throws -> String {
        let (status, data) = try await probe.http("GET", "/metrics")
        guard status == 200 else { throw TestSetupError("/metrics answered \(status)") }
        return String(decoding: data, as: UTF8.self)
    }

    static func envelope(subject: String, sequence: Int, time: Date) -> String {
        """
        {"specversion":"1.0","id":"\(UUID().uuidString.lowercased())","type":"citygrid.probe.work.v1","source":"/citygrid/test",\
        "time":"\(RFC3339.format(time))","subject":"\(subject)","datacontenttype":"application/json",\
        "data":{"sequence":\(sequence),"key":"t"}}
        """
    }

    static func publish(_ publisher: AMQPPublisher, _ bodies: [String]) async throws {
        let outcomes = try await publisher.publish(bodies.map {
            OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: "probe.work.t", messageId: UUID().uuidString,
                            type: "citygrid.probe.work.v1", body: Array($0.utf8))
        })
        #expect(outcomes.allSatisfy { $0 == .confirmed }, "\(outcomes)")
    }

    static func effects(_ pool: PGPool, subject: String) async throws -> Int {
        try await pool.withConnection { c in
            try c.query("SELECT count(*) AS n FROM probe.effects WHERE subject = $1", [subject]).first!.int("n")
        }
    }

    @Test("message age is observed per queue from the envelope time, and the depth gauge shows the ready messages")
    func ageAndDepth() async throws {
        let scratch = try await ScratchEnvironment.recreate("qlag")
        let pool = try scratch.adminPool()
        let publisher = try scratch.adminPublisher()
        let probe = try ServiceProcess(executable: TestEnvironment().binDirectory + "/platform-probe", port: testPort(), environment: [
            "CITYGRID_DB_URL": try scratch.databaseURL("PROBE"),
            "CITYGRID_AMQP_URL": try scratch.amqpURL("PROBE"),
            "PROBE_ROLE": "consumer",
            // One delivery in flight at a time, so a blocked handler leaves the rest ready in the queue.
            "CITYGRID_AMQP_PREFETCH": "1",
            "CITYGRID_CONSUMER_BATCH": "1",
            // The handler waits on a table lock below; it must not time out meanwhile.
            "CITYGRID_STATEMENT_TIMEOUT_MS": "120000",
        ])
        defer { probe.kill9() }
        try await probe.waitUntilReady()

        // Both series exist from start-up, before anything was consumed.
        try await eventually("depth gauge exposed") { Self.sample(try await Self.metrics(probe), "citygrid_queue_depth") == 0 }
        let before = try await Self.metrics(probe)
        let count0 = Self.sample(before, "citygrid_message_age_seconds_count") ?? 0
        let sum0 = Self.sample(before, "citygrid_message_age_seconds_sum") ?? 0
        let under5ms0 = try #require(Self.sample(before, "citygrid_message_age_seconds_bucket", le: 0.005))
        let under60s0 = try #require(Self.sample(before, "citygrid_message_age_seconds_bucket", le: 60))
        let under300s0 = try #require(Self.sample(before, "citygrid_message_age_seconds_bucket", le: 300))

        // Age: three messages produced two minutes ago, one stamped an hour ahead (a producer
        // clock ahead of ours), which counts as age 0, and one without a readable envelope, which
        // has no age (it is dead-lettered).
        let aged = "aged-\(UUID())"
        let now = Date()
        try await Self.publish(publisher, (0..<3).map { Self.envelope(subject: aged, sequence: $0, time: now.addingTimeInterval(-120)) }
            + [Self.envelope(subject: aged, sequence: 3, time: now.addingTimeInterval(3_600)), "not an envelope"])
        try await eventually("four aged messages applied") { try await Self.effects(pool, subject: aged) == 4 }
        try await eventually("the unreadable one dead-lettered") {
            try await Self.metrics(probe).contains("citygrid_messages_dead_lettered_total{service=\"platform-probe\"} 1")
        }
        try await eventually("four ages observed") {
            (Self.sample(try await Self.metrics(probe), "citygrid_message_age_seconds_count") ?? 0) == count0 + 4
        }
        let after = try await Self.metrics(probe)
        let sum = try #require(Self.sample(after, "citygrid_message_age_seconds_sum")) - sum0
        #expect(sum >= 360 && sum < 450, "three ages of about 120 s and one of 0 s; the sum grew by \(sum)")
        #expect(try #require(Self.sample(after, "citygrid_message_age_seconds_bucket", le: 0.005)) == under5ms0 + 1)
        #expect(try #require(Self.sample(after, "citygrid_message_age_seconds_bucket", le: 60)) == under60s0 + 1)
        #expect(try #require(Self.sample(after, "citygrid_message_age_seconds_bucket", le: 300)) == under300s0 + 4)

        // Depth: hold a lock the handler needs, so the first delivery waits in its transaction and
        // the other nine stay ready in the queue until the lock is released.
        let blocked = "blocked-\(UUID())"
        try await pool.session { session in
            try await session.step { c in
                _ = try c.query("BEGIN")
                _ = try c.query("LOCK TABLE probe.effects IN ACCESS EXCLUSIVE MODE")
            }
            do {
                try await Self.publish(publisher, (0..<10).map { Self.envelope(subject: blocked, sequence: $0, time: Date()) })
                // Refreshed about every 10 s.
                try await eventually(timeout: .seconds(40), "depth 9 while the handler is blocked") {
                    Self.sample(try await Self.metrics(probe), "citygrid_queue_depth") == 9
                }
            } catch {
                _ = try? await session.step { c in _ = try c.query("ROLLBACK") }
                throw error
            }
            try await session.step { c in _ = try c.query("ROLLBACK") }
        }
        try await eventually("the ten blocked messages applied") { try await Self.effects(pool, subject: blocked) == 10 }
        try await eventually(timeout: .seconds(40), "depth back to 0") {
            Self.sample(try await Self.metrics(probe), "citygrid_queue_depth") == 0
        }
        #expect(Self.sample(try await Self.metrics(probe), "citygrid_message_age_seconds_count") == count0 + 14)
        await publisher.disconnect()
        await pool.closeAll()
    }
}
