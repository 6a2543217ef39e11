@testable import AssessmentFixtures
import AMQPClient
import AssessmentService
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// The real `assessment` binary on the test database and vhost: timeline entries published as
/// `supervision.case.transitioned` (some out of order), then read back through the HTTP API.
@Suite("assessment service (real broker and database)", .serialized)
struct AssessmentServiceIntegrationTests {
    let env = TestEnvironment()
    static let secret = "assessment-integration-test-secret"

    func service(port: Int = testPort(), extraEnvironment: [String: String] = [:]) throws -> ServiceProcess {
        try ServiceProcess(executable: env.binDirectory + "/assessment", port: port, environment: [
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_ASSESSMENT"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_ASSESSMENT"),
            "CITYGRID_TOKEN_SECRET": Self.secret,
        ].merging(extraEnvironment) { $1 })
    }

    /// A token valid around `now` (the service checks expiry on its own clock).
    func token(_ role: Role, scope: AccessScope = .city, now: Date = Date()) -> [String: String] {
        let text = TokenAuthority(secret: Self.secret).issue(AccessToken(sub: "tester", role: role, scope: scope, iat: now,
                                                                          exp: now.addingTimeInterval(600)))
        return ["Authorization": "Bearer \(text)"]
    }

    /// The scripted month, with department codes and a district code unique to this run so earlier
    /// runs on the same test database cannot change the figures.
    func scriptedCases(run: String, district: String) -> [CaseScript] {
        ScriptedMonth.cases().map { script in
            var s = script
            // 150102 becomes `district`, 150103 a second run-specific district.
            s.meta.gridCode = s.meta.gridCode.map { ($0.hasPrefix("150102") ? district : "8" + district.dropFirst()) + $0.dropFirst(6) }
            s.events = s.events.map { e in
                var e = e
                e.department = e.department.map { "\($0)-\(run)" }
                e.returnedBy = e.returnedBy.map { "\($0)-\(run)" }
                return e
            }
            return s
        }
    }

    func entry(_ e: CaseEvent, meta: CaseMeta) -> TimelineEntry {
        func clock(_ stage: StageClock.Stage?, _ deadline: Date?) -> StageClock? {
            stage.map { StageClock(stage: $0, startedAt: e.at.addingTimeInterval(-60), deadline: deadline) }
        }
        var details: [String: String] = [:]
        if let d = e.detailDeadline { details["deadline"] = RFC3339.format(d) }
        if let r = e.returnedBy { details["returned_by"] = r }
        if let g = meta.gridCode { details["grid_code"] = g }
        return TimelineEntry(caseId: e.caseId, sequence: e.sequence, action: e.action, from: nil, to: e.to, actorId: e.actorId,
                             actorRole: e.actorRole, actorDepartment: nil, at: e.at, department: e.department, reason: nil,
                             details: details, stoppedClock: clock(e.stoppedStage, e.stoppedDeadline),
                             startedClock: clock(e.startedStage, e.startedDeadline))
    }

    func publish(_ scripts: [CaseScript]) async throws {
        var messages: [OutgoingMessage] = []
        let encoder = MessageCoding.encoder()
        for s in scripts {
            // Case events go out newest first, so every case but its report arrives ahead of its predecessors.
            for e in s.events.reversed() {
                var payload = CaseTransitioned(entry: entry(e, meta: s.meta), caseNumber: s.meta.caseNumber, channel: s.meta.channel,
                                               kind: s.meta.kind, classCode: s.meta.classCode, gridCode: s.meta.gridCode,
                                               reporterId: nil)
                payload.componentCode = s.meta.componentCode
                let envelope = Envelope(type: CaseTransitioned.eventType, source: "/citygrid/test", time: e.at,
                                        subject: e.caseId.uuidString.lowercased(), data: payload)
                messages.append(OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: payload.routingKey,
                                                messageId: envelope.id.uuidString.lowercased(), type: CaseTransitioned.eventType,
                                                body: Array(try encoder.encode(envelope))))
            }
            for i in 0..<s.duplicateLinks {
                let link = DuplicateLinked(reportId: UUID(), duplicateOf: s.id, duplicateOfNumber: s.meta.caseNumber, channel: .app,
                                           kind: s.meta.kind ?? .event, classCode: s.meta.classCode ?? "", distanceMeters: Double(i),
                                           reportedAt: nov(3))
                let envelope = Envelope(type: DuplicateLinked.eventType, source: "/citygrid/test", time: nov(3),
                                        subject: s.id.uuidString.lowercased(), data: link)
                messages.append(OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: link.routingKey,
                                                messageId: envelope.id.uuidString.lowercased(), type: DuplicateLinked.eventType,
                                                body: Array(try encoder.encode(envelope))))
            }
        }
        let publisher = try env.adminPublisher()
        let outcomes = try await publisher.publish(messages)
        await publisher.disconnect()
        #expect(outcomes.allSatisfy { $0 == .confirmed })
    }

    func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func rows(_ data: Data) throws -> [[String: Any]] {
        try #require(try json(data)["rows"] as? [[String: Any]])
    }

    @Test("published timeline entries (out of order) become the hand-computed figures, in JSON and CSV")
    func endToEnd() async throws {
        let run = String(UUID().uuidString.prefix(6))
        let district = String(format: "9%05d", Int.random(in: 0..<100_000))
        let scripts = scriptedCases(run: run, district: district)
        let svc = try service()
        defer { svc.terminate() }
        try await svc.waitUntilReady()
        try await publish(scripts)
        let auditor = token(.auditor)
        let deptA = "DEPT-A-\(run)"

        // Every entry of every case applied (the reversed ones were parked and re-tried).
        let pool = try env.adminPool()
        let ids = scripts.map(\.id)
        let expectedEvents = scripts.map(\.events.count).reduce(0, +)
        try await eventually(timeout: .seconds(60), "all \(expectedEvents) entries folded") {
            try await pool.withConnection { c in
                try c.query("SELECT coalesce(sum(last_sequence), 0)::int AS n FROM assessment.case_facts WHERE case_id = ANY($1::uuid[])",
                            [PGTextArray(ids.map { $0.uuidString.lowercased() })]).first!.int("n")
            } == expectedEvents
        }

        let (status, body) = try await svc.http("GET", "/api/v1/kpi/departments?period=2026-11", headers: auditor)
        #expect(status == 200)
        let a = try #require(try rows(body).first { $0["code"] as? String == deptA })
        // Hand-computed in ScriptedMonthTests: 应处置 6, 处置 5, 按期 4, 返工 1, 延期 1, 挂账 1, score 80.0.
        #expect(a["due"] as? Int == 6)
        #expect(a["handled"] as? Int == 5)
        #expect(a["handled_on_time"] as? Int == 4)
        #expect(a["reworks"] as? Int == 1)
        #expect(a["suspended"] as? Int == 1)
        #expect(a["score"] as? Double == 80.0)
        #expect(a["grade"] as? String == "B")
        // November 2026 is over on the wall clock: a finished period, judged at its end.
        let answer = try json(body)
        #expect(answer["running"] as? Bool == false)
        #expect((answer["as_of"] as? String).flatMap(RFC3339.parse) == ScriptedMonth.november.end)

        let (csvStatus, csvBody) = try await svc.http("GET", "/api/v1/kpi/departments?period=2026-11&format=csv", headers: auditor)
        #expect(csvStatus == 200)
        let lines = String(decoding: csvBody, as: UTF8.self).split(separator: "\r\n").map(String.init)
        #expect(lines.first?.hasPrefix("code,due,handled,handled_on_time,overdue,overdue_pending") == true)
        let rowB = try #require(lines.first { $0.hasPrefix("DEPT-B-\(run),") })
        // B: 应处置 2, 处置 2, 按期 1, 超期 1, 超期待处置 0, 返工 0, 回退 1.
        #expect(rowB.hasPrefix("DEPT-B-\(run),2,2,1,1,0,0,1,"))
        // …score 90.0, grade A; then the return-visit columns (no visits, no 满意率, no reopenings) and no repeat complaints.
        #expect(rowB.hasSuffix(",90.0,A,0,0,0,0,,0,0"))
        #expect(lines.first?.hasSuffix(",score,grade,visits,satisfied,basically_satisfied,dissatisfied,satisfaction_rate,reopenings,repeat_complaints")
                == true)

        let (_, acceptCSV) = try await svc.http("GET", "/api/v1/kpi/areas?level=district&period=2026-11", headers: auditor.merging(["Accept": "text/csv"]) { $1 })
        let (_, areaBody) = try await svc.http("GET", "/api/v1/kpi/areas?level=district&period=2026-11", headers: auditor)
        let districtRow = try #require(try rows(areaBody).first { $0["code"] as? String == district })
        // District (was 150102): 立案 8, 结案 6, 按期结案 5, 监督举报核实 1, repeat points 1, score 76.3 (76.25 half-up).
        #expect(districtRow["filed"] as? Int == 8)
        #expect(districtRow["closed"] as? Int == 6)
        #expect(districtRow["repeat_locations"] as? Int == 1)
        #expect(districtRow["score"] as? Double == 76.3)
        #expect(String(decoding: acceptCSV, as: UTF8.self).hasPrefix("level,code,filed,"))

        // A district token sees only its own district's areas.
        let (_, scoped) = try await svc.http("GET", "/api/v1/kpi/areas?level=street&period=2026-11", headers: token(.shiftLeader, scope: AccessScope(level: .district, code: district)))
        let streets = try rows(scoped).compactMap { $0["code"] as? String }
        #expect(!streets.isEmpty)
        #expect(streets.allSatisfy { $0.hasPrefix(district) })

        // Rankings with the change against October (B: 100 → 90).
        let (rankStatus, rankBody) = try await svc.http("GET", "/api/v1/rankings?family=departments&period=2026-11", headers: auditor)
        #expect(rankStatus == 200)
        let b = try #require(try rows(rankBody).first { $0["code"] as? String == "DEPT-B-\(run)" })
        #expect(b["previous_score"] as? Double == 100)
        #expect(b["score_delta"] as? Double == -10)

        // Access: no token 401, a department 403, a bad period 422, rebuild only for admin.
        #expect(try await svc.http("GET", "/api/v1/kpi/departments?period=2026-11").0 == 401)
        #expect(try await svc.http("GET", "/api/v1/kpi/departments?period=2026-11",
                                   headers: token(.department, scope: AccessScope(level: .department, code: "X"))).0 == 403)
        #expect(try await svc.http("GET", "/api/v1/kpi/departments?period=2026-13", headers: auditor).0 == 422)
        #expect(try await svc.http("POST", "/api/v1/rebuild?period=2026-11", headers: auditor).0 == 403)

        // Rebuild from the stored events: nothing differs from the incremental fold; same figures.
        let (rebuildStatus, rebuildBody) = try await svc.http("POST", "/api/v1/rebuild?period=2026-11", headers: token(.admin))
        #expect(rebuildStatus == 200)
        let rebuilt = try json(rebuildBody)
        #expect((rebuilt["cases"] as? Int ?? 0) >= 13)
        let rebuiltA = try #require((rebuilt["departments"] as? [[String: Any]])?.first { $0["code"] as? String == deptA })
        #expect(rebuiltA["due"] as? Int == 6)
        #expect(rebuiltA["score"] as? Double == 80.0)
    }

    @Test("a running month is judged at the service's clock (CITYGRID_CLOCK_FILE); once it is over, the finished answer")
    func runningMonthOnTheInjectedClock() async throws {
        let run = String(UUID().uuidString.prefix(6))
        let department = "DEPT-RUN-\(run)"
        let grid = String(format: "9%05d001001001", Int.random(in: 0..<100_000))
        // Both open; one due on the 20th, one on the 8th.
        let dueLater = CaseScript(grid: grid).report(nov(9, 9), by: "s1").file(nov(9, 10)).dispatch(nov(9, 11), to: department, deadline: nov(20))
        let dueEarlier = CaseScript(grid: grid).report(nov(2, 9), by: "s1").file(nov(2, 10)).dispatch(nov(2, 11), to: department, deadline: nov(8))
        let clockFile = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-assessment-clock-\(run)").path
        defer { try? FileManager.default.removeItem(atPath: clockFile) }
        let midMonth = nov(12, 12), afterTheMonth = dec(3, 12)
        try OffsetFileClock.write(clockFile, makingNow: midMonth)
        let svc = try service(extraEnvironment: ["CITYGRID_CLOCK_FILE": clockFile])
        defer { svc.terminate() }
        try await svc.waitUntilReady()
        try await publish([dueLater, dueEarlier])
        let pool = try env.adminPool()
        try await eventually(timeout: .seconds(60), "both cases folded") {
            try await pool.withConnection { c in
                try c.query("SELECT count(*)::int AS n FROM assessment.case_facts WHERE department = $1 AND last_sequence = 3",
                            [department]).first!.int("n")
            } == 2
        }

        func departmentAnswer(at now: Date) async throws -> (answer: [String: Any], row: [String: Any]) {
            let (status, body) = try await svc.http("GET", "/api/v1/kpi/departments?period=2026-11", headers: token(.auditor, now: now))
            #expect(status == 200)
            let answer = try json(body)
            let row = try #require((answer["rows"] as? [[String: Any]])?.first { $0["code"] as? String == department })
            return (answer, row)
        }

        // On the 12th: only the case due on the 8th is due, and it is overdue and pending.
        let running = try await departmentAnswer(at: midMonth)
        #expect(running.answer["running"] as? Bool == true)
        let asOf = try #require((running.answer["as_of"] as? String).flatMap(RFC3339.parse))
        #expect(asOf >= midMonth && asOf < midMonth.addingTimeInterval(600), "as_of is the service's clock: \(asOf)")
        #expect(running.row["due"] as? Int == 1)
        #expect(running.row["overdue_pending"] as? Int == 1)

        // The city moves past the month end: the same histories give the finished answer.
        try OffsetFileClock.write(clockFile, makingNow: afterTheMonth)
        try await Task.sleep(for: .milliseconds(200))
        let finished = try await departmentAnswer(at: afterTheMonth)
        #expect(finished.answer["running"] as? Bool == false)
        #expect((finished.answer["as_of"] as? String).flatMap(RFC3339.parse) == ScriptedMonth.november.end)
        #expect(finished.row["due"] as? Int == 2)
        #expect(finished.row["overdue_pending"] as? Int == 2)
    }
}
