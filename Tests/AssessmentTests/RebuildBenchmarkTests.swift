@testable import AssessmentFixtures
import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PGClient
import TestSupport
import Testing

@testable import AssessmentService

/// Benchmark-style: a month of 40,000 generated cases loaded into the test database, rebuilt by the
/// real binary through `POST /api/v1/rebuild`. Times are printed, never asserted; the figures the
/// service answers are checked against the pure engine on the same histories.
@Suite("assessment rebuild benchmark (real database)", .serialized)
struct RebuildBenchmarkTests {
    let env = TestEnvironment()

    func request(_ port: Int, _ method: String, _ path: String, token: String) async throws -> (Int, Data, Duration) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 300
        let started = ContinuousClock.now
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data, ContinuousClock.now - started)
    }

    static func forget(_ ids: [String], pool: PGPool) async throws {
        try await pool.transaction { c in
            for table in ["case_events", "case_facts"] {
                try c.query("DELETE FROM assessment.\(table) WHERE case_id = ANY($1::uuid[])", [PGTextArray(ids)])
            }
        }
    }

    @Test("rebuild a month of 40,000 cases from the stored events (time printed)")
    func rebuildMonthOf40000() async throws {
        // A far-future month unique to this run, so nothing else on the test database shares it.
        let label = String(format: "%04d-%02d", Int.random(in: 2040...2090), Int.random(in: 1...12))
        let period = try #require(Period.parse(label))
        let histories = CaseGenerator.generate(count: 40_000, seed: 2026, start: period.start, end: period.end)
        let secret = "assessment-benchmark-test-secret"
        // The service's clock starts the day after the month, so the month is finished (judged at
        // its end) and its figures are comparable with the engine's finished-month answer.
        let cityNow = period.end.addingTimeInterval(86_400)
        let svc = try ServiceProcess(executable: env.binDirectory + "/assessment", port: testPort(), environment: [
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_ASSESSMENT"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_ASSESSMENT"),
            "CITYGRID_TOKEN_SECRET": secret,
            "CITYGRID_CLOCK_START": RFC3339.format(cityNow),
        ])
        defer { svc.terminate() }
        try await svc.waitUntilReady()  // migrations applied

        let pool = try env.adminPool()
        let ids = histories.map { $0.caseId.uuidString.lowercased() }
        // The generator is seeded, so an earlier run (in another month) left rows under the same
        // case ids on a long-lived test database; events are imported ON CONFLICT DO NOTHING, so
        // those old events would be re-folded against this run's facts. Start from none.
        try await Self.forget(ids, pool: pool)
        // Open cases of other tests (from any month before this one) touch this period too, and
        // their stored folds may come from older code. Settle them first, so the rebuild below
        // counts only differences in this run's import.
        let admin = TokenAuthority(secret: secret).issue(AccessToken(sub: "bench", role: .admin, scope: .city, iat: cityNow,
                                                                      exp: cityNow.addingTimeInterval(3600)))
        #expect(try await request(svc.port, "POST", "/api/v1/rebuild?period=\(label)", token: admin).0 == 200)
        let importStarted = ContinuousClock.now
        try await pool.transaction { c in try FactsStore.bulkImport(histories, on: c) }
        let importTime = ContinuousClock.now - importStarted

        let (status, body, rebuildTime) = try await request(svc.port, "POST", "/api/v1/rebuild?period=\(label)", token: admin)
        #expect(status == 200)
        let answer = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let (queryStatus, queryBody, queryTime) = try await request(svc.port, "GET", "/api/v1/kpi/departments?period=\(label)", token: admin)
        #expect(queryStatus == 200)
        print("[assessment benchmark] \(label): \(histories.count) cases, \(histories.map(\.events.count).reduce(0, +)) events; "
              + "bulk import \(importTime); POST /rebuild \(rebuildTime) (server \(answer["seconds"] ?? "?") s, "
              + "cases \(answer["cases"] ?? "?"), changed \(answer["changed"] ?? "?")); GET departments \(queryTime)")

        // The database path gives the pure engine's figures on the same histories.
        #expect(answer["changed"] as? Int == 0)
        #expect(answer["running"] as? Bool == false)
        let expected = KPIEngine().departments(histories, period: period)
        let rows = try #require((try JSONSerialization.jsonObject(with: queryBody) as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.count == expected.count)
        for e in expected {
            let row = rows.first { $0["code"] as? String == e.code }
            #expect(row?["due"] as? Int == e.due, "\(e.code)")
            #expect(row?["handled_on_time"] as? Int == e.handledOnTime, "\(e.code)")
            #expect(row?["overdue_pending"] as? Int == e.overduePending, "\(e.code)")
            #expect(row?["score"] as? Double == e.score, "\(e.code)")
        }

        try await Self.forget(ids, pool: pool)
    }
}
