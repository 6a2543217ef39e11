import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// 12345 tickets with the hotline's own categories through intake, grid-routing and supervision
/// (real binaries, real RabbitMQ and PostgreSQL, a scratch database and vhost of their own).
@Suite("Hotline categories: mapped tickets are filed, the rest wait for the acceptor (real broker and database)", .serialized)
struct HotlineCategoryRoutingTests {
    static let secret = "hotline-category-tests-secret"
    let env = TestEnvironment()

    func token(_ role: Role) -> String {
        TokenAuthority(secret: Self.secret).issue(AccessToken(sub: "\(role.rawValue)-7", role: role, scope: .city,
                                                              iat: Date().addingTimeInterval(-60), exp: Date().addingTimeInterval(3600)))
    }

    func publish(_ report: HotlineReport, on scratch: ScratchEnvironment) async throws {
        let envelope = Envelope(type: HotlineReport.eventType, source: "/hotline/12345", time: Date(), subject: report.channelReference,
                                data: report)
        let publisher = try scratch.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(
            exchange: MessagingNames.inboundExchange, routingKey: report.routingKey, messageId: envelope.id.uuidString.lowercased(),
            type: HotlineReport.eventType, body: Array(try MessageCoding.encoder().encode(envelope)))])
        await publisher.disconnect()
        #expect(outcome == [.confirmed])
    }

    /// The case intake opened for a ticket, with the class source it stored.
    func caseId(_ reference: String, scratch: ScratchEnvironment) async throws -> (UUID, String)? {
        let pool = try scratch.adminPool()
        defer { Task { await pool.closeAll() } }
        return try await pool.withConnection { connection in
            try connection.query("SELECT case_id, class_source FROM intake.reports WHERE channel_reference = $1", [reference]).rows.first
                .map { (try $0.uuid("case_id"), try $0.string("class_source")) }
        }
    }

    func view(_ supervision: ServiceProcess, _ id: UUID) async throws -> [String: Any] {
        let (status, data) = try await supervision.http("GET", "/api/v1/cases/\(id.uuidString.lowercased())",
                                                        headers: ["Authorization": "Bearer \(token(.acceptor))"])
        guard status == 200 else { return [:] }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    func waitView(_ supervision: ServiceProcess, _ id: UUID, _ what: String,
                  _ condition: ([String: Any], [[String: Any]]) -> Bool) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(40)
        while ContinuousClock.now < deadline {
            last = try await view(supervision, id)
            if let item = last["case"] as? [String: Any], condition(item, last["timeline"] as? [[String: Any]] ?? []) { return item }
            try await Task.sleep(for: .milliseconds(300))
        }
        Issue.record("\(what): not reached; last view \(last)")
        throw TestSetupError("\(what) not reached")
    }

    @Test("a mapped 12345 category files the mapped class; an unmapped or not-ours one waits in awaiting_accept with its suggestions")
    func categoriesThroughThePipeline() async throws {
        let scratch = try await ScratchEnvironment.recreate("hotline_categories")
        var services: [ServiceProcess] = []
        defer { services.forEach { $0.terminate() } }
        for (product, user) in [("intake", "INTAKE"), ("grid-routing", "ROUTING"), ("supervision", "SUPERVISION")] {
            services.append(try ServiceProcess(executable: env.binDirectory + "/" + product, port: testPort(), environment: [
                "CITYGRID_DB_URL": try scratch.databaseURL(user),
                "CITYGRID_AMQP_URL": try scratch.amqpURL(user),
                "CITYGRID_TOKEN_SECRET": Self.secret,
                "CITYGRID_DUPLICATE_RADIUS_M": "0",
                "CITYGRID_SUPERVISION_SCAN_SECONDS": "1",
            ]))
        }
        for service in services { try await service.waitUntilReady(timeout: .seconds(90)) }
        let supervision = services[2]
        let run = UUID().uuidString.prefix(8)
        let at = Date().addingTimeInterval(-600)

        let mapped = HotlineReport(channel: .hotline12345, channelReference: "12345-\(run)-lamp", reporterContact: "13912345678", kind: nil,
                                   classCode: nil, location: ReportedLocation(address: "新华广场"),
                                   description: "喂，新华广场东边那一排路灯都不亮了，好几天了，晚上黑灯瞎火的", reportedAt: at,
                                   hotlineCategory: HotlineCategory(code: "010303", path: "城乡建设 > 市政设施 > 路灯不亮"))
        let unmapped = HotlineReport(channel: .hotline12345, channelReference: "12345-\(run)-cover", kind: nil, classCode: nil,
                                     location: ReportedLocation(address: "胜利东小区南门"),
                                     description: "那个，胜利东小区南门往东一百米有个井盖没了，上面写着污水，晚上黑，上次打过电话了还没人管",
                                     reportedAt: at, hotlineCategory: HotlineCategory(code: "010302", path: "城乡建设 > 市政设施 > 井盖缺失破损"))
        let notOurs = HotlineReport(channel: .hotline12345, channelReference: "12345-\(run)-wages", kind: nil, classCode: nil,
                                    location: ReportedLocation(address: "大学东街"), description: "大学东街那个工地的老板拖欠我们工资三个月了",
                                    reportedAt: at, hotlineCategory: HotlineCategory(code: "040101", path: "劳动保障 > 劳动报酬 > 拖欠工资"))
        for report in [mapped, unmapped, notOurs] { try await publish(report, on: scratch) }

        var ids: [String: UUID] = [:]
        for (name, report) in [("mapped", mapped), ("unmapped", unmapped), ("notOurs", notOurs)] {
            try await eventually("intake stored the \(name) ticket") { try await caseId(report.channelReference!, scratch: scratch) != nil }
            let (id, source) = try #require(try await caseId(report.channelReference!, scratch: scratch))
            ids[name] = id
            #expect(source == ["mapped": "hotline_mapping", "unmapped": "suggestion", "notOurs": "suggestion"][name])
        }

        // Mapped: the class and condition of the table; accepted by the standing policy and out for verification.
        let lamp = try await waitView(supervision, ids["mapped"]!, "the mapped ticket goes to verification") { item, _ in
            item["state"] as? String == "awaiting_verify"
        }
        #expect(lamp["kind"] as? String == "component" && lamp["classCode"] as? String == "0118" && lamp["conditionId"] as? String == "0118-01")
        #expect(lamp["classSource"] as? String == "hotline_mapping" && lamp["awaitsAcceptor"] as? Bool == false)
        #expect((lamp["hotlineCategory"] as? [String: Any])?["outcome"] as? String == "mapped")

        // Unmapped: located, then left in the acceptor's queue with the suggestions, and a timeline entry saying why.
        let cover = try await waitView(supervision, ids["unmapped"]!, "the unmapped ticket is located and held") { item, timeline in
            item["state"] as? String == "awaiting_accept" && item["gridCode"] is String
                && timeline.contains { $0["action"] as? String == "held_for_acceptor" }
        }
        #expect(cover["classSource"] as? String == "suggestion" && cover["awaitsAcceptor"] as? Bool == true)
        #expect((cover["hotlineCategory"] as? [String: Any])?["reason"] as? String == "acceptor")
        let suggestions = try #require(cover["suggestions"] as? [String: Any])
        let classes = try #require(suggestions["classes"] as? [[String: Any]])
        #expect(classes.count == 3)
        #expect(classes.first?["classCode"] as? String == cover["classCode"] as? String, "the provisional class is the top suggestion")
        #expect(classes.contains { ["0101", "0102", "0104"].contains($0["classCode"] as? String ?? "") })
        let places = try #require(suggestions["places"] as? [[String: Any]])
        #expect(places.first?["name"] as? String == "胜利东小区" && places.first?["gridCode"] is String)
        #expect(Set(cover["actions"] as? [String] ?? []).isSuperset(of: ["accept", "reject"]))
        // Still there a moment later: nothing accepts it behind the acceptor's back.
        try await Task.sleep(for: .seconds(2))
        #expect(((try await view(supervision, ids["unmapped"]!))["case"] as? [String: Any])?["state"] as? String == "awaiting_accept")

        // Not ours: held too, with the competent body for the return to the hotline.
        let wages = try await waitView(supervision, ids["notOurs"]!, "the not-ours ticket is held") { item, timeline in
            item["state"] as? String == "awaiting_accept" && timeline.contains { $0["action"] as? String == "held_for_acceptor" }
        }
        let category = try #require(wages["hotlineCategory"] as? [String: Any])
        #expect(category["outcome"] as? String == "not_ours")
        #expect((category["competentBody"] as? String)?.contains("人力资源和社会保障局") == true)

        // Lists carry the category but not the suggestions.
        let (listStatus, listData) = try await supervision.http("GET", "/api/v1/cases?state=awaiting_accept&limit=50",
                                                                headers: ["Authorization": "Bearer \(token(.acceptor))"])
        #expect(listStatus == 200)
        let items = ((try JSONSerialization.jsonObject(with: listData) as? [String: Any])?["items"] as? [[String: Any]]) ?? []
        let listed = try #require(items.first { ($0["id"] as? String)?.lowercased() == ids["unmapped"]!.uuidString.lowercased() })
        #expect(listed["suggestions"] == nil && listed["hotlineCategory"] != nil)

        // The acceptor decides: the suggested class was provisional. The component layer shows a storm-water
        // cover (雨水井盖, component 0103) at that gate, whatever the lid says; accepting with that class sends the
        // public report to verification under it.
        let headers = ["Authorization": "Bearer \(token(.acceptor))", "Content-Type": "application/json"]
        let acceptPath = "/api/v1/cases/\(ids["unmapped"]!.uuidString.lowercased())/accept"
        for (body, field) in [(#"{"kind": "component", "classCode": "9999"}"#, "classCode"), (#"{"kind": "thing", "classCode": "0102"}"#, "kind"),
                              (#"{"classCode": "0102"}"#, "kind")] {
            let (status, answer) = try await supervision.http("POST", acceptPath, body: Data(body.utf8), headers: headers)
            #expect(status == 422 && String(decoding: answer, as: UTF8.self).contains(field), "\(body): \(status)")
        }
        let provisional = "\(cover["kind"] as? String ?? "?"):\(cover["classCode"] as? String ?? "?")"
        #expect(provisional != "component:0103")
        let (accepted, _) = try await supervision.http("POST", acceptPath, body: Data(#"{"kind": "component", "classCode": "0103"}"#.utf8),
                                                       headers: headers)
        #expect(accepted == 200)
        let reclassified = try await waitView(supervision, ids["unmapped"]!, "accepted → verification") { item, _ in
            item["state"] as? String == "awaiting_verify"
        }
        #expect(reclassified["kind"] as? String == "component" && reclassified["classCode"] as? String == "0103")
        #expect(reclassified["classSource"] as? String == "acceptor")
        let timeline = ((try await view(supervision, ids["unmapped"]!))["timeline"] as? [[String: Any]]) ?? []
        let acceptance = try #require(timeline.last { $0["action"] as? String == "request_verification" })
        #expect((acceptance["details"] as? [String: String])?["reclassified_from"] == provisional)
        #expect((acceptance["details"] as? [String: String])?["reclassified_to"] == "component:0103")
        // Verified on site and filed: grid-routing dispatches by the acceptor's class.
        let (verified, _) = try await supervision.http("POST", "/api/v1/cases/\(ids["unmapped"]!.uuidString.lowercased())/verification",
                                                       body: Data(#"{"result": "confirmed"}"#.utf8),
                                                       headers: ["Authorization": "Bearer \(token(.supervisor))", "Content-Type": "application/json"])
        #expect(verified == 200)
        let coverId = ids["unmapped"]!
        try await eventually("grid-routing files the case under the acceptor's class") {
            let pool = try scratch.adminPool()
            defer { Task { await pool.closeAll() } }
            let row = try await pool.withConnection {
                try $0.query("SELECT kind, class_code FROM routing.cases WHERE case_id = $1", [coverId]).first
            }
            return try row?.string("kind") == "component" && row?.string("class_code") == "0103"
        }
        let reason = #"{"reason": "非城市管理事项，退回12345，建议转市人力资源和社会保障局"}"#
        let (rejected, _) = try await supervision.http("POST", "/api/v1/cases/\(ids["notOurs"]!.uuidString.lowercased())/reject",
                                                       body: Data(reason.utf8), headers: headers)
        #expect(rejected == 200)
        _ = try await waitView(supervision, ids["notOurs"]!, "rejected") { item, _ in item["state"] as? String == "not_accepted" }
    }
}
