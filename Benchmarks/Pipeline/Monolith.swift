// The same-work monolith: all five services' own library code in ONE process, with the broker
// replaced by an in-process hand-over, doing per case the same durable work as the services:
//
//   * the same HTTP routes (each service's router on its own port in this process), called by the
//     same five requests per case as the pipeline driver sends;
//   * the same consumers: each service's ConsumerDefinitions, applied through the platform's
//     MessageConsumerService.applyInProcess — one transaction per delivery with the inbox claim in a
//     savepoint, the handler's state changes, its outbox rows, the parked-message retry, commit
//     (synchronous_commit on, as the server is configured);
//   * the same outbox: every row is read back from the outbox it was written to and marked sent
//     after its consumers committed (the relay's "publish, then mark" order), and handed to every
//     consumer whose queue binding matches its routing key (AMQP topic rules).
//
// What it does not do: no broker round trips, no AMQP encoding, no publisher confirms, no relay
// polling or wake-ups, no batching across cases. Workers run one case at a time through its whole
// lifecycle (closed loop); N workers run concurrently. Its timer-driven background jobs (deadline
// watcher) are not started, and its HTTP routers lack the services' metrics middleware.
import AMQPClient
import AssessmentService
import CityGridModel
import CityGridPlatform
import DisposalService
import Foundation
import GridRoutingService
import Hummingbird
import IntakeService
import Logging
import PGClient
import SupervisionService

struct MonolithPart: Sendable {
    let name: String
    let schema: String
    let pool: PGPool
    let port: Int
    let runners: [(queue: QueueSpec, runner: MessageConsumerService)]
}

/// Hands outbox rows of one case to the consumers bound to them, inside this process.
struct InProcessBus: Sendable {
    let parts: [MonolithPart]
    /// (part index, consumer) for every queue, with its bindings on the events exchange.
    let queues: [(part: Int, bindings: [String], runner: MessageConsumerService)]

    init(parts: [MonolithPart]) {
        self.parts = parts
        var q: [(part: Int, bindings: [String], runner: MessageConsumerService)] = []
        for (i, p) in parts.enumerated() {
            for r in p.runners {
                q.append((i, r.queue.bindings.filter { $0.exchange == MessagingNames.eventsExchange }.map(\.routingKey), r.runner))
            }
        }
        queues = q
    }

    struct Row: Sendable {
        var seq: Int
        var routingKey: String
        var exchange: String
        var type: String
        var headers: [String: String]
        var body: [UInt8]
    }

    struct Tally: Sendable {
        var published = 0
        var deliveries = 0
        var parked = 0
        var deadLettered = 0
        var delivered: [(type: String, body: [UInt8])] = []
    }

    /// Delivers everything part `first` (and, transitively, its consumers) wrote about `subject`
    /// until no outbox holds an unsent row of it.
    func pump(from first: Int, subject: String) async throws -> Tally {
        var tally = Tally()
        var pending = [first]
        while !pending.isEmpty {
            let index = pending.removeFirst()
            let part = parts[index]
            let rows: [Row] = try await part.pool.withConnection { [schema = part.schema] c in
                try c.query("""
                    SELECT seq, exchange, routing_key, message_type, headers::text AS headers, body FROM \(schema).outbox
                    WHERE sent_at IS NULL AND next_attempt_at <= now() AND subject = $1 ORDER BY seq
                    """, [subject]).rows.map { row in
                    let headers = (try? JSONSerialization.jsonObject(with: Data(try row.string("headers").utf8))) as? [String: String] ?? [:]
                    return Row(seq: try row.int("seq"), routingKey: try row.string("routing_key"), exchange: try row.string("exchange"),
                               type: try row.string("message_type"), headers: headers, body: Array(try row.string("body").utf8))
                }
            }
            guard !rows.isEmpty else { continue }
            for row in rows {
                tally.published += 1
                tally.delivered.append((row.type, row.body))
                guard row.exchange == MessagingNames.eventsExchange else { continue }
                for queue in queues where queue.bindings.contains(where: { MessagingNames.topicMatches($0, row.routingKey) }) {
                    let outcome = try await queue.runner.applyInProcess([InProcessMessage(body: row.body, routingKey: row.routingKey, headers: row.headers)])
                    tally.deliveries += 1
                    tally.parked += outcome.parked
                    tally.deadLettered += outcome.deadLettered
                    if outcome.wroteOutbox, !pending.contains(queue.part) { pending.append(queue.part) }
                }
            }
            let seqs = rows.map { String($0.seq) }
            try await part.pool.withConnection { [schema = part.schema] c in
                _ = try c.query("UPDATE \(schema).outbox SET sent_at = now(), attempts = attempts + 1 WHERE seq = ANY($1::bigint[])",
                                [PGTextArray(seqs)])
            }
        }
        return tally
    }
}

struct Monolith {
    let settings: Settings

    func run() async throws -> [String: Any] {
        // Same service settings as scripts/bench gives the five processes.
        setenv("CITYGRID_DUPLICATE_WINDOW_H", "0", 1)
        let reference = settings.value("CITYGRID_REFERENCE_DATA")
        let workers = settings.monolithWorkers
        let poolSize = max(4, workers.max() ?? 4)
        let descriptors: [(ServiceDescriptor, String, Int)] = [
            (IntakeService.descriptor, "INTAKE", 18191), (GridRoutingService.descriptor, "ROUTING", 18192),
            (DisposalService.descriptor, "DISPOSAL", 18193), (SupervisionService.descriptor, "SUPERVISION", 18194),
            (AssessmentServiceDescriptor.make(), "ASSESSMENT", 18195),
        ]
        var parts: [MonolithPart] = []
        var apps: [Task<Void, any Error>] = []
        for (descriptor, user, port) in descriptors {
            let configuration = try ServiceConfiguration.load(service: descriptor.name, defaultHTTPPort: port, environment: EnvironmentReader([
                "CITYGRID_DB_URL": settings.value("BENCH_MONO_DB_URL_\(user)"),
                "CITYGRID_AMQP_URL": "amqp://none:none@127.0.0.1:1/none",  // never connected
                "CITYGRID_HTTP_PORT": "\(port)", "CITYGRID_DB_POOL_SIZE": "\(poolSize)",
                "CITYGRID_REFERENCE_DATA": reference, "CITYGRID_TOKEN_SECRET": settings.tokenSecret,
            ]))
            var logger = Logger(label: "citygrid.monolith.\(descriptor.name)")
            logger.logLevel = .warning
            let pool = PGPool(settings: PGSettings(url: configuration.databaseURL, applicationName: "monolith-\(descriptor.name)",
                                                   poolSize: configuration.databasePoolSize,
                                                   statementTimeoutMilliseconds: configuration.statementTimeoutMilliseconds))
            _ = try await Migrator.migrate(pool, schema: descriptor.schema, migrations: PlatformMigrations.all + descriptor.migrations)
            let metrics = PlatformMetrics(service: descriptor.name)
            let health = HealthState()
            let wake = WakeSignal()
            let env = ServiceEnvironment(configuration: configuration, pool: pool, metrics: metrics, health: health, logger: logger,
                                         clock: SystemClock(), relayWake: wake, schema: descriptor.schema, messagingName: descriptor.messagingName)
            let built = try await descriptor.build(env)
            let endpoint = try AMQPEndpoint(url: configuration.amqpURL)
            let runners: [(queue: QueueSpec, runner: MessageConsumerService)] = built.consumers.map { definition in
                (definition.queue, MessageConsumerService(definition: definition, endpoint: endpoint, pool: pool, schema: descriptor.schema,
                                                          source: descriptor.messagingName, metrics: metrics, health: health, logger: logger,
                                                          relayWake: wake, prefetch: 1, batchSize: 1, clock: SystemClock()))
            }
            parts.append(MonolithPart(name: descriptor.name, schema: descriptor.schema, pool: pool, port: port, runners: runners))
            let router = HTTPShell.router(tokens: env.tokens, clock: env.clock, maxBodyBytes: configuration.httpMaxBodyBytes)
            built.routes(router)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port),
                                                                        serverName: "citygrid-monolith-\(descriptor.name)"), logger: logger)
            apps.append(Task { try await app.runService(gracefulShutdownSignals: []) })
        }
        let http = HTTP()
        for part in parts {
            let deadline = now() + 30
            while await http.getText("http://127.0.0.1:\(part.port)/") == nil, now() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        }
        let bus = InProcessBus(parts: parts)
        let calls = LifecycleCalls(http: http, tokens: Tokens(secret: settings.tokenSecret), intake: "http://127.0.0.1:18191",
                                   disposal: "http://127.0.0.1:18193", supervision: "http://127.0.0.1:18194",
                                   points: try gridCentres(reference))
        let database = URL(string: settings.value("BENCH_MONO_PG_ADMIN_URL"))?.lastPathComponent ?? "citygrid_bench_mono"
        let run = String(UUID().uuidString.prefix(8))
        let counter = CaseCounter()
        var runs: [[String: Double]] = []
        var submitted = 0, accepted = 0
        for n in workers {
            progress("monolith: \(n) workers, closed loop, \(fmt(settings.monolithSeconds)) s")
            let cpuBefore = [cpuSeconds(pid: getpid()), machineBusySeconds()]
            let postgresBefore = processCPU(command: "postgres")
            let backendsBefore = backendCPU(database: database)
            let start = now()
            let until = start + settings.monolithSeconds
            let results: [(CaseTiming, InProcessBus.Tally)] = await withTaskGroup(of: [(CaseTiming, InProcessBus.Tally)].self) { group in
                for _ in 0..<n {
                    group.addTask {
                        var mine: [(CaseTiming, InProcessBus.Tally)] = []
                        while now() < until {
                            let i = await counter.next()
                            mine.append(await monolithCase(i, run: run, calls: calls, bus: bus))
                        }
                        return mine
                    }
                }
                var all: [(CaseTiming, InProcessBus.Tally)] = []
                for await r in group { all += r }
                return all
            }
            let cpuAfter = [cpuSeconds(pid: getpid()), machineBusySeconds()]
            let postgresAfter = processCPU(command: "postgres")
            let backendsAfter = backendCPU(database: database)
            let timings = results.map(\.0)
            submitted += timings.count
            accepted += timings.filter { $0.created != nil }.count
            var figures = stageFigures(timings, start: start)
            figures["workers"] = Double(n)
            figures["wall_seconds"] = now() - start
            let done = max(figures["cases_completed"] ?? 0, 1)
            figures["cpu_ms_per_case_postgres-all"] = cpuDelta(postgresBefore, postgresAfter) * 1000 / done
            for (i, name) in ["monolith-incl-driver", "machine-busy"].enumerated() {
                figures["cpu_ms_per_case_\(name)"] = (cpuAfter[i] - cpuBefore[i]) * 1000 / done
            }
            figures["cpu_ms_per_case_postgres-bench-db"] = cpuDelta(backendsBefore, backendsAfter) * 1000 / done
            let tallies = results.map(\.1)
            figures["parked"] = Double(tallies.map(\.parked).reduce(0, +))
            figures["dead_lettered"] = Double(tallies.map(\.deadLettered).reduce(0, +))
            runs.append(figures)
            progress("  → \(fmt(figures["cases_completed"] ?? 0)) cases, \(fmt(figures["sustained_lifecycle_per_s"] ?? .nan)) cases/s, "
                     + "report→dispatch p99 \(fmt(figures["report_to_dispatch_p99_ms"] ?? .nan)) ms, end-to-end p99 \(fmt(figures["end_to_end_p99_ms"] ?? .nan)) ms")
        }
        let admin = settings.value("BENCH_MONO_PG_ADMIN_URL")
        let work = try await workPerCase(adminURL: admin, cases: submitted)
        let check = try await verdict(adminURL: admin, submitted: submitted, accepted: accepted, duplicateDispatches: 0)
        _ = apps  // the servers stop with the process (main exits after writing the result)
        return ["runs": runs, "work_per_case": work, "check": check]
    }
}

actor CaseCounter {
    private var value = 0
    func next() -> Int {
        defer { value += 1 }
        return value
    }
}

/// One case through the monolith: the same five HTTP calls as the pipeline, with the in-process
/// hand-over after each. Every stage's events are applied before the call returns, so the stage
/// ends when the hand-over does (closed and assessed are the same moment here).
func monolithCase(_ i: Int, run: String, calls: LifecycleCalls, bus: InProcessBus) async -> (CaseTiming, InProcessBus.Tally) {
    var t = CaseTiming(sent: now())
    var tally = InProcessBus.Tally()
    func pump(_ part: Int, _ id: String) async -> Bool {
        do {
            let more = try await bus.pump(from: part, subject: id)
            tally.published += more.published
            tally.deliveries += more.deliveries
            tally.parked += more.parked
            tally.deadLettered += more.deadLettered
            tally.delivered += more.delivered
            return true
        } catch {
            progress("monolith case \(id): \(error)")
            return false
        }
    }
    guard let id = await calls.report(i, run: run) else { return (t, tally) }
    t.created = now()
    guard await pump(0, id) else { return (t, tally) }
    let decoder = MessageCoding.decoder()
    guard let body = tally.delivered.first(where: { $0.type == TaskDispatched.eventType })?.body,
          let task = try? decoder.decode(Envelope<TaskDispatched>.self, from: Data(body)).data else { return (t, tally) }
    t.dispatched = now()
    guard await calls.handle(dispatchId: task.dispatchId.uuidString.lowercased(), department: task.departmentCode, retries: &t.acceptRetries),
          await pump(2, id) else { return (t, tally) }
    t.awaitingCheck = now()
    guard await calls.check(id), await pump(3, id), await calls.close(id) else { return (t, tally) }
    t.closed = now()
    guard await pump(3, id) else { return (t, tally) }
    t.assessed = now()
    tally.delivered = []
    return (t, tally)
}
