// The five services under an open-loop step-up of supervisor reports, each case driven through
// its whole lifecycle: report → dispatch → the department accepts and completes → the supervisor's
// check passes → the shift leader closes → assessment has recorded the closed case.
//
// Stages are timed from events, not polls: a tap queue bound like a department's queue
// (`routing.task.dispatched.#`) and like assessment's (`supervision.case.transitioned`) sees the
// dispatch and the transitions to awaiting_check and closed. Assessment publishes nothing, so its
// "recorded" moment is read from its table (`assessment.case_facts.state = 'closed'`) by one query
// every 20 ms for all waiting cases: that stage has ~20 ms resolution.
import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// Events of the cases in flight, and the tasks waiting for them.
actor CaseEvents {
    private var seen: [String: [String: Double]] = [:]
    private var waiting: [String: [String: CheckedContinuation<Double?, Never>]] = [:]
    private var tasks: [String: TaskDispatched] = [:]
    private var finished = false
    /// TaskDispatched deliveries per case (a second one would be a duplicated dispatch).
    private(set) var dispatchCount: [String: Int] = [:]

    func signal(_ caseId: String, _ event: String, at time: Double) {
        if seen[caseId]?[event] != nil { return }
        seen[caseId, default: [:]][event] = time
        if let c = waiting[caseId]?.removeValue(forKey: event) { c.resume(returning: time) }
    }

    func dispatched(_ task: TaskDispatched, at time: Double) {
        let id = task.caseId.uuidString.lowercased()
        dispatchCount[id, default: 0] += 1
        if tasks[id] == nil { tasks[id] = task }
        signal(id, "dispatched", at: time)
    }

    func task(_ caseId: String) -> TaskDispatched? { tasks[caseId] }

    /// The time `event` happened to `caseId`; nil when the run gave up waiting.
    func wait(_ caseId: String, _ event: String) async -> Double? {
        if let t = seen[caseId]?[event] { return t }
        if finished { return nil }
        return await withCheckedContinuation { waiting[caseId, default: [:]][event] = $0 }
    }

    func isWaiting(_ event: String) -> [String] { waiting.compactMap { $0.value[event] != nil ? $0.key : nil } }

    /// Ends every wait (the step's drain time is over).
    func giveUp() {
        finished = true
        for (_, events) in waiting { for (_, c) in events { c.resume(returning: nil) } }
        waiting = [:]
    }

    func reopen() { finished = false }

    var duplicateDispatches: Int { dispatchCount.values.filter { $0 > 1 }.count }
}

/// One case's timings (monotonic seconds); nil where it did not get that far.
struct CaseTiming: Sendable {
    var sent: Double
    var created: Double?
    var dispatched: Double?
    var awaitingCheck: Double?
    var closed: Double?
    var assessed: Double?
    /// Accept calls answered 404 because disposal had not yet received the task.
    var acceptRetries = 0
}

/// Per-stage latencies (ms) and throughput of a set of cases that started at `start`.
func stageFigures(_ cases: [CaseTiming], start: Double) -> [String: Double] {
    var r: [String: Double] = [:]
    let dispatched = cases.compactMap { c in c.dispatched.map { ($0 - c.sent) * 1000 } }
    let done = cases.filter { $0.assessed != nil }
    r.merge(distribution("report_http", cases.compactMap { c in c.created.map { ($0 - c.sent) * 1000 } })) { $1 }
    r.merge(distribution("report_to_dispatch", dispatched)) { $1 }
    r.merge(distribution("dispatch_to_awaiting_check", cases.compactMap { c in
        guard let d = c.dispatched, let a = c.awaitingCheck else { return nil }
        return (a - d) * 1000
    })) { $1 }
    r.merge(distribution("awaiting_check_to_closed", cases.compactMap { c in
        guard let a = c.awaitingCheck, let x = c.closed else { return nil }
        return (x - a) * 1000
    })) { $1 }
    r.merge(distribution("closed_to_assessed", cases.compactMap { c in
        guard let x = c.closed, let a = c.assessed else { return nil }
        return (a - x) * 1000
    })) { $1 }
    r.merge(distribution("end_to_end", done.map { ($0.assessed! - $0.sent) * 1000 })) { $1 }
    r["cases_started"] = Double(cases.count)
    r["accept_retries_per_case"] = Double(cases.map(\.acceptRetries).reduce(0, +)) / Double(max(cases.count, 1))
    r["cases_dispatched"] = Double(dispatched.count)
    r["cases_completed"] = Double(done.count)
    if let last = cases.compactMap(\.dispatched).max() { r["sustained_dispatch_per_s"] = Double(dispatched.count) / max(last - start, 0.001) }
    if let last = done.compactMap(\.assessed).max() { r["sustained_lifecycle_per_s"] = Double(done.count) / max(last - start, 0.001) }
    return r
}

/// The services' own view: mean batch size and handler time per batch, from /metrics.
func handlerMetrics(_ text: String) -> (batches: Double, messages: Double, seconds: Double) {
    func value(_ name: String) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(name) }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }
    return (value("citygrid_handler_batch_seconds_count"), value("citygrid_consumer_batch_size_sum"), value("citygrid_handler_batch_seconds_sum"))
}

struct Pipeline {
    let settings: Settings

    func run() async throws -> [String: Any] {
        let adminURL = settings.value("BENCH_AMQP_ADMIN_URL")
        let pgAdmin = settings.value("BENCH_PG_ADMIN_URL")
        let database = URL(string: pgAdmin)?.lastPathComponent ?? "citygrid_bench"
        let pids = settings.value("BENCH_PIDS").split(separator: ",").compactMap { Int32($0) }
        let names = settings.value("BENCH_NAMES").split(separator: ",").map(String.init)
        let metricsURLs = settings.value("BENCH_METRICS_URLS").split(separator: ",").map(String.init)
        let http = HTTP()
        let calls = LifecycleCalls(http: http, tokens: Tokens(secret: settings.tokenSecret), intake: settings.value("BENCH_INTAKE_URL"),
                                   disposal: settings.value("BENCH_DISPOSAL_URL"), supervision: settings.value("BENCH_SUPERVISION_URL"),
                                   points: try gridCentres(settings.value("CITYGRID_REFERENCE_DATA")))
        let events = CaseEvents()

        // The tap: what a department and assessment would receive.
        let endpoint = try AMQPEndpoint(url: adminURL)
        let queue = "bench.tap.\(UUID().uuidString.prefix(6))"
        let topology = Topology(queues: [QueueSpec(name: queue, quorum: false, bindings: [
            .init(exchange: MessagingNames.eventsExchange, routingKey: TaskDispatched.bindingPatternAllDepartments),
            .init(exchange: MessagingNames.eventsExchange, routingKey: CaseTransitioned.routingKey),
        ])])
        let admin = AMQPPublisher(endpoint: endpoint, topology: topology, name: "bench-admin")
        try await admin.connect()
        let tap = AMQPConsumer(endpoint: endpoint, topology: topology, queue: queue, prefetch: 1000)
        try await tap.connect()
        let tapping = Flag()
        let tapTask = Task {
            let decoder = MessageCoding.decoder()
            while !tapping.isSet {
                guard let d = try await tap.next(timeoutMilliseconds: 200) else { continue }
                let at = now()
                _ = try await tap.ack(d)
                if MessagingNames.topicMatches(TaskDispatched.bindingPatternAllDepartments, d.routingKey),
                   let e = try? decoder.decode(Envelope<TaskDispatched>.self, from: Data(d.body)) {
                    await events.dispatched(e.data, at: at)
                } else if let e = try? decoder.decode(Envelope<CaseTransitioned>.self, from: Data(d.body)) {
                    await events.signal(e.data.entry.caseId.uuidString.lowercased(), e.data.entry.to.rawValue, at: at)
                }
            }
        }
        // Assessment's record of the closed case, read for all waiting cases at once.
        let assessmentPool = PGPool(settings: PGSettings(url: pgAdmin, applicationName: "bench-assessed", poolSize: 1))
        let watching = Flag()
        let watcher = Task {
            while !watching.isSet {
                try? await Task.sleep(for: .milliseconds(20))
                let ids = await events.isWaiting("assessed")
                guard !ids.isEmpty else { continue }
                let found = (try? await assessmentPool.withConnection { c in
                    try c.query("SELECT case_id::text AS id FROM assessment.case_facts WHERE state = 'closed' AND case_id = ANY($1::uuid[])",
                                [PGTextArray(ids)]).rows.compactMap { $0["id"] }
                }) ?? []
                let at = now()
                for id in found { await events.signal(id.lowercased(), "assessed", at: at) }
            }
        }

        let run = String(UUID().uuidString.prefix(8))
        var steps: [[String: Double]] = []
        var submitted = 0, accepted = 0, index = 0
        for rate in settings.rates {
            await events.reopen()
            let total = Int(rate * settings.seconds)
            progress("pipeline step: \(fmt(rate)) reports/s for \(fmt(settings.seconds)) s (\(total) cases, full lifecycle)")
            let cpuBefore = pids.map { cpuSeconds(pid: $0) } + [cpuSeconds(pid: getpid()), machineBusySeconds()]
            let postgresBefore = processCPU(command: "postgres"), rabbitBefore = processCPU(command: "beam.smp")
            let backendsBefore = backendCPU(database: database)
            let metricsBefore = await metricsURLs.asyncMap { await http.getText($0).map(handlerMetrics) }
            let start = now()
            let first = index
            index += total
            submitted += total
            // Open loop: case i starts at start + i/rate whether or not earlier ones finished.
            let timings: [CaseTiming] = await withTaskGroup(of: CaseTiming.self) { group in
                let drainUntil = start + settings.seconds + settings.drainSeconds
                group.addTask {
                    // Ends the waits of cases that did not finish within the drain time.
                    while now() < drainUntil && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(200)) }
                    await events.giveUp()
                    return CaseTiming(sent: -1)
                }
                for i in 0..<total {
                    let due = start + Double(i) / rate
                    let wait = due - now()
                    if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                    group.addTask { await lifecycle(first + i, run: run, calls: calls, events: events) }
                }
                var out: [CaseTiming] = []
                for await t in group where t.sent >= 0 {
                    out.append(t)
                    if out.count == total { group.cancelAll(); break }
                }
                return out
            }
            await events.giveUp()
            let cpuAfter = pids.map { cpuSeconds(pid: $0) } + [cpuSeconds(pid: getpid()), machineBusySeconds()]
            let postgresAfter = processCPU(command: "postgres"), rabbitAfter = processCPU(command: "beam.smp")
            let backendsAfter = backendCPU(database: database)
            let metricsAfter = await metricsURLs.asyncMap { await http.getText($0).map(handlerMetrics) }
            accepted += timings.filter { $0.created != nil }.count
            var step = stageFigures(timings, start: start)
            step["offered_rate_per_s"] = rate
            step["wall_seconds"] = now() - start
            let done = max(step["cases_completed"] ?? 0, 1)
            step["cpu_ms_per_case_postgres-all"] = cpuDelta(postgresBefore, postgresAfter) * 1000 / done
            step["cpu_ms_per_case_rabbitmq"] = cpuDelta(rabbitBefore, rabbitAfter) * 1000 / done
            for (i, name) in (names + ["bench-driver", "machine-busy"]).enumerated() {
                step["cpu_ms_per_case_\(name)"] = (cpuAfter[i] - cpuBefore[i]) * 1000 / done
            }
            step["cpu_ms_per_case_postgres-bench-db"] = cpuDelta(backendsBefore, backendsAfter) * 1000 / done
            for (i, name) in names.enumerated() where i < metricsBefore.count {
                guard let b = metricsBefore[i], let a = metricsAfter[i], a.batches > b.batches else { continue }
                step["mean_batch_size_\(name)"] = (a.messages - b.messages) / (a.batches - b.batches)
                step["mean_batch_ms_\(name)"] = (a.seconds - b.seconds) * 1000 / (a.batches - b.batches)
            }
            steps.append(step)
            progress("  → dispatched \(fmt(step["cases_dispatched"] ?? 0)), completed \(fmt(step["cases_completed"] ?? 0)) of \(total); "
                     + "lifecycle \(fmt(step["sustained_lifecycle_per_s"] ?? .nan))/s, report→dispatch p99 \(fmt(step["report_to_dispatch_p99_ms"] ?? .nan)) ms, "
                     + "end-to-end p99 \(fmt(step["end_to_end_p99_ms"] ?? .nan)) ms")
            if (step["cases_completed"] ?? 0) < Double(total) {
                progress("  step did not finish within its drain time: past the knee, stopping the step-up")
                break
            }
            // Past the knee the queues only grow: further steps would measure the backlog, not the system.
            if (step["sustained_lifecycle_per_s"] ?? 0) < 0.8 * rate {
                progress("  sustained lifecycle rate below 80 % of the offered rate: past the knee, stopping the step-up")
                break
            }
        }
        watching.set()
        tapping.set()
        _ = await watcher.result
        _ = await tapTask.result
        await tap.close()
        _ = try? await admin.withConnection { try $0.delete(queue: queue) }
        await admin.disconnect()
        await assessmentPool.closeAll()

        // Work per case, counted in the database: messages published (outbox rows), deliveries
        // applied (inbox rows) and the stage transactions (consumer batches + HTTP commands).
        let work = try await workPerCase(adminURL: pgAdmin, cases: submitted)
        let check = try await verdict(adminURL: pgAdmin, submitted: submitted, accepted: accepted, duplicateDispatches: await events.duplicateDispatches)
        return ["steps": steps, "work_per_case": work, "check": check]
    }
}

/// One case, start to end; returns how far it got and when.
func lifecycle(_ i: Int, run: String, calls: LifecycleCalls, events: CaseEvents) async -> CaseTiming {
    var t = CaseTiming(sent: now())
    guard let id = await calls.report(i, run: run) else { return t }
    t.created = now()
    guard let dispatched = await events.wait(id, "dispatched"), let task = await events.task(id) else { return t }
    t.dispatched = dispatched
    guard await calls.handle(dispatchId: task.dispatchId.uuidString.lowercased(), department: task.departmentCode, retries: &t.acceptRetries) else { return t }
    guard let awaiting = await events.wait(id, CaseState.awaitingCheck.rawValue) else { return t }
    t.awaitingCheck = awaiting
    guard await calls.check(id), await calls.close(id) else { return t }
    guard let closed = await events.wait(id, CaseState.closed.rawValue) else { return t }
    t.closed = closed
    t.assessed = await events.wait(id, "assessed")
    return t
}

/// Messages, deliveries and transactions per case, counted in the run's database.
func workPerCase(adminURL: String, cases: Int) async throws -> [String: Double] {
    let pool = PGPool(settings: PGSettings(url: adminURL, applicationName: "bench-work", poolSize: 1))
    defer { Task { await pool.closeAll() } }
    return try await retrying { try await pool.withConnection { c in
        var published = 0, consumed = 0
        for schema in ["intake", "routing", "disposal", "supervision", "assessment"] {
            published += try c.query("SELECT count(*) AS n FROM \(schema).outbox").first?.int("n") ?? 0
            consumed += try c.query("SELECT count(*) AS n FROM \(schema).inbox").first?.int("n") ?? 0
        }
        let n = Double(max(cases, 1))
        // Five HTTP commands commit a transaction each (report, accept, complete, check, close).
        return ["messages_published": Double(published) / n, "messages_consumed": Double(consumed) / n,
                "stage_transactions": (Double(consumed) + 5 * Double(cases)) / n, "http_commands": 5]
    } }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var out: [T] = []
        for e in self { out.append(await transform(e)) }
        return out
    }
}
