import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import TestSupport
import Testing

/// The State Council's notice for a provisional year arrives while the city runs: the five
/// services as separate processes on an injected clock, open cases whose clocks run into 2027,
/// then an official 2027 that differs from the provisional one (bridging days after 春节 and
/// make-up days) imported as a reference-data change.
///
/// What must follow, without restarting anything: each clock counted on the provisional year is
/// counted again; the one that moves gets a `recompute_deadline` timeline entry (old → new, why),
/// its department a `deadline_changed` notice and a task with the new deadline, and assessment
/// judges the handling against the new deadline; clocks that do not move only get the official
/// basis. Importing the same file again changes nothing.
@Suite("End to end: an official calendar imported into the running city", .serialized)
final class CalendarImportTests {
    static let grid = "150105002005003"
    static let street = "STREET-150105002"

    /// The notice of a made-up 2027 (the real one is not out yet), shared with the calendar unit
    /// tests: 春节 from 除夕 (Fri 5 Feb) to Fri 12 Feb, so 9–12 February bridge; make-up days on
    /// Sun 31 Jan and Sat 20 Feb; more bridging around 劳动节 and 国庆.
    static let official2027: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/calendar/2027-example-notice.csv")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    let zone = TimeZone(identifier: "Asia/Shanghai")!
    var city: InjectedCity?

    deinit { city?.stop() }

    var services: [String: ServiceProcess] { city?.services ?? [:] }
    var scratch: ScratchEnvironment? { city?.scratch }
    var tap: AMQPConsumer? { city?.tap }
    var now: Date { city?.now ?? Date() }
    func setClock(_ instant: Date) throws { try #require(city).setClock(instant) }
    static func bj(_ text: String) -> Date { RFC3339.parse(text + "+08:00")! }
    /// Clocks start at the millisecond of the transition; a deadline counted from it keeps them.
    static func same(_ a: Date?, _ b: Date) -> Bool { a.map { abs($0.timeIntervalSince(b)) < 1 } ?? false }

    func startCity(at start: Date) async throws {
        city = try await InjectedCity.start("calendar", at: start)
    }

    func token(_ role: Role, _ scope: AccessScope = .city, sub: String) -> String { city!.token(role, scope, sub: sub) }

    func department(_ code: String) -> String { city!.department(code) }

    @discardableResult
    func post(_ service: String, _ path: String, _ body: [String: Any] = [:], token: String, expect: Int = 200,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let answer = try await #require(city).request("POST", service, path, body: body, token: token)
        #expect(answer.status == expect, "POST \(path): \(answer.text)", sourceLocation: sourceLocation)
        return answer.json
    }

    func get(_ service: String, _ path: String, token: String) async throws -> (Int, [String: Any]) {
        let answer = try await #require(city).request("GET", service, path, token: token)
        return (answer.status, answer.json)
    }

    /// The case as supervision's query API shows it: the case fields and the timeline rows.
    func detail(_ caseId: String) async throws -> (fields: [String: Any], timeline: [[String: Any]])? {
        let (status, body) = try await get("supervision", "/api/v1/cases/\(caseId)", token: token(.auditor, sub: "auditor-e2e"))
        guard status == 200, let fields = body["case"] as? [String: Any] else { return nil }
        return (fields, body["timeline"] as? [[String: Any]] ?? [])
    }

    func actions(_ caseId: String) async throws -> [String] {
        (try await detail(caseId)?.timeline ?? []).compactMap { $0["action"] as? String }
    }

    /// The standing of each year in the running clock's basis, e.g. [2027: "official"].
    func clockStandings(_ caseId: String) async throws -> [Int: String] {
        let clock = try await detail(caseId)?.fields["clock"] as? [String: Any]
        let years = ((clock?["basis"] as? [String: Any])?["years"] as? [[String: Any]]) ?? []
        return Dictionary(years.compactMap { y in (y["year"] as? Int).map { ($0, y["standing"] as? String ?? "?") } }, uniquingKeysWith: { a, _ in a })
    }

    /// A supervisor reports `classCode` under `conditionId` in the test grid; waits for its task.
    func reportUntilDispatched(_ classCode: String, condition: String, description: String) async throws -> (caseId: String, task: TaskDispatched) {
        let body: [String: Any] = [
            "channel": "supervisor", "reporterId": "sup-e2e", "kind": "event", "classCode": classCode, "conditionId": condition,
            "location": ["longitude": 111.6983394 + Double.random(in: -0.0002...0.0002), "latitude": 40.8169077 + Double.random(in: -0.0002...0.0002)],
            "description": description, "photos": ["https://photos.example/calendar-before.jpg"],
        ]
        let created = try await post("intake", "/api/v1/reports", body, token: token(.supervisor, sub: "sup-e2e"), expect: 201)
        let caseId = try #require(created["caseId"] as? String)
        let task = try await #require(tap).nextEnvelope(TaskDispatched.self, subject: caseId)
        try await eventually("case \(caseId) in handling") { try await detail(caseId)?.fields["state"] as? String == "in_handling" }
        return (caseId, task)
    }

    func taskPath(_ dispatchId: UUID) -> String { "/api/v1/tasks/\(dispatchId.uuidString.lowercased())" }

    /// Publishes the change as `citygrid calendar import` does.
    func importCalendar(_ text: String, year: Int) async throws {
        guard case .success(let calendarYear) = OfficialYearFile.parse(text, file: "\(year).csv", expectedYear: year, timeZone: zone) else {
            throw TestSetupError("the test's calendar file does not validate")
        }
        let change = ReferenceDataChanged(changeId: UUID(), table: .calendar, key: String(year), version: calendarYear.contentVersion,
                                          content: text, source: calendarYear.notice, changedAt: now, changedBy: "e2e-operator")
        let envelope = Envelope(type: ReferenceDataChanged.eventType, source: "/citygrid/admin", time: now, subject: nil,
                                correlationId: change.changeId.uuidString.lowercased(), causationId: nil, data: change)
        let body = try MessageCoding.encoder().encode(envelope)
        let publisher = try #require(scratch).adminPublisher()
        let outcomes = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: change.routingKey,
                                                                    messageId: UUID().uuidString.lowercased(), type: ReferenceDataChanged.eventType,
                                                                    body: Array(body))])
        #expect(outcomes.count == 1)
    }

    @Test("an official 2027 imported while cases run into it: the moved deadline is told everywhere, the rest only change basis, twice is once")
    func officialYearImportedIntoTheRunningCity() async throws {
        // New Year's Eve 2026, 16:00: a demolition (20 working days) runs deep into January 2027.
        try await startCity(at: Self.bj("2026-12-31T16:00:00"))
        let demolition = try await reportUntilDispatched("0101", condition: "0101-03", description: "应拆除的违法建设，已下达拆除通知")
        #expect(demolition.task.deadlineBasis?.years.map(\.year) == [2026, 2027])
        #expect(demolition.task.deadlineBasis?.isProvisional == true)
        #expect(try await clockStandings(demolition.caseId) == [2026: "official", 2027: "provisional"])

        // Monday 1 February 2027: a 5-working-day case runs across 春节; an 8-hour one does not.
        try setClock(Self.bj("2027-02-01T09:00:00"))
        let spring = try await reportUntilDispatched("0199", condition: "0199-01", description: "节前市容环境问题，需五个工作日处理")
        let garbage = try await reportUntilDispatched("0102", condition: "0102-01", description: "主次干道两侧生活垃圾散落堆放")
        // Provisional: 5 February (除夕) and 8 February off, so 40 working hours end on Wednesday the 10th.
        let provisionalDue = spring.task.deadline
        #expect(provisionalDue.timeIntervalSince(spring.task.dispatchedAt) > 8 * 86_400)
        #expect(spring.task.deadlineBasis?.years.map(\.standing) == [.provisional])
        let springBefore = try await actions(spring.caseId)
        // The demolition fell due on 29 January: its lights come and go on their own time.
        func unlit(_ actions: [String]) -> [String] { actions.filter { !$0.hasPrefix("mark_") } }
        let demolitionBefore = unlit(try await actions(demolition.caseId))
        let garbageBefore = try await actions(garbage.caseId)
        let garbageDue = try #require(try await detail(garbage.caseId)?.fields["handlingDeadline"] as? String)
        let pids = services.mapValues(\.process.processIdentifier)

        try await importCalendar(Self.official2027, year: 2027)

        // The moved deadline: 9–12 February are off now, so the same 40 hours end on Tuesday
        // 16 February at 09:00.
        let expectedDue = Self.bj("2027-02-16T09:00:00")
        do {
            try await eventually(timeout: .seconds(40), "the spring case's deadline recounted") {
                try await actions(spring.caseId).last == "recompute_deadline"
            }
        } catch {
            for product in ["supervision", "grid-routing"] {
                services[product]?.terminate()
                print("--- \(product) log:\n" + String(services[product]?.collectStderr().suffix(6000) ?? ""))
            }
            throw error
        }
        let moved = try #require(try await detail(spring.caseId))
        #expect(Self.same(RFC3339.parse(moved.fields["handlingDeadline"] as? String ?? ""), expectedDue))
        #expect(moved.fields["deadlineProvisional"] as? Bool == false)
        let entry = try #require(moved.timeline.last)
        let details = entry["details"] as? [String: String] ?? [:]
        #expect(entry["actorId"] as? String == "calendar")
        #expect(details["stage"] == "handle")
        #expect(RFC3339.parse(details["previous_deadline"] ?? "") .map { abs($0.timeIntervalSince(provisionalDue)) < 1 } == true)
        #expect(Self.same(RFC3339.parse(details["deadline"] ?? ""), expectedDue))
        #expect((entry["reason"] as? String ?? "").contains("2027 provisional → official (国办发明电〔2026〕9号)"), "\(entry)")
        #expect(try await actions(spring.caseId) == springBefore + ["recompute_deadline"])
        #expect(try await clockStandings(spring.caseId) == [2027: "official"])

        // The department hears of it on its topic, and its inbox shows the new deadline.
        let notice = try await #require(tap).nextEnvelope(TaskNotice.self, subject: spring.caseId,
                                                          routingKey: "supervision.notice.\(spring.task.departmentCode).deadline-changed")
        #expect(Self.same(notice.deadline, expectedDue))
        #expect(notice.previousDeadline.map { abs($0.timeIntervalSince(provisionalDue)) < 1 } == true)
        #expect(notice.deadlineBasis?.years.first?.notice == "国办发明电〔2026〕9号")
        let dept = department(spring.task.departmentCode)
        try await eventually("the task's deadline in the department's inbox") {
            let (_, body) = try await get("disposal", taskPath(spring.task.dispatchId), token: dept)
            return Self.same(((body["task"] as? [String: Any])?["deadline"] as? String).flatMap(RFC3339.parse), expectedDue)
        }

        // The clocks that do not move only take the official basis: no entry, same deadline.
        try await eventually("the other clocks counted on the official 2027") {
            let first = try await clockStandings(demolition.caseId)[2027]
            let second = try await clockStandings(garbage.caseId)[2027]
            return first == "official" && second == "official"
        }
        #expect(unlit(try await actions(demolition.caseId)) == demolitionBefore)
        #expect(try await actions(garbage.caseId) == garbageBefore)
        #expect(try await detail(garbage.caseId)?.fields["handlingDeadline"] as? String == garbageDue)

        // Nothing restarted.
        for (product, process) in services {
            #expect(process.process.isRunning, "\(product) still running")
            #expect(process.process.processIdentifier == pids[product], "\(product) not restarted")
        }

        // The same file again changes nothing: no entry, no notice.
        try await importCalendar(Self.official2027, year: 2027)
        try await Task.sleep(for: .seconds(6))
        #expect(try await actions(spring.caseId) == springBefore + ["recompute_deadline"])
        await #expect(throws: (any Error).self) {
            _ = try await #require(self.tap).nextEnvelope(TaskNotice.self, subject: spring.caseId,
                                                          routingKey: "supervision.notice.\(spring.task.departmentCode).deadline-changed",
                                                          timeout: .seconds(3))
        }

        // Friday 12 February 10:00: past the provisional deadline, before the official one. No red
        // light; the department finishes; assessment counts it as handled on time.
        try setClock(Self.bj("2027-02-12T10:00:00"))
        try await Task.sleep(for: .seconds(2))
        #expect(try await actions(spring.caseId).contains("mark_overdue") == false)
        try await post("disposal", taskPath(spring.task.dispatchId) + "/accept", ["note": "已签收"], token: department(spring.task.departmentCode))
        try await post("disposal", taskPath(spring.task.dispatchId) + "/complete",
                       ["result": "已处理", "photos": ["https://photos.example/calendar-after.jpg"]], token: department(spring.task.departmentCode))
        try await eventually("completed") { try await actions(spring.caseId).contains("complete") }
        // February is still running: a completed case awaiting its check counts once its deadline
        // has passed (docs/assessment.md), so look from Wednesday the 17th.
        try setClock(Self.bj("2027-02-17T10:00:00"))
        var row: [String: Any] = [:]
        try await eventually(timeout: .seconds(30), "assessment's February figures for \(spring.task.departmentCode)") {
            let (status, body) = try await get("assessment", "/api/v1/kpi/departments?period=2027-02", token: token(.auditor, sub: "auditor-e2e"))
            guard status == 200 else { return false }
            row = ((body["rows"] as? [[String: Any]]) ?? []).first { $0["code"] as? String == spring.task.departmentCode } ?? [:]
            return (row["handled"] as? Int ?? 0) >= 1
        }
        // Handled once, on time; the street's late garbage case (due 2 February) is its only overdue one.
        #expect(row["handled"] as? Int == 1, "\(row)")
        #expect(row["handled_on_time"] as? Int == 1, "\(row)")
    }
}
