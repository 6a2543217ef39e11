// Helpers shared by the pipeline driver, the same-work monolith and the summary.
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
    /// Offered rates of the step-up, reports per second.
    var rates: [Double] { (env["BENCH_RATES"] ?? "5,10,20,30,40,60,80").split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
    var seconds: Double { Double(env["BENCH_SECONDS"] ?? "20") ?? 20 }
    /// How long a step may take, after its last report, to finish the lifecycles it started.
    var drainSeconds: Double { Double(env["BENCH_DRAIN_SECONDS"] ?? "60") ?? 60 }
    var brokerMessages: Int { Int(env["BENCH_BROKER_MESSAGES"] ?? "20000") ?? 20000 }
    /// Concurrent workers of the monolith, one closed-loop run per entry.
    var monolithWorkers: [Int] { (env["BENCH_MONOLITH_WORKERS"] ?? "2,4,8").split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    var monolithSeconds: Double { Double(env["BENCH_MONOLITH_SECONDS"] ?? "15") ?? 15 }
    var tokenSecret: String { env["CITYGRID_TOKEN_SECRET"] ?? "citygrid-dev-secret-not-for-production" }
}

func progress(_ line: String) { FileHandle.standardError.write(Data("bench: \(line)\n".utf8)) }

/// Monotonic seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

/// p50/p95/p99/max of a sample, in the given unit, under `prefix_`.
func distribution(_ prefix: String, _ values: [Double]) -> [String: Double] {
    let s = values.sorted()
    return ["\(prefix)_p50_ms": percentile(s, 0.50), "\(prefix)_p95_ms": percentile(s, 0.95),
            "\(prefix)_p99_ms": percentile(s, 0.99), "\(prefix)_max_ms": s.last ?? .nan]
}

func cpuSeconds(pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return .nan }
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return .nan }
    return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Busy CPU seconds of the whole machine (all cores), from /proc/stat: everything but idle and iowait.
func machineBusySeconds() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return .nan }
    let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard v.count >= 5 else { return .nan }
    return (v.reduce(0, +) - v[3] - v[4]) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds so far of each process whose command name is `name` (e.g. every PostgreSQL process).
/// Compare two readings with ``cpuDelta(_:_:)``: a plain sum would drop (go negative by) the CPU
/// of processes that exited in between.
func processCPU(command name: String) -> [Int32: Double] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
    var out: [Int32: Double] = [:]
    for pid in pids {
        guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
              comm.trimmingCharacters(in: .whitespacesAndNewlines) == name else { continue }
        let c = cpuSeconds(pid: pid)
        if !c.isNaN { out[pid] = c }
    }
    return out
}

/// CPU seconds so far of each PostgreSQL backend serving `database` (its process title names the
/// database), so the figure leaves out other people's databases on this shared server.
func backendCPU(database: String) -> [Int32: Double] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
    var out: [Int32: Double] = [:]
    for pid in pids {
        guard let title = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
              title.hasPrefix("postgres: "), title.split(separator: " ").dropFirst(2).first == Substring(database) else { continue }
        let c = cpuSeconds(pid: pid)
        if !c.isNaN { out[pid] = c }
    }
    return out
}

/// CPU used between two per-process readings, by the processes alive at the second one (what
/// exited in between is not counted).
func cpuDelta(_ before: [Int32: Double], _ after: [Int32: Double]) -> Double {
    after.reduce(0.0) { $0 + $1.value - (before[$1.key] ?? 0) }
}

/// Tokens for the roles the lifecycle needs, signed with the services' secret.
struct Tokens: Sendable {
    let authority: TokenAuthority
    let supervisor: String
    let shiftLeader: String

    init(secret: String) {
        authority = TokenAuthority(secret: secret)
        let now = Date()
        supervisor = authority.issue(AccessToken(sub: "bench-supervisor", role: .supervisor, scope: .city, iat: now, exp: now + 86_400))
        shiftLeader = authority.issue(AccessToken(sub: "bench-leader", role: .shiftLeader, scope: .city, iat: now, exp: now + 86_400))
    }

    func department(_ code: String) -> String {
        let now = Date()
        return authority.issue(AccessToken(sub: "bench-dept-\(code)", role: .department, scope: AccessScope(level: .department, code: code),
                                           iat: now, exp: now + 86_400))
    }
}

/// A small JSON-over-HTTP client for the services' public APIs.
struct HTTP: @unchecked Sendable {  // URLSession is thread-safe
    let session: URLSession

    init() {
        let configuration = URLSessionConfiguration.default
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration)
    }

    /// POSTs a JSON body; returns the status and the decoded JSON object (empty when not an object).
    func post(_ url: String, _ body: String, token: String, idempotencyKey: String? = nil) async -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        guard let (data, response) = try? await session.data(for: request) else { return (0, [:]) }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    func getText(_ url: String) async -> String? {
        guard let (data, _) = try? await session.data(from: URL(string: url)!) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The five HTTP calls of one case's lifecycle, shared by the pipeline driver and the monolith so
/// both sides receive exactly the same requests.
struct LifecycleCalls: Sendable {
    let http: HTTP
    let tokens: Tokens
    let intake: String
    let disposal: String
    let supervision: String
    let points: [GeoPoint]

    /// Report i goes to the centre of a grid (every report locatable); duplicate linking is off.
    func report(_ i: Int, run: String) async -> String? {
        let point = points[(i * 7919) % points.count]
        let body = #"{"channel":"supervisor","reporterId":"bench","kind":"event","classCode":"0502","location":{"longitude":\#(point.lon),"latitude":\#(point.lat)},"description":"bench \#(i)","photos":[]}"#
        let (status, object) = await http.post(intake + "/api/v1/reports", body, token: tokens.supervisor, idempotencyKey: "bench-\(run)-\(i)")
        guard status == 201, let id = object["caseId"] as? String else {
            progress("report \(i): HTTP \(status) \(object)")
            return nil
        }
        return id.lowercased()
    }

    /// The department accepts and completes its task. The task reaches disposal's inbox through its
    /// own consumer, possibly after the dispatch was seen elsewhere, and disposal announces nothing
    /// when it has it; so a 404 is retried with a growing pause (5 ms doubling to 200 ms) that keeps
    /// the retries from loading the system they wait for. `retries` counts them.
    func handle(dispatchId: String, department: String, retries: inout Int) async -> Bool {
        let token = tokens.department(department)
        let deadline = now() + 60
        var accepted = false
        var pause = 5
        while now() < deadline {
            let (status, _) = await http.post(disposal + "/api/v1/tasks/\(dispatchId)/accept", "{}", token: token)
            if status == 200 { accepted = true; break }
            if status != 404 { progress("accept \(dispatchId): HTTP \(status)"); return false }
            retries += 1
            try? await Task.sleep(for: .milliseconds(pause))
            pause = min(pause * 2, 200)
        }
        guard accepted else { return false }
        let (status, body) = await http.post(disposal + "/api/v1/tasks/\(dispatchId)/complete",
                                             #"{"result":"已处理","photos":["https://photos.example/bench-after.jpg"]}"#, token: token)
        if status != 200 { progress("complete \(dispatchId): HTTP \(status) \(body)") }
        return status == 200
    }

    /// The supervisor's check passes (核查).
    func check(_ caseId: String) async -> Bool {
        let (status, body) = await http.post(supervision + "/api/v1/cases/\(caseId)/check", #"{"passed":true}"#, token: tokens.supervisor)
        if status != 200 { progress("check \(caseId): HTTP \(status) \(body)") }
        return status == 200
    }

    /// The shift leader closes (结案).
    func close(_ caseId: String) async -> Bool {
        let (status, body) = await http.post(supervision + "/api/v1/cases/\(caseId)/close", "{}", token: tokens.shiftLeader)
        if status != 200 { progress("close \(caseId): HTTP \(status) \(body)") }
        return status == 200
    }
}

/// Reads the reference data's current grid centres.
func gridCentres(_ path: String) throws -> [GeoPoint] {
    let reference = try ReferenceData.load(from: URL(fileURLWithPath: path))
    return reference.grids.filter { $0.validTo == nil }.map { $0.polygon.centroid }
}

/// Retries a read that a database restart (by someone else on this shared machine) interrupted.
func retrying<T>(_ body: () async throws -> T) async throws -> T {
    for attempt in 1... {
        do { return try await body() } catch where attempt < 15 {
            progress("database read failed (\(error)); retrying")
            try await Task.sleep(for: .seconds(2))
        }
    }
    fatalError("unreachable")
}

/// Counts in the run's (scratch) database that say whether every report became exactly one case
/// that went all the way: the run's verdict. The database holds this run's rows only.
func verdict(adminURL: String, submitted: Int, accepted: Int, duplicateDispatches: Int) async throws -> [String: Double] {
    let pool = PGPool(settings: PGSettings(url: adminURL, applicationName: "bench-check", poolSize: 1))
    defer { Task { await pool.closeAll() } }
    // Outboxes drain shortly after the last case; give them a moment.
    var counts: [String: Double] = [:]
    for attempt in 0..<20 {
        counts = try await retrying { try await pool.withConnection { c in
            func n(_ sql: String) throws -> Double { Double(try c.query(sql).first?.int("n") ?? -1) }
            var r: [String: Double] = [:]
            r["reports"] = try n("SELECT count(*) AS n FROM intake.reports")
            r["reports_closed"] = try n("SELECT count(*) AS n FROM intake.reports WHERE status = 'closed'")
            r["cases"] = try n("SELECT count(*) AS n FROM supervision.cases")
            r["cases_closed"] = try n("SELECT count(*) AS n FROM supervision.cases WHERE state = 'closed'")
            r["tasks"] = try n("SELECT count(*) AS n FROM disposal.tasks")
            r["cases_with_one_task"] = try n("SELECT count(*) AS n FROM (SELECT case_id FROM disposal.tasks GROUP BY case_id HAVING count(*) = 1) t")
            r["cases_dispatched_twice"] = try n("""
                SELECT count(*) AS n FROM (SELECT subject FROM routing.outbox WHERE message_type = '\(TaskDispatched.eventType)'
                GROUP BY subject HAVING count(*) > 1) t
                """)
            r["assessed_closed"] = try n("SELECT count(*) AS n FROM assessment.case_facts WHERE state = 'closed'")
            var unsent = 0.0, dead = 0.0, parked = 0.0
            for schema in ["intake", "routing", "disposal", "supervision", "assessment"] {
                unsent += try n("SELECT count(*) AS n FROM \(schema).outbox WHERE sent_at IS NULL")
                dead += try n("SELECT count(*) AS n FROM \(schema).dead_letters")
                parked += try n("SELECT count(*) AS n FROM \(schema).parked_messages")
            }
            r["outbox_unsent"] = unsent
            r["dead_letters"] = dead
            r["parked"] = parked
            return r
        } }
        if counts["outbox_unsent"] == 0 && counts["parked"] == 0 { break }
        if attempt < 19 { try await Task.sleep(for: .milliseconds(500)) }
    }
    counts["reports_submitted"] = Double(submitted)
    counts["reports_accepted_201"] = Double(accepted)
    counts["duplicate_dispatches"] = Double(duplicateDispatches)
    let s = Double(submitted)
    let equalToSubmitted = ["reports", "cases", "cases_closed", "reports_closed", "tasks", "cases_with_one_task", "assessed_closed"]
    let zero = ["cases_dispatched_twice", "outbox_unsent", "dead_letters", "parked"]
    let ok = Double(accepted) == s && duplicateDispatches == 0
        && equalToSubmitted.allSatisfy { counts[$0] == s } && zero.allSatisfy { counts[$0] == 0 }
    counts["pass"] = ok ? 1 : 0
    return counts
}

func fmt(_ v: Double) -> String { v.isNaN ? "—" : String(format: v >= 100 ? "%.0f" : (v >= 10 ? "%.1f" : "%.2f"), v) }

/// JSON for a nested result (NaN becomes null).
func writeJSON(_ value: Any, to path: String) throws {
    func clean(_ v: Any) -> Any {
        if let d = v as? Double { return d.isNaN || d.isInfinite ? NSNull() : d }
        if let m = v as? [String: Any] { return m.mapValues(clean) }
        if let a = v as? [Any] { return a.map(clean) }
        return v
    }
    let data = try JSONSerialization.data(withJSONObject: clean(value), options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: path))
}
