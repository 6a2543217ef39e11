// citygrid-bench: measures, in one run on this machine,
//   1. the broker ceiling  — quorum queue, persistent 1 KB messages, batched publisher confirms,
//                            publishing and consuming at the same time (what the services do);
//   2. the database ceiling — one stage's real transaction (inbox + state upsert + outbox) under pgbench;
//   3. the pipeline         — open-loop supervisor reports into intake at a fixed rate, timed until
//                            the department's task appears on its queue topic (report → dispatch),
//                            with p50/p95/p99 and CPU seconds per case for every process.
// Prints a table and writes JSON. Figures are printed, never asserted. Run with scripts/bench.
import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PGClient

struct Settings {
    let env = ProcessInfo.processInfo.environment
    func value(_ k: String) -> String {
        guard let v = env[k], !v.isEmpty else { FileHandle.standardError.write(Data("citygrid-bench: \(k) is not set (run scripts/bench)\n".utf8)); exit(2) }
        return v
    }
    var rate: Double { Double(env["BENCH_RATE"] ?? "40") ?? 40 }
    var seconds: Double { Double(env["BENCH_SECONDS"] ?? "30") ?? 30 }
    var brokerMessages: Int { Int(env["BENCH_BROKER_MESSAGES"] ?? "20000") ?? 20000 }
}

func progress(_ line: String) { FileHandle.standardError.write(Data("bench: \(line)\n".utf8)) }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

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
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
           let tps = Double(line.dropFirst(6).split(separator: " ").first ?? "") {
            results["stage_tps_c\(clients)"] = tps
        }
    }
    try await pool.withConnection { try $0.executeScript("DROP SCHEMA bench CASCADE") }
    return results
}

func cpuSeconds(pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return .nan }
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return .nan }
    return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// The pipeline: supervisor reports → intake → grid-routing → supervision (files) → grid-routing (dispatches).
func pipeline(settings: Settings) async throws -> [String: Double] {
    let adminURL = settings.value("CITYGRID_TEST_AMQP_ADMIN_URL")
    let intakeURL = settings.value("BENCH_INTAKE_URL")
    let token = settings.value("BENCH_TOKEN")
    let pids = settings.value("BENCH_PIDS").split(separator: ",").compactMap { Int32($0) }
    let endpoint = try AMQPEndpoint(url: adminURL)
    let queue = "bench.tap.\(UUID().uuidString.prefix(6))"
    let topology = Topology(queues: [QueueSpec(name: queue, quorum: false, bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: "routing.task.dispatched.#")])])
    let admin = AMQPPublisher(endpoint: endpoint, topology: topology, name: "bench-admin")
    try await admin.connect()
    let tap = AMQPConsumer(endpoint: endpoint, topology: topology, queue: queue, prefetch: 500)
    try await tap.connect()
    let cpuBefore = pids.map(cpuSeconds)
    let sentAt = SentTimes()
    let total = Int(settings.rate * settings.seconds)
    let interval = 1.0 / settings.rate
    // Report i goes to the centre of grid i (every report locatable, none a duplicate of another).
    let reference = try ReferenceData.load(from: URL(fileURLWithPath: settings.value("CITYGRID_REFERENCE_DATA")))
    let points = reference.grids.filter { $0.validTo == nil }.map { $0.polygon.centroid }
    let start = Date()
    // Open loop: report i is sent at start + i·interval whether or not earlier ones finished.
    let sender = Task {
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<total {
                let due = start.addingTimeInterval(Double(i) * interval)
                let wait = due.timeIntervalSinceNow
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                group.addTask {
                    let point = points[(i * 7919) % points.count]
                    let (lon, lat) = (point.lon, point.lat)
                    let body = #"{"channel":"supervisor","reporterId":"bench","kind":"event","classCode":"0502","location":{"longitude":\#(lon),"latitude":\#(lat)},"description":"bench \#(i)","photos":[]}"#
                    var request = URLRequest(url: URL(string: intakeURL + "/api/v1/reports")!)
                    request.httpMethod = "POST"
                    request.httpBody = Data(body.utf8)
                    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                    request.setValue("bench-\(start.timeIntervalSince1970)-\(i)", forHTTPHeaderField: "Idempotency-Key")
                    let sent = Date()
                    if let (data, _) = try? await URLSession.shared.data(for: request),
                       let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let id = object["caseId"] as? String {
                        await sentAt.record(id.lowercased(), sent)
                    }
                }
            }
        }
    }
    var latencies: [Double] = []
    var lastDispatch = start
    let deadline = start.addingTimeInterval(settings.seconds + 60)
    while latencies.count < total && Date() < deadline {
        guard let d = try await tap.next(timeoutMilliseconds: 500) else { continue }
        try await tap.ack(d)
        guard let envelope = try? MessageCoding.decoder().decode(Envelope<TaskDispatched>.self, from: Data(d.body)),
              let sent = await sentAt.time(envelope.data.caseId.uuidString.lowercased()) else { continue }
        latencies.append(Date().timeIntervalSince(sent) * 1000)
        lastDispatch = Date()
    }
    await sender.value
    let cpuAfter = pids.map(cpuSeconds)
    await tap.close()
    _ = try? await admin.withConnection { try $0.delete(queue: queue) }
    let sorted = latencies.sorted()
    let elapsed = lastDispatch.timeIntervalSince(start)
    var result: [String: Double] = [
        "offered_rate_per_s": settings.rate, "reports_sent": Double(total), "dispatched": Double(latencies.count),
        "sustained_dispatch_per_s": Double(latencies.count) / max(elapsed, 0.001),
        "latency_p50_ms": percentile(sorted, 0.50), "latency_p95_ms": percentile(sorted, 0.95),
        "latency_p99_ms": percentile(sorted, 0.99), "latency_max_ms": sorted.last ?? .nan,
    ]
    let names = settings.value("BENCH_NAMES").split(separator: ",").map(String.init)
    for (i, name) in names.enumerated() where i < pids.count {
        result["cpu_ms_per_case_\(name)"] = (cpuAfter[i] - cpuBefore[i]) * 1000 / Double(max(latencies.count, 1))
    }
    return result
}

actor SentTimes {
    var times: [String: Date] = [:]
    func record(_ id: String, _ at: Date) { times[id] = at }
    func time(_ id: String) -> Date? { times[id] }
}

let settings = Settings()
var report: [String: [String: Double]] = [:]
report["broker_ceiling"] = try await brokerCeiling(adminURL: settings.value("CITYGRID_TEST_AMQP_ADMIN_URL"), messages: settings.brokerMessages)
report["database_ceiling"] = try await databaseCeiling(adminURL: settings.value("CITYGRID_TEST_PG_ADMIN_URL"))
report["pipeline_report_to_dispatch"] = try await pipeline(settings: settings)

func fmt(_ v: Double) -> String { v.isNaN ? "—" : String(format: v >= 100 ? "%.0f" : "%.2f", v) }
print("\nCityGrid benchmark (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
for section in ["broker_ceiling", "database_ceiling", "pipeline_report_to_dispatch"] {
    print("\n\(section)")
    for (k, v) in (report[section] ?? [:]).sorted(by: { $0.key < $1.key }) { print("  \(k.padding(toLength: 34, withPad: " ", startingAt: 0)) \(fmt(v))") }
}
// Messages and commits one case needs from report to dispatch: 4 publishes/deliveries
// (reported, located, filed, dispatched) and 5 commits (intake insert, routing locate,
// supervision file, routing dispatch, supervision record dispatch).
let broker = min(report["broker_ceiling"]?["publish_msgs_per_s"] ?? 0, report["broker_ceiling"]?["consume_msgs_per_s"] ?? 0)
let db = (report["database_ceiling"] ?? [:]).values.max() ?? 0
let bound = min(broker / 4, db / 5)
print("\nceiling for report→dispatch: min(broker \(fmt(broker))/4, db \(fmt(db))/5) = \(fmt(bound)) cases/s; goal ≥ half = \(fmt(bound / 2))")
print("same-work monolith: not measured in this version (see docs/benchmarks.md)")
let json = try JSONSerialization.data(withJSONObject: report.mapValues { $0.mapValues { $0.isNaN ? 0 : $0 } }, options: [.prettyPrinted, .sortedKeys])
let out = ProcessInfo.processInfo.environment["BENCH_OUTPUT"] ?? "bench-result.json"
try json.write(to: URL(fileURLWithPath: out))
print("JSON: \(out)")
