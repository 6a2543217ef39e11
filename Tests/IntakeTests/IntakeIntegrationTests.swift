import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import IntakeService
import PGClient
import TestSupport
import Testing

/// intake end to end: the real `intake` binary against the test database and broker.
@Suite("Intake service (real binary, broker and database)", .serialized)
struct IntakeIntegrationTests {
    let env = TestEnvironment()

    func startIntake(_ extra: [String: String] = [:]) async throws -> ServiceProcess {
        var variables = [
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_INTAKE"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_INTAKE"),
            "CITYGRID_REFERENCE_DATA": Fixtures.referencePath,
        ]
        for (k, v) in extra { variables[k] = v }
        let process = try ServiceProcess(executable: env.binDirectory + "/intake", port: testPort(), environment: variables)
        try await process.waitUntilReady()
        return process
    }

    func token(role: Role = .supervisor, sub: String = "sup-test") -> String {
        let now = Date()
        return TokenAuthority(secret: "citygrid-dev-secret-not-for-production")
            .issue(AccessToken(sub: sub, role: role, scope: .city, iat: now, exp: now.addingTimeInterval(3600)))
    }

    /// A random spot anywhere in the accepted city box, so open cases of earlier runs are
    /// practically never within the duplicate radius.
    func randomSpot() -> (lon: Double, lat: Double) {
        let b = CityBounds(grids: Fixtures.reference.grids)
        return (Double.random(in: (b.min.lon + 0.005)...(b.max.lon - 0.005)), Double.random(in: (b.min.lat + 0.005)...(b.max.lat - 0.005)))
    }

    /// A random moment up to 650 days back: reports of different tests (and runs) fall in
    /// different duplicate windows, and stay inside the years the working calendar covers (from
    /// 2025; intake refuses earlier reports).
    func randomPast() -> Date { Date().addingTimeInterval(-Double.random(in: 2...650) * 86_400) }

    func report(lon: Double?, lat: Double?, classCode: String = "0502", description: String = "流浪乞讨人员", channel: String = "supervisor",
                reference: String? = nil, at: Date? = nil) -> Data {
        var body: [String: Any] = ["channel": channel, "kind": "event", "classCode": classCode, "description": description,
                                   "photos": ["https://img.example.org/a.jpg"], "reportedAt": RFC3339.format(at ?? randomPast())]
        var location: [String: Any] = ["address": "新华大街 1 号"]
        if let lon, let lat { location["longitude"] = lon; location["latitude"] = lat }
        body["location"] = location
        if let reference { body["channelReference"] = reference }
        return try! JSONSerialization.data(withJSONObject: body)
    }

    func post(_ intake: ServiceProcess, _ body: Data, key: String? = nil) async throws -> (Int, [String: Any]) {
        var headers = ["Authorization": "Bearer \(token())", "Content-Type": "application/json"]
        if let key { headers["Idempotency-Key"] = key }
        let (status, data) = try await intake.http("POST", "/api/v1/reports", body: data(body), headers: headers)
        return (status, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    private func data(_ d: Data) -> Data { d }

    /// A throwaway queue bound to `routingKey` on the events exchange, declared as admin.
    func eventTap(_ routingKey: String) async throws -> (AMQPConsumer, String) {
        let name = "test.intake.\(UUID().uuidString.lowercased())"
        let consumer = AMQPConsumer(
            endpoint: try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_ADMIN_URL")),
            topology: Topology(exchanges: [ExchangeSpec(name: MessagingNames.eventsExchange, kind: .topic)],
                               queues: [QueueSpec(name: name, quorum: false, bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: routingKey)])]),
            queue: name, prefetch: 100)
        try await consumer.connect()
        return (consumer, name)
    }

    func dropTap(_ tap: (AMQPConsumer, String)) async throws {
        await tap.0.close()
        let admin = try env.adminPublisher()
        try await admin.withConnection { try $0.delete(queue: tap.1) }
        await admin.disconnect()
    }

    /// Every distinct message (by message id) on the tap within `seconds` whose body mentions
    /// `needle`. Delivery is at-least-once (other suites may run an intake on the same database,
    /// whose relay can re-send a row), so consumers dedupe on the id and so does this count.
    func collect(_ consumer: AMQPConsumer, mentioning needle: String, seconds: Double = 4) async throws -> [Delivery] {
        var found: [Delivery] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let d = try await consumer.next(timeoutMilliseconds: 200) {
                if String(decoding: d.body, as: UTF8.self).lowercased().contains(needle.lowercased()),
                   !found.contains(where: { $0.messageId == d.messageId }) { found.append(d) }
                _ = try await consumer.ack(d)
            }
        }
        return found
    }

    func rows(_ sql: String, _ parameters: [any PGEncodable]) async throws -> [PGRow] {
        let pool = try env.adminPool()
        defer { Task { await pool.closeAll() } }
        return try await pool.withConnection { c in try c.query(sql, parameters).rows }
    }

    @Test("a native POST creates a case and publishes CaseReported in the same transaction")
    func nativePostPublishesCaseReported() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let tap = try await eventTap("intake.case.reported")
        let spot = randomSpot()
        let (status, body) = try await post(intake, report(lon: spot.lon, lat: spot.lat))
        #expect(status == 201)
        let caseId = try #require(body["caseId"] as? String)
        let number = try #require(body["caseNumber"] as? String)
        #expect(body["status"] as? String == "open")
        #expect(number.range(of: #"^\d{8}-\d{4,}$"#, options: .regularExpression) != nil)
        let events = try await collect(tap.0, mentioning: caseId)
        try await dropTap(tap)
        #expect(events.count == 1)
        let event = try MessageCoding.decoder().decode(Envelope<CaseReported>.self, from: Data(try #require(events.first).body))
        #expect(event.type == CaseReported.eventType)
        #expect(event.subject == caseId)
        #expect(event.data.caseNumber == number)
        #expect(event.data.channel == .supervisor)
        #expect(event.data.requiresVerification == false)
        #expect(event.data.reporterId == "sup-test")
        // A bare URL is a report photo; the message carries it typed.
        #expect(event.data.photos == [.report("https://img.example.org/a.jpg")])
        // The scoped read returns the case; an unknown id is 404.
        let (getStatus, getBody) = try await intake.http("GET", "/api/v1/reports/\(caseId)", headers: ["Authorization": "Bearer \(token())"])
        #expect(getStatus == 200)
        #expect(String(decoding: getBody, as: UTF8.self).contains(number))
        #expect(String(decoding: getBody, as: UTF8.self).contains(#""purpose":"report""#))
        let (missing, _) = try await intake.http("GET", "/api/v1/reports/\(UUID())", headers: ["Authorization": "Bearer \(token())"])
        #expect(missing == 404)
        let (unauthenticated, _) = try await intake.http("POST", "/api/v1/reports", body: report(lon: spot.lon, lat: spot.lat))
        #expect(unauthenticated == 401)
    }

    @Test("a retried POST with the same Idempotency-Key returns the same case and publishes one event")
    func idempotentRetry() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let tap = try await eventTap("intake.case.reported")
        let spot = randomSpot()
        let key = "retry-\(UUID())"
        let (first, a) = try await post(intake, report(lon: spot.lon, lat: spot.lat), key: key)
        let (second, b) = try await post(intake, report(lon: spot.lon, lat: spot.lat), key: key)
        #expect(first == 201)
        #expect(second == 200)
        let caseId = try #require(a["caseId"] as? String)
        #expect(b["caseId"] as? String == caseId)
        #expect(b["caseNumber"] as? String == a["caseNumber"] as? String)
        // The same channel reference without a key is the same report too.
        let reference = "ticket-\(UUID())"
        let other = randomSpot()
        let (r1, c) = try await post(intake, report(lon: other.lon, lat: other.lat, channel: "hotline_12345", reference: reference))
        let (r2, d) = try await post(intake, report(lon: other.lon, lat: other.lat, channel: "hotline_12345", reference: reference))
        #expect(r1 == 201 && r2 == 200)
        #expect(c["caseId"] as? String == d["caseId"] as? String)
        let events = try await collect(tap.0, mentioning: caseId)
        try await dropTap(tap)
        #expect(events.count == 1)
        #expect(try await rows("SELECT count(*) AS n FROM intake.reports WHERE idempotency_key = $1", [key]).first!.int("n") == 1)
    }

    @Test("validation errors list every invalid field")
    func validationListsAllFields() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let body = #"""
            {"channel":"fax","kind":"event","classCode":"9999","componentCode":"12","location":{"longitude":2.35},
             "description":"","photos":["ftp://example.org/x.jpg"],"reportedAt":"soon"}
            """#
        let (status, data) = try await intake.http("POST", "/api/v1/reports", body: Data(body.utf8),
                                                   headers: ["Authorization": "Bearer \(token())"])
        #expect(status == 422)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let error = try #require(json["error"] as? [String: Any])
        #expect(error["code"] as? String == "validation_failed")
        let fields = Set(((error["details"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["channel", "classCode", "componentCode", "location.latitude", "description", "photos[0]", "reportedAt"])
    }

    @Test("a report of the same class within the radius of an open case is linked and emits DuplicateLinked")
    func duplicateLinking() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let reported = try await eventTap("intake.case.reported")
        let linked = try await eventTap("intake.case.duplicate-linked")
        let spot = randomSpot()
        let at = randomPast()
        let (s1, first) = try await post(intake, report(lon: spot.lon, lat: spot.lat, at: at))
        // ≈ 20 m east, two hours later: a duplicate.
        let (s2, second) = try await post(intake, report(lon: spot.lon + 0.00024, lat: spot.lat, description: "又看到了", at: at + 7200))
        // Same place, another class: a case of its own.
        let (s3, third) = try await post(intake, report(lon: spot.lon, lat: spot.lat, classCode: "0101", at: at))
        // ≈ 170 m away: outside the default 50 m.
        let (s4, fourth) = try await post(intake, report(lon: spot.lon + 0.002, lat: spot.lat, at: at))
        // Same place, two days later: outside the 24 h window.
        let (s5, fifth) = try await post(intake, report(lon: spot.lon, lat: spot.lat, at: at + 2 * 86_400))
        #expect(s5 == 201)
        #expect(fifth["status"] as? String == "open")
        #expect([s1, s2, s3, s4] as [Int] == [201, 201, 201, 201] as [Int])
        let originalId = try #require(first["caseId"] as? String)
        let duplicateId = try #require(second["caseId"] as? String)
        #expect(second["status"] as? String == "linked")
        #expect(second["duplicateOf"] as? String == originalId)
        #expect(third["status"] as? String == "open")
        #expect(fourth["status"] as? String == "open")
        let linkEvents = try await collect(linked.0, mentioning: duplicateId)
        let reportedForDuplicate = try await collect(reported.0, mentioning: duplicateId, seconds: 1)
        try await dropTap(reported)
        try await dropTap(linked)
        #expect(linkEvents.count == 1)
        #expect(reportedForDuplicate.isEmpty)
        let event = try MessageCoding.decoder().decode(Envelope<DuplicateLinked>.self, from: Data(try #require(linkEvents.first).body))
        #expect(event.data.duplicateOf.uuidString.lowercased() == originalId)
        #expect((event.data.distanceMeters ?? 0) > 15 && (event.data.distanceMeters ?? 0) < 25)
        let row = try #require(try await rows("SELECT status, duplicate_of FROM intake.reports WHERE case_id = $1", [UUID(uuidString: duplicateId)!]).first)
        #expect(row["status"] == "linked")
        #expect(row["duplicate_of"] == originalId)
    }

    @Test("the duplicate radius is configurable")
    func duplicateRadiusConfigurable() async throws {
        let intake = try await startIntake(["CITYGRID_DUPLICATE_RADIUS_M": "500"])
        defer { intake.terminate() }
        let spot = randomSpot()
        let at = randomPast()
        let (_, first) = try await post(intake, report(lon: spot.lon, lat: spot.lat, classCode: "0101", at: at))
        let (_, second) = try await post(intake, report(lon: spot.lon + 0.002, lat: spot.lat, classCode: "0101", at: at))
        #expect(second["status"] as? String == "linked")
        #expect(second["duplicateOf"] as? String == first["caseId"] as? String)
    }

    func form(_ pairs: [(String, String)]) -> Data {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Data(pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&").utf8)
    }

    func open311Post(_ intake: ServiceProcess, _ pairs: [(String, String)], format: String = "json") async throws -> (Int, String) {
        let (status, data) = try await intake.http("POST", "/open311/v2/requests.\(format)", body: form(pairs),
                                                   headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"])
        return (status, String(decoding: data, as: UTF8.self))
    }

    @Test("Open311: POST a form, then read it back as JSON and XML; services and definitions in both formats")
    func open311RoundTrip() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let tap = try await eventTap("intake.case.reported")
        let spot = randomSpot()
        let (status, body) = try await open311Post(intake, [
            ("api_key", "demo-open311-key"), ("service_code", "event-0502"), ("lat", String(spot.lat)), ("long", String(spot.lon)),
            ("description", "路口有人乞讨 & 占道"), ("media_url", "https://img.example.org/p.jpg"), ("email", "a@example.org"),
            ("first_name", "Li"), ("attribute[condition]", "0502-01"),
        ])
        #expect(status == 201)
        let created = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
        let id = try #require(created.first?["service_request_id"] as? String)
        let events = try await collect(tap.0, mentioning: "\"caseNumber\":\"\(id)\"")
        try await dropTap(tap)
        #expect(events.count == 1)
        let event = try MessageCoding.decoder().decode(Envelope<CaseReported>.self, from: Data(try #require(events.first).body))
        #expect(event.data.channel == .open311)
        #expect(event.data.requiresVerification)
        #expect(event.data.conditionId == "0502-01")

        let (jsonStatus, jsonData) = try await intake.http("GET", "/open311/v2/requests/\(id).json")
        #expect(jsonStatus == 200)
        let one = try #require(try JSONSerialization.jsonObject(with: jsonData) as? [[String: Any]])
        #expect(one.count == 1)
        #expect(one.first?["service_request_id"] as? String == id)
        #expect(one.first?["status"] as? String == "open")
        #expect(one.first?["service_code"] as? String == "event-0502")
        #expect(one.first?["description"] as? String == "路口有人乞讨 & 占道")
        #expect(((one.first?["requested_datetime"] as? String) ?? "").hasSuffix("Z"))

        let (xmlStatus, xmlData) = try await intake.http("GET", "/open311/v2/requests/\(id).xml")
        let xml = String(decoding: xmlData, as: UTF8.self)
        #expect(xmlStatus == 200)
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>"))
        #expect(xml.contains("<service_requests><request><service_request_id>\(id)</service_request_id><status>open</status>"))
        #expect(xml.contains("<description>路口有人乞讨 &amp; 占道</description>"))

        let (listStatus, listData) = try await intake.http("GET", "/open311/v2/requests.json?service_request_id=\(id),nope")
        #expect(listStatus == 200)
        #expect((try JSONSerialization.jsonObject(with: listData) as? [[String: Any]])?.count == 1)
        let (filtered, filteredData) = try await intake.http("GET", "/open311/v2/requests.xml?service_code=event-0502&status=open&page_size=5")
        #expect(filtered == 200)
        #expect(String(decoding: filteredData, as: UTF8.self).contains("<service_code>event-0502</service_code>"))
        let (closedOnly, closedData) = try await intake.http("GET", "/open311/v2/requests.json?status=closed&service_code=event-0502")
        #expect(closedOnly == 200)
        #expect(!String(decoding: closedData, as: UTF8.self).contains(id))

        let (servicesStatus, servicesData) = try await intake.http("GET", "/open311/v2/services.xml")
        #expect(servicesStatus == 200)
        #expect(String(decoding: servicesData, as: UTF8.self).contains("<service><service_code>component-0101</service_code>"))
        let (definitionStatus, definition) = try await intake.http("GET", "/open311/v2/services/event-0502.json")
        #expect(definitionStatus == 200)
        #expect(String(decoding: definition, as: UTF8.self).contains("singlevaluelist"))
        let (discoveryStatus, discovery) = try await intake.http("GET", "/open311/v2/discovery.xml")
        #expect(discoveryStatus == 200)
        #expect(String(decoding: discovery, as: UTF8.self).contains("<format>application/json</format>"))

        // The token issued for the request resolves to it.
        let token = try #require(try await rows("""
            SELECT t.token FROM intake.open311_tokens t JOIN intake.reports r USING (case_id) WHERE r.case_number = $1
            """, [id]).first?["token"])
        let (tokenStatus, tokenData) = try await intake.http("GET", "/open311/v2/tokens/\(token).json")
        #expect(tokenStatus == 200)
        #expect(String(decoding: tokenData, as: UTF8.self).contains(id))
    }

    @Test("Open311 errors use the spec's format: 403 key, 404 service, 400 missing location, in JSON and XML")
    func open311Errors() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let (noKey, noKeyBody) = try await open311Post(intake, [("service_code", "event-0502"), ("lat", "40.81"), ("long", "111.68")])
        #expect(noKey == 403)
        let errors = try #require(try JSONSerialization.jsonObject(with: Data(noKeyBody.utf8)) as? [[String: Any]])
        #expect(errors.first?["code"] as? Int == 403)
        #expect(errors.first?["description"] is String)
        let (badKey, badKeyXML) = try await open311Post(intake, [("api_key", "nope"), ("service_code", "event-0502")], format: "xml")
        #expect(badKey == 403)
        #expect(badKeyXML.contains("<errors><error><code>403</code><description>"))
        let (unknown, unknownBody) = try await open311Post(intake, [("api_key", "demo-open311-key"), ("service_code", "event-9999"), ("lat", "40.81"), ("long", "111.68")])
        #expect(unknown == 404)
        #expect(unknownBody.contains("\"code\":404"))
        let (noPlace, noPlaceBody) = try await open311Post(intake, [("api_key", "demo-open311-key"), ("service_code", "event-0502"), ("description", "x")])
        #expect(noPlace == 400)
        #expect(noPlaceBody.contains("location"))
        let (outside, outsideBody) = try await open311Post(intake, [("api_key", "demo-open311-key"), ("service_code", "event-0502"),
                                                                    ("lat", "48.85"), ("long", "2.35"), ("media_url", "ftp://x")])
        #expect(outside == 400)
        let outsideErrors = try #require(try JSONSerialization.jsonObject(with: Data(outsideBody.utf8)) as? [[String: Any]])
        #expect(outsideErrors.count == 2)
        let (missing, missingXML) = try await intake.http("GET", "/open311/v2/requests/19990101-0001.xml")
        #expect(missing == 404)
        #expect(String(decoding: missingXML, as: UTF8.self).contains("<error><code>404</code>"))
        let (badDate, _) = try await intake.http("GET", "/open311/v2/requests.json?start_date=yesterday")
        #expect(badDate == 400)
        let (span, _) = try await intake.http("GET", "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
        #expect(span == 400)
    }

    @Test("the georeport Python client lists services and requests and reads one request in JSON and XML")
    func georeportPythonClient() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let spot = randomSpot()
        let (status, body) = try await open311Post(intake, [
            ("api_key", "demo-open311-key"), ("service_code", "event-0502"), ("lat", String(spot.lat)), ("long", String(spot.lon)),
            ("description", "python client check"),
        ])
        #expect(status == 201)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])?.first?["service_request_id"] as? String)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("open311_client_check.py").path
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", script, "http://127.0.0.1:\(intake.port)/open311/v2", id]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = output
        try python.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "open311_client_check.py failed:\n\(text)")
    }

    func publishInbound(_ report: HotlineReport, id: UUID = UUID()) async throws -> PublishOutcome {
        let envelope = Envelope(id: id, type: HotlineReport.eventType, source: "/hotline/12345", time: Date(), subject: report.channelReference,
                                data: report)
        return try await publishInboundRaw(String(decoding: try MessageCoding.encoder().encode(envelope), as: UTF8.self),
                                           routingKey: report.routingKey, id: id)
    }

    func publishInboundRaw(_ body: String, routingKey: String, id: UUID = UUID()) async throws -> PublishOutcome {
        let publisher = try env.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(
            exchange: MessagingNames.inboundExchange, routingKey: routingKey, messageId: id.uuidString.lowercased(),
            type: HotlineReport.eventType, body: Array(body.utf8))])
        await publisher.disconnect()
        return outcome[0]
    }

    @Test("a hotline report on the inbound exchange becomes a case, once, even when sent twice")
    func hotlineInbound() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let tap = try await eventTap("intake.case.reported")
        let spot = randomSpot()
        let reference = "12345-\(UUID())"
        let report = HotlineReport(channel: .hotline12345, channelReference: reference, reporterContact: "138****0000", kind: .event,
                                   classCode: "0502", location: ReportedLocation(longitude: spot.lon, latitude: spot.lat, address: "新华大街"),
                                   description: "市民来电：路口有人乞讨", reportedAt: randomPast(), handledAtIntake: false)
        #expect(try await publishInbound(report) == .confirmed)
        // The platform re-sends the same ticket under a new message id: still one case.
        #expect(try await publishInbound(report) == .confirmed)
        var police = report
        police.channel = .police110
        police.channelReference = "110-\(UUID())"
        police.location = ReportedLocation(address: "公安联动：新华广场")
        #expect(try await publishInbound(police) == .confirmed)
        try await eventually("hotline case stored") {
            try await rows("SELECT 1 FROM intake.reports WHERE channel = 'hotline_12345' AND channel_reference = $1", [reference]).count == 1
        }
        try await eventually("110 case stored") {
            try await rows("SELECT 1 FROM intake.reports WHERE channel = 'police_110' AND channel_reference = $1", [police.channelReference!]).count == 1
        }
        let events = try await collect(tap.0, mentioning: reference)
        try await dropTap(tap)
        #expect(events.count == 1)
        let event = try MessageCoding.decoder().decode(Envelope<CaseReported>.self, from: Data(try #require(events.first).body))
        #expect(event.data.channel == .hotline12345)
        #expect(event.data.requiresVerification)
        #expect(try await rows("SELECT 1 FROM intake.reports WHERE channel_reference = $1", [reference]).count == 1)
    }

    @Test("an invalid inbound report is dead-lettered with every problem in the reason")
    func invalidInboundIsDeadLettered() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let dlq = AMQPConsumer(endpoint: try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_ADMIN_URL")),
                               topology: Topology(), queue: "intake.inbound.dlq", prefetch: 20)
        try await dlq.connect()
        while let old = try await dlq.next(timeoutMilliseconds: 300) { _ = try await dlq.ack(old) }
        let reference = "bad-\(UUID())"
        let bad = HotlineReport(channel: .app, channelReference: reference, kind: .event, classCode: "9999",
                                location: ReportedLocation(longitude: 2.35, latitude: 48.85), description: " ")
        #expect(try await publishInbound(bad) == .confirmed)
        #expect(try await publishInboundRaw("{not json", routingKey: "hotline.12319.report") == .confirmed)
        var reasons: [String] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while reasons.count < 2 && ContinuousClock.now < deadline {
            if let d = try await dlq.next(timeoutMilliseconds: 500) {
                reasons.append(d.headers[MessagingNames.deadLetterReasonHeader] ?? "(no reason)")
                _ = try await dlq.ack(d)
            }
        }
        await dlq.close()
        let ours = try #require(reasons.first { $0.contains("classCode") })
        #expect(ours.contains("channel"))
        #expect(ours.contains("location"))
        #expect(ours.contains("description"))
        #expect(reasons.contains { $0.contains("undecodable envelope") })
        #expect(try await rows("SELECT 1 FROM intake.reports WHERE channel_reference = $1", [reference]).isEmpty)
    }

    @Test("case numbers are gap-free per city-day under concurrent submissions")
    func caseNumbersGapFree() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    let spot = randomSpot()
                    let (_, body) = try await post(intake, report(lon: spot.lon, lat: spot.lat, classCode: "0101"))
                    return body["caseNumber"] as? String
                }
            }
            var out: [String] = []
            for try await n in group { if let n { out.append(n) } }
            return out
        }
        #expect(numbers.count == 12)
        let days = Set(numbers.map { $0.prefix(8) })
        if days.count == 1 {
            let sequence = numbers.compactMap { Int($0.dropFirst(9)) }.sorted()
            #expect(sequence.last! - sequence.first! == 11, "numbers \(sequence) should be consecutive")
        }
    }

    @Test("a terminal supervision transition closes the case and its linked duplicates in Open311")
    func supervisionClosesCase() async throws {
        // Supervisors' reports are not public by default; this city publishes them.
        let intake = try await startIntake(["CITYGRID_OPEN311_PUBLIC_CHANNELS": "open311,app,supervisor"])
        defer { intake.terminate() }
        let spot = randomSpot()
        let at = randomPast()
        let (_, first) = try await post(intake, report(lon: spot.lon, lat: spot.lat, at: at))
        let (_, second) = try await post(intake, report(lon: spot.lon + 0.0001, lat: spot.lat, at: at))
        let caseId = try #require(first["caseId"] as? String).lowercased()
        let number = try #require(first["caseNumber"] as? String)
        let duplicateNumber = try #require(second["caseNumber"] as? String)
        #expect(second["status"] as? String == "linked")
        try await transition(caseId, number: number, sequence: 9, .close, from: .awaitingClose, to: .closed, at: Date())
        try await eventually("case closed in Open311") {
            let (_, data) = try await intake.http("GET", "/open311/v2/requests.json?service_request_id=\(number),\(duplicateNumber)&status=closed")
            let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            return list.count == 2 && list.allSatisfy { $0["status"] as? String == "closed" }
        }
        let (_, xml) = try await intake.http("GET", "/open311/v2/requests/\(number).xml")
        #expect(String(decoding: xml, as: UTF8.self).contains("<status>closed</status>"))

        // A return visit's 不满意 reopens the case (重办): it is open again, and closed again after.
        let closedAt = Date()
        try await transition(caseId, number: number, sequence: 11, .reopen, from: .closed, to: .inHandling, reason: "又堆起来了",
                             at: closedAt.addingTimeInterval(60))
        try await eventually("case open again in Open311") {
            let (_, data) = try await intake.http("GET", "/open311/v2/requests.json?service_request_id=\(number),\(duplicateNumber)&status=open")
            let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            return list.count == 2
        }
        try await transition(caseId, number: number, sequence: 19, .close, from: .awaitingClose, to: .closed, at: closedAt.addingTimeInterval(120))
        try await eventually("case closed again in Open311") {
            let (_, data) = try await intake.http("GET", "/open311/v2/requests.json?service_request_id=\(number)&status=closed")
            return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []).count == 1
        }
    }

    /// Publishes a supervision transition of `caseId` as supervision would.
    func transition(_ caseId: String, number: String, sequence: Int, _ action: CaseAction, from: CaseState, to: CaseState,
                    reason: String? = nil, at: Date) async throws {
        let entry = TimelineEntry(caseId: UUID(uuidString: caseId)!, sequence: sequence, action: action, from: from, to: to,
                                  actorId: "staff-1", actorRole: .shiftLeader, actorDepartment: nil, at: at, department: nil,
                                  reason: reason, details: [:], stoppedClock: nil, startedClock: nil)
        let event = CaseTransitioned(entry: entry, caseNumber: number, channel: .open311, kind: .event, classCode: "0502",
                                     gridCode: nil, reporterId: nil)
        let id = UUID()
        let envelope = Envelope(id: id, type: CaseTransitioned.eventType, source: "/citygrid/supervision", time: Date(), subject: caseId, data: event)
        let publisher = try env.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(
            exchange: MessagingNames.eventsExchange, routingKey: event.routingKey, messageId: id.uuidString.lowercased(),
            type: CaseTransitioned.eventType, body: Array(try MessageCoding.encoder().encode(envelope)))])
        await publisher.disconnect()
        #expect(outcome.first == .confirmed)
    }

    @Test("Open311 discloses public channels only: 110 and 12345 reports are absent; phone numbers are masked; notes follow the case")
    func open311Disclosure() async throws {
        let intake = try await startIntake()
        defer { intake.terminate() }
        // A 110 and a 12345 report, through the native API as the linkage adapters send them.
        var hidden: [String] = []
        for channel in ["police_110", "hotline_12345"] {
            let spot = randomSpot()
            let (status, body) = try await post(intake, report(lon: spot.lon, lat: spot.lat, description: "来电人王小明 13912345678 反映占道",
                                                               channel: channel, reference: "T-\(UUID().uuidString.prefix(8))"))
            #expect(status == 201)
            hidden.append(try #require(body["caseNumber"] as? String))
        }
        // A public report whose description gives a phone number.
        let spot = randomSpot()
        let (status, created) = try await open311Post(intake, [
            ("api_key", "demo-open311-key"), ("service_code", "event-0502"), ("lat", String(spot.lat)), ("long", String(spot.lon)),
            ("description", "路口占道经营，我叫赵大勇，电话 18600001111"), ("phone", "18600001111"),
        ])
        #expect(status == 201)
        let number = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [[String: Any]])?.first?["service_request_id"] as? String)

        for id in hidden {
            for format in ["json", "xml"] {
                let (one, _) = try await intake.http("GET", "/open311/v2/requests/\(id).\(format)")
                #expect(one == 404, "\(id).\(format) must not exist publicly")
            }
        }
        let (_, byIds) = try await intake.http("GET", "/open311/v2/requests.json?service_request_id=\(hidden.joined(separator: ",")),\(number)")
        let listed = (try JSONSerialization.jsonObject(with: byIds) as? [[String: Any]] ?? []).compactMap { $0["service_request_id"] as? String }
        #expect(listed == [number])
        let (_, all) = try await intake.http("GET", "/open311/v2/requests.json?service_code=event-0502")
        let text = String(decoding: all, as: UTF8.self)
        #expect(hidden.allSatisfy { !text.contains($0) })
        #expect(!text.contains("13912345678") && !text.contains("18600001111") && !text.contains("赵大勇"))

        func current() async throws -> [String: Any] {
            let (_, data) = try await intake.http("GET", "/open311/v2/requests/\(number).json")
            return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]])?.first ?? [:]
        }
        let first = try await current()
        #expect(first["description"] as? String == "路口占道经营，我叫赵**，电话 186****1111")
        #expect(first["phone"] == nil && first["email"] == nil && first["first_name"] == nil)
        let caseId = try #require(try await rows("SELECT case_id::text AS id FROM intake.reports WHERE case_number = $1", [number]).first?.string("id"))

        // Each change of state moves updated_datetime and the note; a refusal ends it with the reason.
        let requested = try #require(RFC3339.parse(first["requested_datetime"] as? String ?? ""))
        try await transition(caseId, number: number, sequence: 2, .dispatch, from: .awaitingDispatch, to: .inHandling,
                             at: requested.addingTimeInterval(3600))
        try await eventually("the note follows the dispatch") { try await current()["status_notes"] as? String == "已派遣至处置部门，正在处置。" }
        let dispatched = try await current()
        #expect(RFC3339.parse(dispatched["updated_datetime"] as? String ?? "") == requested.addingTimeInterval(3600))
        try await transition(caseId, number: number, sequence: 3, .void, from: .inHandling, to: .voided,
                             reason: "经核实为私人场所，联系 18600001111", at: requested.addingTimeInterval(7200))
        try await eventually("the case ends with its reason") { try await current()["status"] as? String == "closed" }
        let ended = try await current()
        #expect(ended["status_notes"] as? String == "已作废（经核实为私人场所，联系 186****1111）。")
        #expect(RFC3339.parse(ended["updated_datetime"] as? String ?? "") == requested.addingTimeInterval(7200))
    }

    @Test("the reporter looks up their case by number and phone suffix; wrong suffixes are throttled; 12345 reports too")
    func statusLookup() async throws {
        let intake = try await startIntake(["CITYGRID_STATUS_LOOKUP_FAILURES_PER_CASE": "3"])
        defer { intake.terminate() }
        let spot = randomSpot()
        let (status, created) = try await open311Post(intake, [
            ("api_key", "demo-open311-key"), ("service_code", "event-0502"), ("lat", String(spot.lat)), ("long", String(spot.lon)),
            ("description", "占道经营"), ("phone", "139 0000 4321"),
        ])
        #expect(status == 201)
        let receipt = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [[String: Any]])?.first)
        let number = try #require(receipt["service_request_id"] as? String)
        #expect((receipt["service_notice"] as? String)?.contains("手机号后四位") == true)

        func lookup(_ caseNumber: String, _ suffix: String) async throws -> (Int, [String: Any]) {
            let body = Data(#"{"caseNumber":"\#(caseNumber)","phoneLast4":"\#(suffix)"}"#.utf8)
            let (code, data) = try await intake.http("POST", "/api/v1/status-lookup", body: body, headers: ["Content-Type": "application/json"])
            return (code, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
        }
        let (ok, answer) = try await lookup(number, "4321")
        #expect(ok == 200)
        #expect(answer["caseNumber"] as? String == number && answer["status"] as? String == "open")
        #expect(answer["statusNote"] as? String == "已收到，等待受理。")
        #expect(answer["description"] == nil && answer["reporterContact"] == nil)

        // A wrong suffix and an unknown number look alike; after three failures the number is held.
        let (wrong, wrongBody) = try await lookup(number, "1234")
        let (unknown, unknownBody) = try await lookup("19990101-0001", "4321")
        #expect(wrong == 404 && unknown == 404)
        #expect((wrongBody["error"] as? [String: Any])?["message"] as? String == (unknownBody["error"] as? [String: Any])?["message"] as? String)
        _ = try await lookup(number, "0000")
        _ = try await lookup(number, "1111")
        let (held, heldBody) = try await lookup(number, "4321")
        #expect(held == 429, "held even with the right suffix")
        #expect((heldBody["error"] as? [String: Any])?["code"] as? String == "too_many_attempts")
        let (bad, badBody) = try await lookup("x", "12")
        #expect(bad == 422)
        #expect(((badBody["error"] as? [String: Any])?["details"] as? [[String: Any]])?.count == 2)

        // A hotline caller is not public in Open311, but finds their own case here.
        var body = try JSONSerialization.jsonObject(with: report(lon: spot.lon + 0.01, lat: spot.lat, channel: "hotline_12345",
                                                                 reference: "T-\(UUID().uuidString.prefix(8))")) as! [String: Any]
        body["reporterContact"] = "刘女士 15800008765"
        let (hotline, hotlineBody) = try await post(intake, try JSONSerialization.data(withJSONObject: body))
        #expect(hotline == 201)
        let hotlineNumber = try #require(hotlineBody["caseNumber"] as? String)
        let (found, _) = try await lookup(hotlineNumber, "8765")
        #expect(found == 200)
    }
}
