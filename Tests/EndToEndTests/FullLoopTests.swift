import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// All five services as separate processes on the real broker and database, driven only through
/// their public interfaces (HTTP, Open311, the hotline AMQP exchange) and observed through the
/// departments' queue topic and the supervisors' query API.
@Suite("End to end: report to department to closure", .serialized)
final class FullLoopTests {
    let env = TestEnvironment()
    let tokens = TokenAuthority(secret: "citygrid-dev-secret-not-for-production")
    var services: [String: ServiceProcess] = [:]

    init() {}
    deinit { services.values.forEach { $0.terminate() } }

    func token(_ role: Role, _ scope: AccessScope = .city, sub: String = "e2e") -> String {
        tokens.issue(AccessToken(sub: sub, role: role, scope: scope, iat: Date(), exp: Date().addingTimeInterval(3600)))
    }

    /// - Parameter duplicateRadius: metres within which intake links a report to an open case of
    ///   the same class. 0 except in the duplicate test, so that cases left open by an earlier run
    ///   at the same spot do not swallow this run's reports.
    func startAll(duplicateRadius: String = "0") async throws {
        for (product, user) in [("intake", "INTAKE"), ("grid-routing", "ROUTING"), ("disposal", "DISPOSAL"),
                                ("supervision", "SUPERVISION"), ("assessment", "ASSESSMENT")] {
            services[product] = try ServiceProcess(executable: env.binDirectory + "/" + product, port: testPort(), environment: [
                "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_\(user)"),
                "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_\(user)"),
                // Reports of earlier runs at the same spots must not be linked as duplicates of this run's.
                "CITYGRID_DUPLICATE_WINDOW_H": "0.02",
                "CITYGRID_DUPLICATE_RADIUS_M": duplicateRadius,
            ])
        }
        for process in services.values { try await process.waitUntilReady(timeout: .seconds(60)) }
    }

    /// A throwaway queue bound like a department's own queue, to see what departments receive.
    func departmentTap(_ keys: [String]) async throws -> (AMQPConsumer, AMQPPublisher, String) {
        let name = "test.e2e.\(UUID().uuidString.prefix(8))"
        let admin = try env.adminPublisher()
        try await admin.withConnection { connection in
            try connection.declare(Topology(queues: [QueueSpec(name: name, quorum: false, bindings: keys.map {
                .init(exchange: MessagingNames.eventsExchange, routingKey: $0)
            })]))
        }
        let consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_ADMIN_URL")), topology: Topology(),
                                    queue: name, prefetch: 100)
        try await consumer.connect()
        return (consumer, admin, name)
    }

    /// Waits for a message on the tap whose envelope subject is `caseId`.
    func next<T: Codable & Sendable>(_ type: T.Type, on tap: AMQPConsumer, caseId: String, timeout: Duration = .seconds(30)) async throws -> T {
        try await tap.nextEnvelope(type, subject: caseId, timeout: timeout)
    }

    /// A point near LR0007 of the labelled set, jittered by up to ~20 m but inside grid
    /// 150105002005003 (111.69743–111.69864 E, 40.81639–40.81728 N).
    static func insideGrid150105002005003() -> [String: Double] {
        ["longitude": 111.6983394 + Double.random(in: -0.00025...0.00025), "latitude": 40.8169077 + Double.random(in: -0.00025...0.00025)]
    }

    func json(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }

    func post(_ service: String, _ path: String, _ body: [String: Any], token: String) async throws -> (Int, [String: Any]) {
        let (status, data) = try await services[service]!.http("POST", path, body: try JSONSerialization.data(withJSONObject: body),
                                                               headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"])
        return (status, json(data))
    }

    func get(_ service: String, _ path: String, token: String) async throws -> (Int, [String: Any]) {
        let (status, data) = try await services[service]!.http("GET", path, headers: ["Authorization": "Bearer \(token)"])
        return (status, json(data))
    }

    func caseState(_ caseId: String) async throws -> String? {
        let (status, body) = try await get("supervision", "/api/v1/cases/\(caseId)", token: token(.shiftLeader))
        guard status == 200 else { return nil }
        return ((body["case"] as? [String: Any]) ?? body)["state"] as? String
    }

    func waitForState(_ caseId: String, _ state: String, timeout: Duration = .seconds(30)) async throws {
        try await eventually(timeout: timeout, "case \(caseId) in \(state)") { try await caseState(caseId) == state }
    }

    @Test("supervisor report with coordinates: filed, dispatched to the owner department with grid, deadline and number, handled, checked, closed")
    func supervisorReportFullLoop() async throws {
        try await startAll()
        let (tap, admin, queue) = try await departmentTap(["routing.task.dispatched.#"])
        defer { Task { _ = try? await admin.withConnection { try $0.delete(queue: queue) } } }
        // LR0007 in the labelled set: exposed garbage at a point in 150105002005003 → street office STREET-150105002.
        let (status, created) = try await post("intake", "/api/v1/reports", [
            "channel": "supervisor", "reporterId": "sup-007", "kind": "event", "classCode": "0102",
            "location": FullLoopTests.insideGrid150105002005003(), "description": "主次干道两侧生活垃圾散落堆放",
            "photos": ["https://photos.example/e2e-1.jpg"],
        ], token: token(.supervisor))
        #expect(status == 201)
        let caseId = try #require(created["caseId"] as? String)
        let caseNumber = try #require(created["caseNumber"] as? String)
        let task = try await next(TaskDispatched.self, on: tap, caseId: caseId)
        #expect(task.departmentCode == "STREET-150105002")
        #expect(task.gridCode == "150105002005003")
        #expect(task.caseNumber == caseNumber)
        #expect(task.deadline > task.dispatchedAt)
        try await waitForState(caseId, "in_handling")

        // The department works its inbox on disposal.
        let dept = token(.department, AccessScope(level: .department, code: task.departmentCode))
        let dispatch = task.dispatchId.uuidString.lowercased()
        try await eventually("task visible in the inbox") {
            try await get("disposal", "/api/v1/tasks/\(dispatch)", token: dept).0 == 200
        }
        #expect(try await post("disposal", "/api/v1/tasks/\(dispatch)/accept", [:], token: dept).0 == 200)
        #expect(try await post("disposal", "/api/v1/tasks/\(dispatch)/complete", ["result": "已清运", "photos": ["https://photos.example/after.jpg"]], token: dept).0 == 200)
        try await waitForState(caseId, "awaiting_check")
        // A department can never close a case.
        #expect(try await post("supervision", "/api/v1/cases/\(caseId)/close", [:], token: dept).0 >= 400)
        #expect(try await post("supervision", "/api/v1/cases/\(caseId)/check", ["passed": true, "note": "现场已清理"], token: token(.supervisor)).0 == 200)
        try await waitForState(caseId, "awaiting_close")
        #expect(try await post("supervision", "/api/v1/cases/\(caseId)/close", [:], token: token(.shiftLeader)).0 == 200)
        try await waitForState(caseId, "closed")
        let (_, detail) = try await get("supervision", "/api/v1/cases/\(caseNumber)", token: token(.auditor))
        let actions = ((detail["timeline"] as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String }
        #expect(actions.contains("file"))
        #expect(actions.contains("dispatch"))
        #expect(actions.contains("complete"))
        #expect(actions.last == "close")
        await tap.close()
    }

    @Test("12345 (address only), Open311 and 110-linkage reports wait for verification, then reach the right department's queue")
    func publicReportsNeedVerification() async throws {
        try await startAll()
        let (tap, admin, queue) = try await departmentTap(["routing.task.dispatched.#", "supervision.case.verification-requested"])
        defer { Task { _ = try? await admin.withConnection { try $0.delete(queue: queue) } } }
        // LR0001: 大南街29号东侧人行道, exposed garbage → STREET-150104001 in grid 150104001005003.
        let (status, created) = try await post("intake", "/api/v1/reports", [
            "channel": "hotline_12345", "channelReference": "12345-\(UUID())", "kind": "event", "classCode": "0102",
            "location": ["address": "大南街29号东侧人行道"], "description": "市民反映人行道垃圾", "photos": [],
        ], token: token(.acceptor))
        #expect(status == 201)
        let caseId = try #require(created["caseId"] as? String)
        let verification = try await next(VerificationRequested.self, on: tap, caseId: caseId)
        #expect(verification.gridCode == "150104001005003")
        try await waitForState(caseId, "awaiting_verify")
        #expect(try await post("supervision", "/api/v1/cases/\(caseId)/verification", ["result": "confirmed"], token: token(.supervisor)).0 == 200)
        let task = try await next(TaskDispatched.self, on: tap, caseId: caseId)
        #expect(task.departmentCode == "STREET-150104001")

        // Open311: a form-encoded POST from a civic app (LR0007's spot) → verified → the street office's queue.
        let point = FullLoopTests.insideGrid150105002005003()
        let form = "api_key=demo-open311-key&service_code=event-0102&lat=\(point["latitude"]!)&long=\(point["longitude"]!)&description=%E5%9E%83%E5%9C%BE"
        let (openStatus, openBody) = try await services["intake"]!.http("POST", "/open311/v2/requests.json", body: Data(form.utf8),
                                                                       headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(openStatus == 201)
        let requests = (try? JSONSerialization.jsonObject(with: openBody)) as? [[String: Any]] ?? []
        let requestNumber = try #require(requests.first?["service_request_id"] as? String)
        try await eventually("Open311 request verified") {
            try await self.caseState(requestNumber) == "awaiting_verify"
        }
        let openCase = try await get("supervision", "/api/v1/cases/\(requestNumber)", token: token(.shiftLeader)).1
        let openId = try #require(((openCase["case"] as? [String: Any]) ?? openCase)["id"] as? String)
        #expect(try await post("supervision", "/api/v1/cases/\(openId)/verification", ["result": "confirmed"], token: token(.supervisor)).0 == 200)
        let openTask = try await next(TaskDispatched.self, on: tap, caseId: openId)
        #expect(openTask.departmentCode == "STREET-150105002")
        #expect(openTask.gridCode == "150105002005003")
        #expect(openTask.caseNumber == requestNumber)

        // 110 linkage over the inbound AMQP exchange: a case at 大南街29号, verified, dispatched.
        let marker = "110联动-\(UUID().uuidString.prefix(8))"
        let hotline = HotlineReport(channel: .police110, channelReference: "110-\(UUID())", kind: .event, classCode: "0102",
                                    location: ReportedLocation(address: "大南街29号东侧人行道"), description: marker)
        let body = try MessageCoding.encoder().encode(Envelope(type: HotlineReport.eventType, source: "/police/110", time: Date(),
                                                               subject: nil, data: hotline))
        let outcome = try await admin.publish([OutgoingMessage(exchange: MessagingNames.inboundExchange, routingKey: hotline.routingKey,
                                                               messageId: UUID().uuidString, type: HotlineReport.eventType, body: Array(body))])
        #expect(outcome == [.confirmed])
        var policeId: String?
        try await eventually("the 110 report is a case awaiting verification") {
            let (_, page) = try await self.get("supervision", "/api/v1/cases?q=\(marker.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)",
                                               token: self.token(.shiftLeader))
            let item = ((page["items"] as? [[String: Any]]) ?? []).first
            policeId = item?["id"] as? String
            return item?["state"] as? String == "awaiting_verify"
        }
        let policeCase = try #require(policeId)
        #expect(try await post("supervision", "/api/v1/cases/\(policeCase)/verification", ["result": "confirmed"], token: token(.supervisor)).0 == 200)
        let policeTask = try await next(TaskDispatched.self, on: tap, caseId: policeCase)
        #expect(policeTask.departmentCode == "STREET-150104001")
        #expect(policeTask.gridCode == "150104001005003")
        #expect(policeTask.deadline > policeTask.dispatchedAt)
        await tap.close()
    }

    @Test("a second report of the same problem nearby is linked to the open case, not dispatched again")
    func duplicateIsLinked() async throws {
        try await startAll(duplicateRadius: "50")
        let (tap, admin, queue) = try await departmentTap(["routing.task.dispatched.#"])
        defer { Task { _ = try? await admin.withConnection { try $0.delete(queue: queue) } } }
        let point = FullLoopTests.insideGrid150105002005003()
        let report: [String: Any] = ["channel": "supervisor", "reporterId": "sup-009", "kind": "event", "classCode": "0104",
                                     "location": point, "description": "垃圾", "photos": []]
        let first = try await post("intake", "/api/v1/reports", report, token: token(.supervisor))
        // A run moments before may have left an open case here already; then that one is the original.
        let original: String
        if let earlier = first.1["duplicateOf"] as? String {
            original = earlier
        } else {
            original = try #require(first.1["caseId"] as? String)
            _ = try await next(TaskDispatched.self, on: tap, caseId: original)
        }
        let second = try await post("intake", "/api/v1/reports", report, token: token(.supervisor))
        #expect(second.0 == 201 || second.0 == 200)
        #expect((second.1["duplicateOf"] as? String)?.lowercased() == original.lowercased())
        let secondId = try #require(second.1["caseId"] as? String)
        // Nothing is dispatched for the duplicate.
        await #expect(throws: (any Error).self) { _ = try await self.next(TaskDispatched.self, on: tap, caseId: secondId, timeout: .seconds(5)) }
        await tap.close()
    }

    @Test("an unlocatable address lands in the manual-dispatch queue; a retried POST with the same key creates nothing new")
    func unlocatableAndIdempotent() async throws {
        try await startAll()
        let key = UUID().uuidString
        let body: [String: Any] = ["channel": "hotline_12319", "channelReference": "12319-\(key)", "kind": "event", "classCode": "0102",
                                   "location": ["address": "在一个十字路口"], "description": "不知道具体位置", "photos": []]
        let first = try await post("intake", "/api/v1/reports", body, token: token(.acceptor))
        let second = try await post("intake", "/api/v1/reports", body, token: token(.acceptor))
        #expect(first.0 == 201)
        #expect(second.0 == 200)
        let caseId = try #require(first.1["caseId"] as? String)
        #expect(second.1["caseId"] as? String == caseId)
        try await eventually("case in the manual-dispatch queue") {
            let (status, listing) = try await get("grid-routing", "/api/v1/manual-dispatch", token: token(.dispatcher))
            let items = (listing["items"] as? [[String: Any]]) ?? []
            return status == 200 && items.contains { ($0["caseId"] as? String)?.lowercased() == caseId.lowercased() }
        }
    }
}

/// A department's own consumer, written in Python with pika from docs/department-integration.md,
/// receives its task from its own queue and reports back over AMQP.
@Suite("End to end: a department's own AMQP system", .serialized)
final class DepartmentSystemTests {
    let loop = FullLoopTests()

    @Test("a pika consumer receives its task and its completion reaches the supervision centre")
    func pikaDepartmentSystem() async throws {
        let env = TestEnvironment()
        let code = "STREET-150105002"
        let provision = try ServiceProcess(executable: env.binDirectory + "/citygrid", port: 0,
                                           environment: try env.managementEnvironment(),
                                           arguments: ["departments", "provision", "--dev-passwords", "--code", code])
        #expect(try await provision.waitForExit() == 0)
        try await loop.startAll()
        let (status, created) = try await loop.post("intake", "/api/v1/reports", [
            "channel": "supervisor", "reporterId": "sup-008", "kind": "event", "classCode": "0103",
            "location": FullLoopTests.insideGrid150105002005003(), "description": "垃圾散落", "photos": [],
        ], token: loop.token(.supervisor))
        #expect(status == 201)
        let caseId = try #require(created["caseId"] as? String)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let url = "amqp://dept-\(code):\(code)-dev-password@127.0.0.1:\(try env.amqpPort())/\(try env.require("CITYGRID_TEST_AMQP_VHOST"))"
        let python = try ServiceProcess(executable: "/usr/bin/env", port: 0, environment: [:],
                                        arguments: ["python3", root.appendingPathComponent("department_consumer.py").path, url, code, "1000", "90"])
        defer { python.terminate() }
        // Its queue may also hold tasks from earlier runs; it works through all of them.
        try await loop.waitForState(caseId, "awaiting_check", timeout: .seconds(90))
        #expect(python.process.isRunning, "the pika consumer exited early: \(python.collectStderr())")
    }
}
