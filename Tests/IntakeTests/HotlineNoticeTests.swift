import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PGClient
import TestSupport
import Testing

/// The notices to the reporting channel end to end: the real intake and supervision binaries on a
/// scratch database and vhost of their own; grid-routing's and disposal's messages published by
/// the test; and a 12345 platform's adapter written in Python with pika from docs/asyncapi.yaml
/// alone (`hotline_adapter.py`), which binds its own queue with `12345.#`.
@Suite("Notices to the reporting channel (real intake and supervision, scratch broker and database, pika adapter)", .serialized)
struct HotlineNoticeTests {
    static let secret = "hotline-notice-tests-secret"
    let env = TestEnvironment()

    func token(_ role: Role) -> String {
        TokenAuthority(secret: Self.secret).issue(AccessToken(sub: "\(role.rawValue)-7", role: role, scope: .city,
                                                              iat: Date().addingTimeInterval(-60), exp: Date().addingTimeInterval(3600)))
    }

    /// Every notice on the outbound exchange under `pattern`, kept as seen.
    final class NoticeTap: @unchecked Sendable {
        let consumer: AMQPConsumer
        private(set) var seen: [(routingKey: String, notice: ChannelNotice)] = []

        init(_ scratch: ScratchEnvironment, queue: String, pattern: String) async throws {
            let admin = try scratch.adminPublisher()
            try await admin.withConnection { connection in
                try connection.declare(Topology(queues: [QueueSpec(name: queue, quorum: false, bindings: [
                    .init(exchange: MessagingNames.outboundExchange, routingKey: pattern),
                ])]))
            }
            await admin.disconnect()
            consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try scratch.amqpURL("ADMIN")), topology: Topology(), queue: queue,
                                    prefetch: 100)
            try await consumer.connect()
        }

        /// Takes what arrived within `seconds` (at least one poll).
        func drain(seconds: Double = 0.5) async throws {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            repeat {
                guard let delivery = try await consumer.next(timeoutMilliseconds: 200) else { continue }
                _ = try await consumer.ack(delivery)
                let envelope = try MessageCoding.decoder().decode(Envelope<ChannelNotice>.self, from: Data(delivery.body))
                if !seen.contains(where: { $0.notice.noticeId == envelope.data.noticeId }) {
                    seen.append((delivery.routingKey, envelope.data))
                }
            } while ContinuousClock.now < deadline
        }

        /// Waits for a notice matching `match`.
        func waitFor(_ what: String, timeout: Duration = .seconds(30), _ match: (ChannelNotice) -> Bool) async throws -> ChannelNotice {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let hit = seen.first(where: { match($0.notice) }) { return hit.notice }
                try await drain(seconds: 0.2)
            }
            throw TestSetupError("no notice: \(what); seen \(seen.map { "\($0.routingKey) \($0.notice.caseNumber)" })")
        }
    }

    func publish(_ scratch: ScratchEnvironment, exchange: String, routingKey: String, type: String, id: UUID = UUID(),
                 subject: UUID?, body: some Codable & Sendable) async throws {
        let envelope = Envelope(id: id, type: type, source: "/citygrid/test", time: Date(), subject: subject?.uuidString.lowercased(), data: body)
        let publisher = try scratch.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(exchange: exchange, routingKey: routingKey, messageId: id.uuidString.lowercased(),
                                                                   type: type, body: Array(try MessageCoding.encoder().encode(envelope)))])
        await publisher.disconnect()
        #expect(outcome == [.confirmed], "\(routingKey)")
    }

    func hotlineReport(_ scratch: ScratchEnvironment, _ report: HotlineReport) async throws {
        try await publish(scratch, exchange: MessagingNames.inboundExchange, routingKey: report.routingKey, type: HotlineReport.eventType,
                          subject: nil, body: report)
    }

    func command(_ supervision: ServiceProcess, _ caseId: UUID, _ name: String, _ body: [String: Any] = [:], as role: Role) async throws -> (Int, String) {
        let (status, data) = try await supervision.http("POST", "/api/v1/cases/\(caseId.uuidString.lowercased())/\(name)",
                                                        body: try JSONSerialization.data(withJSONObject: body),
                                                        headers: ["Authorization": "Bearer \(token(role))", "Content-Type": "application/json"])
        return (status, String(decoding: data, as: UTF8.self))
    }

    func state(_ supervision: ServiceProcess, _ caseId: UUID) async throws -> String? {
        let (status, data) = try await supervision.http("GET", "/api/v1/cases/\(caseId.uuidString.lowercased())",
                                                        headers: ["Authorization": "Bearer \(token(.auditor))"])
        guard status == 200, let body = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return (body["case"] as? [String: Any])?["state"] as? String
    }

    func waitState(_ supervision: ServiceProcess, _ caseId: UUID, _ wanted: String) async throws {
        try await eventually("case \(caseId) in \(wanted)") { try await state(supervision, caseId) == wanted }
    }

    func count(_ scratch: ScratchEnvironment, _ sql: String, _ parameters: [any PGEncodable]) async throws -> Int {
        let pool = try scratch.adminPool()
        let n = try await pool.withConnection { try $0.query(sql, parameters).first?.int("n") ?? 0 }
        await pool.closeAll()
        return n
    }

    @Test("a 12345 ticket's notices reach the hotline's pika adapter in order under its reference; 110's go to 110 only; an app report's go nowhere")
    func noticesReachTheirChannels() async throws {
        let scratch = try await ScratchEnvironment.recreate("hotline_notices")
        let reference = Fixtures.referencePath
        let supervision = try ServiceProcess(executable: env.binDirectory + "/supervision", port: testPort(), environment: [
            "CITYGRID_DB_URL": try scratch.databaseURL("SUPERVISION"), "CITYGRID_AMQP_URL": try scratch.amqpURL("SUPERVISION"),
            "CITYGRID_TOKEN_SECRET": Self.secret, "CITYGRID_REFERENCE_DATA": reference,
        ])
        defer { supervision.terminate() }
        let intake = try ServiceProcess(executable: env.binDirectory + "/intake", port: testPort(), environment: [
            "CITYGRID_DB_URL": try scratch.databaseURL("INTAKE"), "CITYGRID_AMQP_URL": try scratch.amqpURL("INTAKE"),
            "CITYGRID_TOKEN_SECRET": Self.secret, "CITYGRID_REFERENCE_DATA": reference, "CITYGRID_DUPLICATE_RADIUS_M": "0",
        ])
        defer { intake.terminate() }
        try await supervision.waitUntilReady()
        try await intake.waitUntilReady()
        // grid-routing and disposal do not run here: a sink takes what they would consume, so no message is unroutable.
        let admin = try scratch.adminPublisher()
        try await admin.withConnection { try $0.declare(Topology(queues: [QueueSpec(name: "test.sink", quorum: false, bindings: [
            .init(exchange: MessagingNames.eventsExchange, routingKey: "#"),
        ])])) }
        await admin.disconnect()

        // The 12345 platform's adapter binds its own queue before any ticket goes out.
        let platform = try await HotlinePlatform.start(scratch)
        defer { platform.stop() }
        let everything = try await NoticeTap(scratch, queue: "test.outbound.all", pattern: "#")
        let police = try await NoticeTap(scratch, queue: "test.outbound.110", pattern: "110.#")

        // 1. A 12345 ticket, located by "grid-routing", verified, filed, dispatched, extended, suspended, resumed, completed, checked, closed.
        let ticket = "RX\(UUID().uuidString.prefix(8))"
        try await hotlineReport(scratch, HotlineReport(channel: .hotline12345, channelReference: ticket, reporterContact: "13800001234",
                                                       kind: .event, classCode: "0102", location: ReportedLocation(address: "大南街29号东侧人行道"),
                                                       description: "市民反映人行道垃圾堆放", reportedAt: Date()))
        let signed = try await everything.waitFor("12345 signed for") { $0.channelReference == ticket }
        #expect(signed.kind == .signedFor && signed.sequence == 0 && signed.state == .reported && signed.address == "12345")
        let caseId = signed.caseId
        try await publish(scratch, exchange: MessagingNames.eventsExchange, routingKey: CaseLocated.routingKey, type: CaseLocated.eventType,
                          subject: caseId, body: CaseLocated(
                            caseId: caseId, caseNumber: signed.caseNumber, gridCode: "150104001005003", communityCode: "150104001005",
                            streetCode: "150104001", districtCode: "150104", areaClass: .b, longitude: 111.6689, latitude: 40.8012,
                            method: .houseNumber, matchedName: "大南街29号", recurrenceKey: "k"))
        try await waitState(supervision, caseId, "awaiting_verify")
        #expect(try await command(supervision, caseId, "verification", ["result": "confirmed"], as: .supervisor).0 == 200)
        try await waitState(supervision, caseId, "awaiting_dispatch")
        let dispatchId = UUID()
        let dispatchedAt = Date()
        let deadline = dispatchedAt.addingTimeInterval(2 * 86_400)
        try await publish(scratch, exchange: MessagingNames.eventsExchange, routingKey: TaskDispatched.routingKey(departmentCode: "SZGY"),
                          type: TaskDispatched.eventType, subject: caseId, body: TaskDispatched(
                            dispatchId: dispatchId, caseId: caseId, caseNumber: signed.caseNumber, departmentCode: "SZGY", departmentName: "市政公用局",
                            via: "sector", kind: .event, classCode: "0102", className: "暴露垃圾", conditionId: "0102-01",
                            gridCode: "150104001005003", description: "市民反映人行道垃圾堆放", address: "大南街29号东侧人行道", longitude: nil,
                            latitude: nil, photos: [], dispatchedAt: dispatchedAt, deadline: deadline, handlingLimit: TimeLimit(2, .workingDays),
                            redispatch: false))
        try await waitState(supervision, caseId, "in_handling")
        func update(_ action: TaskAction, reason: String? = nil, result: String? = nil, requested: Date? = nil, photos: [Photo] = []) async throws {
            try await publish(scratch, exchange: MessagingNames.eventsExchange, routingKey: TaskUpdated.routingKey(action: action),
                              type: TaskUpdated.eventType, subject: caseId, body: TaskUpdated(
                                updateId: UUID(), dispatchId: dispatchId, caseId: caseId, caseNumber: signed.caseNumber, departmentCode: "SZGY",
                                action: action, actorId: "szgy-team-3", at: Date(), result: result, reason: reason, requestedDeadline: requested,
                                photos: photos))
        }
        let extended = deadline.addingTimeInterval(86_400)
        try await update(.extensionRequested, reason: "需订购专用井盖", requested: extended)
        try await eventually("extension pending") {
            try await command(supervision, caseId, "extension-decision", ["approve": true], as: .shiftLeader).0 == 200
        }
        try await update(.suspensionRequested, reason: "需市政府协调管线迁改")
        try await eventually("suspension pending") {
            try await command(supervision, caseId, "suspension-decision", ["approve": true], as: .shiftLeader).0 == 200
        }
        try await waitState(supervision, caseId, "suspended")
        #expect(try await command(supervision, caseId, "resume", as: .shiftLeader).0 == 200)
        try await update(.completed, result: "已清运垃圾并冲洗路面", photos: [Photo(url: "https://img.example.gov.cn/szgy/after-1.jpg", purpose: .completion)])
        try await waitState(supervision, caseId, "awaiting_check")
        try await eventually("check task sent") {
            try await command(supervision, caseId, "check", ["passed": true, "note": "现场已清理",
                                                              "photos": ["https://img.example.gov.cn/check/1.jpg"]], as: .supervisor).0 == 200
        }
        #expect(try await command(supervision, caseId, "close", as: .shiftLeader).0 == 200)

        let expected: [ChannelNoticeKind] = [.signedFor, .filed, .dispatched, .extended, .suspended, .resumed, .closed]
        var stored: [(routingKey: String, notice: ChannelNotice)] = []
        try await eventually("the adapter stored seven notices") {
            if let failure = platform.failure() { throw TestSetupError(failure) }
            stored = try platform.notices().filter { $0.notice.caseId == caseId }
            return stored.count >= expected.count
        }
        #expect(stored.map(\.notice.kind) == expected, "in the order they happened")
        #expect(stored.map(\.routingKey) == expected.map { "12345.case.\($0.routingWord)" })
        #expect(stored.allSatisfy { $0.notice.channelReference == ticket && $0.notice.caseNumber == signed.caseNumber && $0.notice.channel == .hotline12345 })
        #expect(zip(stored, stored.dropFirst()).allSatisfy { $0.notice.sequence < $1.notice.sequence })
        let byKind = Dictionary(stored.map { ($0.notice.kind, $0.notice) }, uniquingKeysWith: { first, _ in first })
        #expect(byKind[.dispatched]?.department == ChannelNotice.Department(code: "SZGY", name: Fixtures.reference.department("SZGY")?.name))
        #expect(byKind[.dispatched]?.department?.name?.isEmpty == false)
        #expect(byKind[.dispatched]?.deadline.map { $0.isSameInstant(as: deadline) } == true)
        // The approval's deadlines come from the timeline entry's details, which keep whole seconds.
        #expect(byKind[.extended]?.deadline.map { abs($0.timeIntervalSince(extended)) < 1 } == true)
        #expect(byKind[.extended]?.previousDeadline.map { abs($0.timeIntervalSince(deadline)) < 1 } == true)
        #expect(byKind[.extended]?.reason == "需订购专用井盖")
        #expect(byKind[.suspended]?.reason == "需市政府协调管线迁改" && byKind[.suspended]?.state == .suspended)
        #expect((byKind[.resumed]?.deadline ?? .distantPast) > dispatchedAt && byKind[.resumed]?.department?.code == "SZGY")
        let closed = try #require(byKind[.closed])
        #expect(closed.state == .closed && closed.result == "已清运垃圾并冲洗路面")
        #expect(closed.photos == [Photo(url: "https://img.example.gov.cn/szgy/after-1.jpg", purpose: .completion),
                                  Photo(url: "https://img.example.gov.cn/check/1.jpg", purpose: .check)])

        // The same close arriving once more under another message id (a second publication) sends nothing new.
        let (_, detailData) = try await supervision.http("GET", "/api/v1/cases/\(caseId.uuidString.lowercased())",
                                                         headers: ["Authorization": "Bearer \(token(.auditor))"])
        let timeline = ((try JSONSerialization.jsonObject(with: detailData) as? [String: Any])?["timeline"] as? [[String: Any]]) ?? []
        let closeSequence = try #require(timeline.last { $0["action"] as? String == "close" }?["sequence"] as? Int)
        let again = UUID()
        let entry = TimelineEntry(caseId: caseId, sequence: closeSequence, action: .close, from: .awaitingClose, to: .closed, actorId: "shift_leader-7",
                                  actorRole: .shiftLeader, actorDepartment: nil, at: closed.occurredAt, department: "SZGY", reason: nil, details: [:],
                                  stoppedClock: nil, startedClock: nil)
        try await publish(scratch, exchange: MessagingNames.eventsExchange, routingKey: CaseTransitioned.routingKey, type: CaseTransitioned.eventType,
                          id: again, subject: caseId, body: CaseTransitioned(entry: entry, caseNumber: signed.caseNumber, channel: .hotline12345,
                                                                             kind: .event, classCode: "0102", gridCode: nil, reporterId: nil))
        try await eventually("intake applied the second close") {
            try await count(scratch, "SELECT count(*) AS n FROM intake.inbox WHERE message_id = $1", [again]) == 1
        }
        #expect(try await count(scratch, "SELECT count(*) AS n FROM intake.channel_notices WHERE case_id = $1", [caseId]) == expected.count)
        #expect(try await count(scratch, "SELECT count(*) AS n FROM intake.outbox WHERE exchange = 'citygrid.outbound' AND subject = $1",
                                [caseId.uuidString.lowercased()]) == expected.count)

        // 2. An app report (no return address) runs to its end and nobody hears of it.
        let (appStatus, appData) = try await intake.http("POST", "/api/v1/reports", body: try JSONSerialization.data(withJSONObject: [
            "channel": "app", "kind": "event", "classCode": "0102", "description": "随手拍：路边垃圾",
            "location": ["longitude": 111.6983394, "latitude": 40.8169077], "photos": ["https://img.example.org/app.jpg"],
        ]), headers: ["Authorization": "Bearer \(token(.acceptor))", "Content-Type": "application/json"])
        #expect(appStatus == 201)
        let appId = try #require(UUID(uuidString: ((try JSONSerialization.jsonObject(with: appData) as? [String: Any])?["caseId"] as? String) ?? ""))
        try await waitState(supervision, appId, "reported")
        try await publish(scratch, exchange: MessagingNames.eventsExchange, routingKey: CaseLocated.routingKey, type: CaseLocated.eventType,
                          subject: appId, body: CaseLocated(
                            caseId: appId, caseNumber: "app", gridCode: "150105002005003", communityCode: "150105002005", streetCode: "150105002",
                            districtCode: "150105", areaClass: .b, longitude: 111.6983394, latitude: 40.8169077, method: .coordinates,
                            matchedName: nil, recurrenceKey: "k"))
        try await waitState(supervision, appId, "awaiting_verify")
        #expect(try await command(supervision, appId, "verification", ["result": "refuted", "note": "现场未发现"], as: .supervisor).0 == 200)

        // 3. A 110 report outside city management: sent back (退回) with the reason and the competent body, never dispatched.
        let policeTicket = "110-\(UUID().uuidString.prefix(8))"
        try await hotlineReport(scratch, HotlineReport(channel: .police110, channelReference: policeTicket, kind: .event, classCode: "0102",
                                                       location: ReportedLocation(address: "某小区院内"), description: "楼上住户深夜噪声扰民",
                                                       reportedAt: Date()))
        let policeSigned = try await police.waitFor("110 signed for") { $0.channelReference == policeTicket }
        try await publish(scratch, exchange: MessagingNames.eventsExchange, routingKey: ManualDispatchRequired.routingKey,
                          type: ManualDispatchRequired.eventType, subject: policeSigned.caseId, body: ManualDispatchRequired(
                            caseId: policeSigned.caseId, caseNumber: policeSigned.caseNumber, reason: .unlocatable, detail: "no match"))
        try await waitState(supervision, policeSigned.caseId, "awaiting_accept")
        let incomplete = try await command(supervision, policeSigned.caseId, "reject",
                                           ["reason": "不属于城市管理事项", "reasonCode": "outside_city_management"], as: .acceptor)
        #expect(incomplete.0 == 422 && incomplete.1.contains("competentBody"), "\(incomplete.1)")
        #expect(try await command(supervision, policeSigned.caseId, "reject", [
            "reason": "邻里噪声纠纷，不属于城市管理事项", "reasonCode": "outside_city_management", "competentBody": "辖区派出所",
        ], as: .acceptor).0 == 200)
        let returned = try await police.waitFor("110 returned") { $0.channelReference == policeTicket && $0.kind == .returned }
        #expect(returned.state == .notAccepted && returned.reason == "邻里噪声纠纷，不属于城市管理事项")
        #expect(returned.reasonCode == .outsideCityManagement && returned.competentBody == "辖区派出所")
        #expect(returned.caseNumber == policeSigned.caseNumber && returned.address == "110" && returned.channel == .police110)

        // The app report's end was applied before the 110 rejection (one queue, in order): by now it would have shown.
        try await everything.drain(seconds: 1)
        let policeNotices = everything.seen.filter { $0.notice.caseId == policeSigned.caseId }
        #expect(policeNotices.map(\.notice.kind) == [.signedFor, .returned])
        #expect(policeNotices.allSatisfy { $0.routingKey.hasPrefix("110.case.") })
        #expect(police.seen.allSatisfy { $0.routingKey.hasPrefix("110.") && $0.notice.channel == .police110 })
        #expect(!everything.seen.contains { $0.notice.caseId == appId }, "a channel without a return address hears nothing")
        #expect(try await count(scratch, "SELECT count(*) AS n FROM intake.channel_notices WHERE case_id = $1", [appId]) == 0)
        #expect(try await state(supervision, appId) == "voided")
        #expect(try platform.notices().allSatisfy { $0.notice.channel == .hotline12345 && $0.routingKey.hasPrefix("12345.") })

        // The adapter stops cleanly when told.
        #expect(try await platform.stopCleanly() == 0, "\(platform.stderr())")
        await everything.consumer.close()
        await police.consumer.close()
    }
}

extension Date {
    /// The same instant as far as messages tell (they carry milliseconds).
    func isSameInstant(as other: Date) -> Bool { abs(timeIntervalSince(other)) < 0.002 }
}
