import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import TestSupport
import Testing

/// Return visits (回访) and reopening (重办) through all five services as separate processes, on
/// their own scratch database and vhost (`scripts/infra scratch revisit`): a 12345 ticket is
/// handled and closed; the hotline reports 不满意 by a message on the inbound exchange;
/// supervision reopens the case to the same department under the return-visit policy; disposal
/// gives the department a new task; it is handled, checked and closed again; a second 不满意 goes
/// to the shift leader's queue; and assessment counts the visits, 满意率 and 重办数.
@Suite("End to end: return visits and reopening", .serialized)
final class ReturnVisitTests {
    /// Monday 7 December 2026, 09:00 Beijing time: a working day with no holiday nearby.
    static let cityStart = RFC3339.parse("2026-12-07T09:00:00+08:00")!
    static let street = "STREET-150105002"
    static let district = "150105"

    var city: InjectedCity?
    deinit { city?.stop() }

    func token(_ role: Role, sub: String) -> String { city!.token(role, sub: sub) }
    var supervisor: String { token(.supervisor, sub: "sup-revisit") }
    var shiftLeader: String { token(.shiftLeader, sub: "leader-revisit") }
    var acceptor: String { token(.acceptor, sub: "acceptor-revisit") }
    var auditor: String { token(.auditor, sub: "auditor-revisit") }

    @discardableResult
    func post(_ service: String, _ path: String, _ body: [String: Any] = [:], token: String, expect: Int = 200,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let answer = try await #require(city).request("POST", service, path, body: body, token: token)
        #expect(answer.status == expect, "POST \(path): \(answer.text)", sourceLocation: sourceLocation)
        return answer.json
    }

    func get(_ service: String, _ path: String) async throws -> (Int, [String: Any]) {
        let answer = try await #require(city).request("GET", service, path, token: auditor)
        return (answer.status, answer.json)
    }

    struct Detail {
        var fields: [String: Any]
        var timeline: [[String: Any]]
        var state: String { fields["state"] as? String ?? "?" }
        var actions: [String] { timeline.map { $0["action"] as? String ?? "?" } }
        func last(_ action: String) -> [String: Any]? { timeline.last { $0["action"] as? String == action } }
    }

    func detail(_ caseId: String) async throws -> Detail? {
        let (status, body) = try await get("supervision", "/api/v1/cases/\(caseId)")
        guard status == 200, let fields = body["case"] as? [String: Any] else { return nil }
        return Detail(fields: fields, timeline: body["timeline"] as? [[String: Any]] ?? [])
    }

    @discardableResult
    func waitFor(_ caseId: String, _ what: String, _ condition: (Detail) -> Bool) async throws -> Detail {
        var last: Detail?
        do {
            try await eventually(timeout: .seconds(30), "case \(caseId): \(what)") {
                last = try await detail(caseId)
                return last.map(condition) ?? false
            }
        } catch {
            throw TestSetupError("\(error); last seen: \(last?.state ?? "nothing") \(last?.actions ?? [])")
        }
        return last!
    }

    func taskPath(_ dispatchId: UUID) -> String { "/api/v1/tasks/\(dispatchId.uuidString.lowercased())" }

    func task(_ dispatchId: UUID) async throws -> [String: Any]? {
        let answer = try await #require(city).request("GET", "disposal", taskPath(dispatchId), token: city!.department(Self.street))
        return answer.status == 200 ? answer.json["task"] as? [String: Any] : nil
    }

    func waitTask(_ dispatchId: UUID, _ state: String) async throws {
        try await eventually("task \(dispatchId) \(state) in disposal") { try await task(dispatchId)?["state"] as? String == state }
    }

    /// The department signs for and finishes its task; the supervisor's check passes; the shift leader closes.
    func handleAndClose(_ caseId: String, _ dispatchId: UUID) async throws {
        let dept = city!.department(Self.street)
        try await post("disposal", taskPath(dispatchId) + "/accept", ["note": "已签收"], token: dept)
        try await post("disposal", taskPath(dispatchId) + "/complete", ["result": "已清运", "photos": ["https://photos.example/after.jpg"]],
                       token: dept)
        try await waitFor(caseId, "awaiting check") { $0.state == "awaiting_check" && $0.actions.last == "request_check" }
        try await post("supervision", "/api/v1/cases/\(caseId)/check", ["passed": true, "note": "现场已清理"], token: supervisor)
        try await waitFor(caseId, "awaiting close") { $0.state == "awaiting_close" }
        try await post("supervision", "/api/v1/cases/\(caseId)/close", token: shiftLeader)
        try await waitFor(caseId, "closed") { $0.state == "closed" }
        try await waitTask(dispatchId, "closed")
    }

    /// Publishes a return visit on the inbound exchange as the 12345 platform does.
    func publishVisit(_ visit: ReturnVisitReport) async throws {
        let envelope = Envelope(type: ReturnVisitReport.eventType, source: "/hotline/12345", time: Date(), subject: visit.visitId, data: visit)
        try await publishInbound(String(decoding: try MessageCoding.encoder().encode(envelope), as: UTF8.self),
                                 routingKey: ReturnVisitReport.routingKey(channel: visit.channel), id: envelope.id)
    }

    func publishInbound(_ body: String, routingKey: String, id: UUID = UUID()) async throws {
        let publisher = try #require(city).scratch.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.inboundExchange, routingKey: routingKey,
                                                                   messageId: id.uuidString.lowercased(), type: ReturnVisitReport.eventType,
                                                                   body: Array(body.utf8))])
        await publisher.disconnect()
        #expect(outcome == [.confirmed], "the inbound exchange routes \(routingKey) to a queue")
    }

    /// A queue of our own on the events exchange for `routingKey`.
    func tap(_ routingKey: String) async throws -> AMQPConsumer {
        let scratch = try #require(city).scratch
        let queue = "test.revisit.\(UUID().uuidString.prefix(8))"
        try await scratch.adminPublisher().withConnection { connection in
            try connection.declare(Topology(queues: [QueueSpec(name: queue, quorum: false, bindings: [
                .init(exchange: MessagingNames.eventsExchange, routingKey: routingKey),
            ])]))
        }
        let consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try scratch.amqpURL("ADMIN")), topology: Topology(), queue: queue, prefetch: 50)
        try await consumer.connect()
        return consumer
    }

    /// The figures row of `code` in assessment's `family` for December 2026, once `condition` holds.
    func figures(_ path: String, _ code: String, until condition: @escaping ([String: Any]) -> Bool) async throws -> [String: Any] {
        var found: [String: Any] = [:]
        try await eventually(timeout: .seconds(30), "assessment \(path) for \(code)") {
            let (status, body) = try await get("assessment", path)
            guard status == 200 else { return false }
            found = ((body["rows"] as? [[String: Any]]) ?? []).first { $0["code"] as? String == code } ?? [:]
            return condition(found)
        }
        return found
    }

    @Test("不满意 reopens to the same department once; the second goes to the shift leader; assessment counts the visits")
    func dissatisfiedReopensThenReferred() async throws {
        city = try await InjectedCity.start("revisit", at: Self.cityStart)
        let visits = try await tap(ReturnVisitRecorded.routingKey)
        defer { Task { await visits.close() } }

        // A 12345 ticket about garbage, verified on site, dispatched to the street office.
        let reference = "12345-\(UUID().uuidString.prefix(8))"
        let created = try await post("intake", "/api/v1/reports", [
            "channel": "hotline_12345", "channelReference": reference, "kind": "event", "classCode": "0102",
            "location": ["longitude": 111.6983394, "latitude": 40.8169077], "address": "赛罕区大学东街",
            "description": "市民来电：路边垃圾堆放", "reporterContact": "138****0000",
        ], token: token(.acceptor, sub: "hotline-agent"), expect: 201)
        let caseId = try #require(created["caseId"] as? String)
        let caseNumber = try #require(created["caseNumber"] as? String)
        try await waitFor(caseId, "awaiting verification") { $0.state == "awaiting_verify" }
        try await post("supervision", "/api/v1/cases/\(caseId)/verification", ["result": "confirmed"], token: supervisor)
        let first = try await #require(city?.tap).nextEnvelope(TaskDispatched.self, subject: caseId)
        #expect(first.departmentCode == Self.street)
        try await waitFor(caseId, "in handling") { $0.state == "in_handling" }
        try await eventually("task in the inbox") { try await task(first.dispatchId) != nil }

        // Staff cannot record a verdict before the case is closed.
        try await post("supervision", "/api/v1/cases/\(caseId)/return-visit", ["verdict": "satisfied"], token: acceptor, expect: 409)
        try await handleAndClose(caseId, first.dispatchId)

        // The hotline calls back: 不满意. Supervision reopens the case to the same department.
        try await publishVisit(ReturnVisitReport(visitId: "HV-1", channel: .hotline12345, channelReference: reference,
                                                 verdict: .dissatisfied, note: "垃圾又堆起来了", visitedBy: "agent-7"))
        let reopened = try await waitFor(caseId, "reopened") { $0.state == "in_handling" && $0.actions.last == "reopen" }
        #expect(reopened.fields["reopenCount"] as? Int == 1)
        #expect(reopened.fields["currentDepartment"] as? String == Self.street)
        let visitEntry = try #require(reopened.last("return_visit"))
        #expect((visitEntry["details"] as? [String: String])?["verdict"] == "dissatisfied")
        #expect((visitEntry["details"] as? [String: String])?["visit_key"] == "hotline_12345:HV-1")
        let reopenEntry = try #require(reopened.last("reopen"))
        #expect(reopenEntry["reason"] as? String == "垃圾又堆起来了", "the timeline keeps the citizen's words")
        #expect(reopenEntry["actorId"] as? String == "return-visit-policy")
        let reopenedAt = try #require((reopenEntry["at"] as? String).flatMap(RFC3339.parse))
        let deadline = try #require((reopened.fields["handlingDeadline"] as? String).flatMap(RFC3339.parse))
        #expect(deadline > reopenedAt, "a new handling clock")
        #expect((reopenEntry["startedClock"] as? [String: Any])?["stage"] as? String == "handle")

        // The department hears of it and finds a new task in its inbox.
        let notice = try await #require(city?.tap).nextEnvelope(TaskNotice.self, subject: caseId) { $0.kind == .reopened }
        #expect(notice.departmentCode == Self.street && notice.reason == "垃圾又堆起来了")
        #expect(notice.dispatchId != first.dispatchId)
        #expect(abs((notice.deadline ?? .distantPast).timeIntervalSince(deadline)) < 1, "the case view shows the notice's deadline")
        #expect((reopened.fields["currentDispatchId"] as? String)?.lowercased() == notice.dispatchId.uuidString.lowercased())
        try await waitTask(notice.dispatchId, "dispatched")
        let newTask = try #require(try await task(notice.dispatchId))
        #expect(newTask["via"] as? String == "reopen")
        #expect((newTask["reworkOf"] as? String)?.lowercased() == first.dispatchId.uuidString.lowercased())
        #expect(try await task(first.dispatchId)?["state"] as? String == "closed", "the first task stays closed")
        let recorded = try await visits.nextEnvelope(ReturnVisitRecorded.self, subject: caseId) { $0.visitId == "HV-1" }
        #expect(recorded.outcome == .reopened && recorded.route == .hotline && recorded.channel == .hotline12345)
        #expect(recorded.departmentCode == Self.street && recorded.dispatchId == notice.dispatchId && recorded.reopenCount == 1)
        #expect(recorded.channelReference == reference && recorded.note == "垃圾又堆起来了")

        // The platform sends the same visit again (a new message, the same visit id): recorded once.
        try await publishVisit(ReturnVisitReport(visitId: "HV-1", channel: .hotline12345, channelReference: reference,
                                                 verdict: .dissatisfied, note: "垃圾又堆起来了"))
        // Handled again, checked, closed.
        try await handleAndClose(caseId, notice.dispatchId)

        // A second 不满意 (named by case number this time) does not reopen: it waits for the shift leader.
        try await publishVisit(ReturnVisitReport(visitId: "HV-2", channel: .hotline12345, caseNumber: caseNumber,
                                                 verdict: .dissatisfied, note: "还是有垃圾"))
        let referred = try await waitFor(caseId, "referred") { ($0.fields["reopenReferral"] as? [String: Any]) != nil }
        #expect(referred.state == "closed" && referred.fields["reopenCount"] as? Int == 1)
        #expect(referred.actions.filter { $0 == "return_visit" }.count == 2, "the repeated HV-1 was applied once: \(referred.actions)")
        #expect(referred.actions.filter { $0 == "reopen" }.count == 1)
        #expect((referred.fields["reopenReferral"] as? [String: Any])?["reason"] as? String == "reopening_limit_reached")
        #expect(referred.fields["actions"] as? [String] == [], "an auditor gets no buttons")
        let (listed, queue) = try await get("supervision", "/api/v1/cases?referred=true")
        #expect(listed == 200)
        #expect(((queue["items"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? String)?.lowercased() } == [caseId.lowercased()])
        let referredEvent = try await visits.nextEnvelope(ReturnVisitRecorded.self, subject: caseId) { $0.visitId == "HV-2" }
        #expect(referredEvent.outcome == .referred && referredEvent.referral == .reopeningLimitReached && referredEvent.dispatchId == nil)

        // The shift leader's decision: only the shift leader, and keeping it closed needs a reason.
        let leaderView = try await #require(city).request("GET", "supervision", "/api/v1/cases/\(caseId)", token: shiftLeader)
        #expect(((leaderView.json["case"] as? [String: Any])?["actions"] as? [String]) == ["return-visit", "reopen-decision"])
        try await post("supervision", "/api/v1/cases/\(caseId)/reopen-decision", ["reopen": true], token: acceptor, expect: 403)
        try await post("supervision", "/api/v1/cases/\(caseId)/reopen-decision", ["reopen": false], token: shiftLeader, expect: 422)
        try await post("supervision", "/api/v1/cases/\(caseId)/reopen-decision", ["reopen": false, "reason": "已按标准清运，向市民解释"],
                       token: shiftLeader)
        let kept = try await waitFor(caseId, "kept closed") { $0.actions.last == "keep_closed" }
        #expect(kept.state == "closed" && kept.fields["reopenReferral"] == nil)
        let (_, emptyQueue) = try await get("supervision", "/api/v1/cases?referred=true")
        #expect(((emptyQueue["items"] as? [[String: Any]]) ?? []).isEmpty)

        // Centre staff record two more visits over the API: 满意 (by an acceptor) and 基本满意 (hotline, by number).
        let staff = try await post("supervision", "/api/v1/cases/\(caseId)/return-visit", ["verdict": "satisfied", "note": "这次满意",
                                                                                             "visitId": "TEL-3"], token: acceptor)
        #expect(staff["state"] as? String == "closed")
        try await post("supervision", "/api/v1/cases/\(caseId)/return-visit", ["verdict": "satisfied", "visitId": "TEL-3"], token: acceptor)
        try await post("supervision", "/api/v1/cases/\(caseId)/return-visit", ["verdict": "great"], token: acceptor, expect: 422)
        try await post("supervision", "/api/v1/cases/\(caseId)/return-visit", ["verdict": "satisfied"], token: supervisor, expect: 403)
        try await publishVisit(ReturnVisitReport(visitId: "HV-4", channel: .hotline12345, caseNumber: caseNumber, verdict: .basicallySatisfied))
        let done = try await waitFor(caseId, "four visits") { $0.actions.filter { $0 == "return_visit" }.count == 4 }
        #expect(done.state == "closed" && done.fields["reopenCount"] as? Int == 1)

        // A visit that names no case is dead-lettered with the reason.
        let dlq = AMQPConsumer(endpoint: try AMQPEndpoint(url: try city!.scratch.amqpURL("ADMIN")), topology: Topology(),
                               queue: "supervision.return-visits.dlq", prefetch: 10)
        try await dlq.connect()
        try await publishVisit(ReturnVisitReport(visitId: "HV-X", channel: .hotline12345, channelReference: "12345-nobody",
                                                 verdict: .dissatisfied))
        var reason: String?
        let until = ContinuousClock.now + .seconds(20)
        while reason == nil, ContinuousClock.now < until {
            if let letter = try await dlq.next(timeoutMilliseconds: 500) {
                reason = letter.headers[MessagingNames.deadLetterReasonHeader]
                try await dlq.ack(letter)
            }
        }
        await dlq.close()
        #expect(reason?.contains("channelReference") == true, "dead letter reason: \(reason ?? "none")")

        // Assessment, December 2026, by hand: four visits (不满意 ×2, 满意, 基本满意) on the street
        // office's case, 满意率 = (1 + 1) / 4 = 0.5, one reopening. The same for its district.
        let department = try await figures("/api/v1/kpi/departments?period=2026-12", Self.street) { ($0["visits"] as? Int) == 4 }
        #expect(department["satisfied"] as? Int == 1)
        #expect(department["basically_satisfied"] as? Int == 1)
        #expect(department["dissatisfied"] as? Int == 2)
        #expect(department["satisfaction_rate"] as? Double == 0.5)
        #expect(department["reopenings"] as? Int == 1)
        let area = try await figures("/api/v1/kpi/areas?period=2026-12&level=district", Self.district) { ($0["visits"] as? Int) == 4 }
        #expect(area["satisfaction_rate"] as? Double == 0.5)
        #expect(area["reopenings"] as? Int == 1)
        let street = try await figures("/api/v1/kpi/areas?period=2026-12&level=street", "150105002") { ($0["visits"] as? Int) == 4 }
        #expect(street["dissatisfied"] as? Int == 2)
        // November had none of it.
        let (_, november) = try await get("assessment", "/api/v1/kpi/departments?period=2026-11")
        #expect(((november["rows"] as? [[String: Any]]) ?? []).allSatisfy { ($0["visits"] as? Int ?? 0) == 0 })
    }

    /// Publishes a 12345 ticket on the inbound exchange.
    func publishTicket(_ report: HotlineReport) async throws {
        let envelope = Envelope(type: HotlineReport.eventType, source: "/hotline/12345", time: Date(), subject: nil, data: report)
        let publisher = try #require(city).scratch.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.inboundExchange, routingKey: report.routingKey,
                                                                   messageId: envelope.id.uuidString.lowercased(), type: HotlineReport.eventType,
                                                                   body: Array(try MessageCoding.encoder().encode(envelope)))])
        await publisher.disconnect()
        #expect(outcome == [.confirmed])
    }

    @Test("the 12345 platform's pika adapter: ticket → dispatched → closed → 不满意 → reopened → closed → 满意; a not-ours ticket is sent back, never dispatched")
    func hotlinePlatformLoop() async throws {
        city = try await InjectedCity.start("revisit_hotline", at: Self.cityStart)
        // The platform answers the first result 不满意 and the second 满意, as its agent would after calling back.
        let platform = try await HotlinePlatform.start(try #require(city).scratch,
                                                       verdicts: [(.dissatisfied, note: "垃圾又堆起来了"), (.satisfied, note: "这次清理干净了")])
        defer { platform.stop() }

        let ticket = "RX\(UUID().uuidString.prefix(8))"
        try await publishTicket(HotlineReport(channel: .hotline12345, channelReference: ticket, reporterContact: "13800001234", kind: .event,
                                              classCode: "0102", location: ReportedLocation(longitude: 111.6983394, latitude: 40.8169077,
                                                                                            address: "赛罕区大学东街"),
                                              description: "市民来电：大学东街路边垃圾堆放", reportedAt: Date()))
        let signed = try await platform.waitFor("signed for") { $0.channelReference == ticket && $0.kind == .signedFor }
        let caseId = signed.caseId.uuidString.lowercased()
        try await waitFor(caseId, "awaiting verification") { $0.state == "awaiting_verify" }
        try await post("supervision", "/api/v1/cases/\(caseId)/verification", ["result": "confirmed"], token: supervisor)
        let first = try await #require(city?.tap).nextEnvelope(TaskDispatched.self, subject: caseId)
        #expect(first.departmentCode == Self.street)
        try await eventually("task in the inbox") { try await task(first.dispatchId) != nil }
        try await handleAndClose(caseId, first.dispatchId)

        // The result reaches the platform under its ticket number; its agent answers 不满意 and the case comes back.
        let closed = try await platform.waitFor("the result") { $0.channelReference == ticket && $0.kind == .closed }
        #expect(closed.result == "已清运" && closed.department?.code == Self.street)
        #expect((closed.photos ?? []).contains(Photo(url: "https://photos.example/after.jpg", purpose: .completion)), "\(closed.photos)")
        let reopenedNotice = try await platform.waitFor("重办") { $0.channelReference == ticket && $0.kind == .reopened }
        #expect(reopenedNotice.department?.code == Self.street && reopenedNotice.reason == "垃圾又堆起来了")
        #expect(reopenedNotice.state == .inHandling)
        let reopened = try await waitFor(caseId, "reopened") { $0.state == "in_handling" && $0.actions.last == "reopen" }
        #expect(reopened.fields["currentDepartment"] as? String == Self.street && reopened.fields["reopenCount"] as? Int == 1)
        let newDeadline = try #require((reopened.fields["handlingDeadline"] as? String).flatMap(RFC3339.parse))
        #expect(abs((reopenedNotice.deadline ?? .distantPast).timeIntervalSince(newDeadline)) < 1, "the notice carries the new clock")
        #expect(newDeadline > closed.occurredAt)
        let visitEntry = try #require(reopened.last("return_visit"))
        #expect((visitEntry["details"] as? [String: String])?["visit_key"] == "hotline_12345:HV-\(ticket)-1")

        // Handled again by the same department under a new task, closed again; the agent's second call: 满意.
        let notice = try await #require(city?.tap).nextEnvelope(TaskNotice.self, subject: caseId) { $0.kind == .reopened }
        #expect(notice.departmentCode == Self.street && notice.dispatchId != first.dispatchId)
        try await waitTask(notice.dispatchId, "dispatched")
        try await handleAndClose(caseId, notice.dispatchId)
        let done = try await waitFor(caseId, "two visits") { $0.actions.filter { $0 == "return_visit" }.count == 2 }
        #expect(done.state == "closed" && done.fields["reopenCount"] as? Int == 1)
        #expect((done.last("return_visit")?["details"] as? [String: String])?["verdict"] == "satisfied")

        let heard = try platform.notices().filter { $0.notice.channelReference == ticket }
        #expect(heard.map(\.notice.kind) == [.signedFor, .filed, .dispatched, .closed, .reopened, .closed], "\(heard.map(\.routingKey))")
        #expect(heard.allSatisfy { $0.routingKey == "12345.case.\($0.notice.kind.routingWord)" && $0.notice.caseId == signed.caseId })
        #expect(try platform.visits().map(\.verdict) == [.dissatisfied, .satisfied])

        // Assessment, December 2026: two visits on the street office's case, 满意率 1/2, one reopening.
        let department = try await figures("/api/v1/kpi/departments?period=2026-12", Self.street) { ($0["visits"] as? Int) == 2 }
        #expect(department["satisfied"] as? Int == 1 && department["dissatisfied"] as? Int == 1)
        #expect(department["satisfaction_rate"] as? Double == 0.5)
        #expect(department["reopenings"] as? Int == 1)

        // A ticket about unpaid wages: not city management. The acceptor sends it back with the competent body;
        // the platform hears 退回 and the case never reaches a department.
        let wages = "RX\(UUID().uuidString.prefix(8))"
        try await publishTicket(HotlineReport(channel: .hotline12345, channelReference: wages, kind: nil, classCode: nil,
                                              location: ReportedLocation(address: "大学东街"), description: "大学东街那个工地的老板拖欠我们工资三个月了",
                                              reportedAt: Date(), hotlineCategory: HotlineCategory(code: "040101", path: "劳动保障 > 劳动报酬 > 拖欠工资")))
        let wagesSigned = try await platform.waitFor("the wages ticket signed for") { $0.channelReference == wages && $0.kind == .signedFor }
        let wagesCase = wagesSigned.caseId.uuidString.lowercased()
        let held = try await waitFor(wagesCase, "held for the acceptor") { $0.state == "awaiting_accept" && $0.actions.contains("held_for_acceptor") }
        let body = try #require((held.fields["hotlineCategory"] as? [String: Any])?["competentBody"] as? String)
        try await post("supervision", "/api/v1/cases/\(wagesCase)/reject", ["reason": "拖欠工资不属城市管理事项",
                                                                             "reasonCode": "outside_city_management", "competentBody": body],
                       token: acceptor)
        let returned = try await platform.waitFor("退回") { $0.channelReference == wages && $0.kind == .returned }
        #expect(returned.reasonCode == .outsideCityManagement && returned.competentBody == body && returned.reason == "拖欠工资不属城市管理事项")
        let ended = try await waitFor(wagesCase, "not accepted") { $0.state == "not_accepted" }
        #expect(!ended.actions.contains("dispatch") && !ended.actions.contains("file"), "\(ended.actions)")
        #expect(try platform.notices().filter { $0.notice.channelReference == wages }.map(\.notice.kind) == [.signedFor, .returned])
    }
}
