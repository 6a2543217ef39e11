import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// Declared coordinate systems through the real intake and grid-routing binaries (real RabbitMQ
/// and PostgreSQL, a scratch database and vhost of their own): intake converts a report's point to
/// WGS84 before anything else, so a GCJ-02 point from a Chinese map lands in the grid of its WGS84
/// twin, while the same numbers taken as WGS84 land about 590 m away in another grid.
@Suite("Coordinate systems: GCJ-02 and BD-09 reports land in their WGS84 twin's grid (real intake and grid-routing)", .serialized)
struct CoordinateSystemRoutingTests {
    static let secret = "coordinate-system-tests-secret"
    let env = TestEnvironment()

    /// The centroid of unit grid 150105001004004 (赛罕区) …
    static let twin = GeoPoint(lon: 111.683779, lat: 40.816827)
    /// … as a 高德-based app shows it, rounded to six decimals as apps send it (the grid of these
    /// numbers read as WGS84 is 150105002001004, in another street) …
    static let gcj = GeoPoint(lon: 111.690593, lat: 40.81818)
    /// … and as Baidu Maps shows it.
    static let bd = CoordinateSystem.bd09.fromWGS84(twin)
    static let twinGrid = "150105001004004"
    static let uncorrectedGrid = "150105002001004"

    func token() -> String {
        TokenAuthority(secret: Self.secret).issue(AccessToken(sub: "sup-coords", role: .supervisor, scope: .city,
                                                              iat: Date().addingTimeInterval(-60), exp: Date().addingTimeInterval(3600)))
    }

    /// A native report at `point`, of its own event class so that no two of them are duplicates.
    func post(_ intake: ServiceProcess, channel: String, classCode: String, point: GeoPoint, system: String?) async throws -> [String: Any] {
        var body: [String: Any] = ["channel": channel, "kind": "event", "classCode": classCode, "description": "坐标测试 \(classCode)",
                                   "location": ["longitude": point.lon, "latitude": point.lat],
                                   "reportedAt": RFC3339.format(Date().addingTimeInterval(-300))]
        if let system { body["coordinateSystem"] = system }
        let (status, data) = try await intake.http("POST", "/api/v1/reports", body: try JSONSerialization.data(withJSONObject: body),
                                                   headers: ["Authorization": "Bearer \(token())", "Content-Type": "application/json"])
        let answer = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        #expect(status == 201, "\(channel) \(classCode) \(system ?? "-"): \(status) \(answer)")
        return answer
    }

    func open311(_ intake: ServiceProcess, _ pairs: [(String, String)]) async throws -> (Int, String) {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let form = pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        let (status, data) = try await intake.http("POST", "/open311/v2/requests.json", body: Data(form.utf8),
                                                   headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"])
        return (status, String(decoding: data, as: UTF8.self))
    }

    func publishInbound(_ report: HotlineReport, on scratch: ScratchEnvironment) async throws {
        let envelope = Envelope(type: HotlineReport.eventType, source: "/hotline/12345", time: Date(), subject: report.channelReference,
                                data: report)
        let publisher = try scratch.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(
            exchange: MessagingNames.inboundExchange, routingKey: report.routingKey, messageId: envelope.id.uuidString.lowercased(),
            type: HotlineReport.eventType, body: Array(try MessageCoding.encoder().encode(envelope)))])
        await publisher.disconnect()
        #expect(outcome == [.confirmed])
    }

    func caseId(_ scratch: ScratchEnvironment, where condition: String, _ value: String) async throws -> UUID? {
        let pool = try scratch.adminPool()
        defer { Task { await pool.closeAll() } }
        return try await pool.withConnection { c in
            try c.query("SELECT case_id FROM intake.reports WHERE \(condition) = $1", [value]).rows.first.map { try $0.uuid("case_id") }
        }
    }

    /// Everything intake and grid-routing publish on the events exchange, by subject and routing key.
    final class Tap: @unchecked Sendable {
        let consumer: AMQPConsumer
        private(set) var seen: [String: [String: Data]] = [:]

        init(_ scratch: ScratchEnvironment) async throws {
            let admin = try scratch.adminPublisher()
            try await admin.withConnection { connection in
                try connection.declare(Topology(queues: [
                    QueueSpec(name: "test.coordinates.events", quorum: false, bindings: [
                        .init(exchange: MessagingNames.eventsExchange, routingKey: "intake.#"),
                        .init(exchange: MessagingNames.eventsExchange, routingKey: CaseLocated.routingKey),
                        .init(exchange: MessagingNames.eventsExchange, routingKey: "routing.case.manual-dispatch-required"),
                    ]),
                    // The 12345 ticket's 签收 notice: taken here so that it is not left unroutable in intake's outbox.
                    QueueSpec(name: "test.coordinates.outbound", quorum: false, bindings: [.init(exchange: MessagingNames.outboundExchange, routingKey: "#")]),
                ]))
            }
            await admin.disconnect()
            consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try scratch.amqpURL("ADMIN")), topology: Topology(),
                                    queue: "test.coordinates.events", prefetch: 100)
            try await consumer.connect()
        }

        /// The message published under `routingKey` about `caseId`, waiting for it.
        func message<T: Codable & Sendable>(_ type: T.Type, _ routingKey: String, caseId: UUID, timeout: Duration = .seconds(40)) async throws -> T {
            let subject = caseId.uuidString.lowercased()
            let deadline = ContinuousClock.now + timeout
            while seen[subject]?[routingKey] == nil && ContinuousClock.now < deadline {
                guard let delivery = try await consumer.next(timeoutMilliseconds: 300) else { continue }
                _ = try await consumer.ack(delivery)
                guard let object = try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any],
                      let subject = object["subject"] as? String else { continue }
                seen[subject.lowercased(), default: [:]][delivery.routingKey] = Data(delivery.body)
            }
            guard let body = seen[subject]?[routingKey] else { throw TestSetupError("no \(routingKey) about \(subject) within \(timeout)") }
            return try MessageCoding.decoder().decode(Envelope<T>.self, from: body).data
        }
    }

    func near(_ a: GeoPoint, _ b: GeoPoint, within degrees: Double = 2e-6) -> Bool {
        abs(a.lon - b.lon) < degrees && abs(a.lat - b.lat) < degrees
    }

    @Test("GCJ-02 (app default, declared, Open311) and BD-09 (12345) reports land in the WGS84 twin's grid; the same GCJ-02 numbers as WGS84 do not")
    func twinsShareAGrid() async throws {
        let scratch = try await ScratchEnvironment.recreate("coordinate_systems")
        let tap = try await Tap(scratch)
        defer { Task { await tap.consumer.close() } }
        var services: [ServiceProcess] = []
        defer { services.forEach { $0.terminate() } }
        for (product, user) in [("intake", "INTAKE"), ("grid-routing", "ROUTING")] {
            services.append(try ServiceProcess(executable: env.binDirectory + "/" + product, port: testPort(), environment: [
                "CITYGRID_DB_URL": try scratch.databaseURL(user),
                "CITYGRID_AMQP_URL": try scratch.amqpURL(user),
                "CITYGRID_TOKEN_SECRET": Self.secret,
                "CITYGRID_REFERENCE_DATA": Fixtures.referencePath,
            ]))
        }
        for service in services { try await service.waitUntilReady(timeout: .seconds(90)) }
        let intake = services[0]

        // Six reports of one place, each of its own class (duplicates come last): WGS84, GCJ-02 three ways, BD-09, uncorrected.
        let wgs = try await post(intake, channel: "supervisor", classCode: "0101", point: Self.twin, system: nil)
        let appDefault = try await post(intake, channel: "app", classCode: "0102", point: Self.gcj, system: nil)
        let declared = try await post(intake, channel: "supervisor", classCode: "0103", point: Self.gcj, system: "GCJ-02")
        let uncorrected = try await post(intake, channel: "supervisor", classCode: "0104", point: Self.gcj, system: "wgs84")
        let (open311Status, open311Body) = try await open311(intake, [
            ("api_key", "demo-open311-key"), ("service_code", "event-0105"), ("lat", "40.81818"), ("long", "111.690593"),
            ("coordinate_system", "gcj02"), ("description", "坐标测试 0105"),
        ])
        #expect(open311Status == 201, "\(open311Body)")
        let ticket = "12345-coords-\(UUID().uuidString.prefix(8))"
        try await publishInbound(HotlineReport(channel: .hotline12345, channelReference: ticket, kind: .event, classCode: "0106",
                                               location: ReportedLocation(longitude: Self.bd.lon, latitude: Self.bd.lat),
                                               description: "坐标测试 0106", reportedAt: Date().addingTimeInterval(-300),
                                               coordinateSystem: "bd09"), on: scratch)

        func id(_ answer: [String: Any]) throws -> UUID { try #require((answer["caseId"] as? String).flatMap(UUID.init(uuidString:))) }
        let created = try #require(try JSONSerialization.jsonObject(with: Data(open311Body.utf8)) as? [[String: Any]])
        let number = try #require(created.first?["service_request_id"] as? String)
        var open311Id: UUID?
        try await eventually("the Open311 request is stored") {
            open311Id = try await caseId(scratch, where: "case_number", number)
            return open311Id != nil
        }
        var ticketId: UUID?
        try await eventually("the 12345 ticket is stored") {
            ticketId = try await caseId(scratch, where: "channel_reference", ticket)
            return ticketId != nil
        }
        let twins: [(String, UUID, CoordinateSystem)] = [
            ("WGS84 supervisor", try id(wgs), .wgs84), ("app default GCJ-02", try id(appDefault), .gcj02),
            ("declared GCJ-02", try id(declared), .gcj02), ("Open311 coordinate_system=gcj02", try #require(open311Id), .gcj02),
            ("12345 bd09", try #require(ticketId), .bd09),
        ]
        for (what, caseId, system) in twins {
            let located = try await tap.message(CaseLocated.self, CaseLocated.routingKey, caseId: caseId)
            #expect(located.gridCode == Self.twinGrid, "\(what)")
            #expect(located.method == .coordinates, "\(what)")
            let reported = try await tap.message(CaseReported.self, CaseReported.routingKey, caseId: caseId)
            let point = GeoPoint(lon: try #require(reported.location.longitude), lat: try #require(reported.location.latitude))
            #expect(near(point, Self.twin), "\(what): \(point)")
            #expect(reported.originalLocation?.system == system, "\(what)")
        }
        // The uncorrected GCJ-02 numbers: another grid, in another street.
        let wrong = try await tap.message(CaseLocated.self, CaseLocated.routingKey, caseId: try id(uncorrected))
        #expect(wrong.gridCode == Self.uncorrectedGrid)
        #expect(wrong.streetCode != String(Self.twinGrid.prefix(9)))

        // The app's report keeps what was sent: in the message, the stored row and the native API.
        let appId = try id(appDefault)
        let reported = try await tap.message(CaseReported.self, CaseReported.routingKey, caseId: appId)
        #expect(reported.originalLocation == OriginalLocation(longitude: Self.gcj.lon, latitude: Self.gcj.lat, system: .gcj02))
        let pool = try scratch.adminPool()
        let row = try await pool.withConnection { c in
            try c.query("SELECT lon, lat, original_lon, original_lat, coordinate_system FROM intake.reports WHERE case_id = $1", [appId]).rows.first
        }
        await pool.closeAll()
        let stored = try #require(row)
        #expect(try stored.double("original_lon") == Self.gcj.lon && stored.double("original_lat") == Self.gcj.lat)
        #expect(try stored.string("coordinate_system") == "gcj02")
        #expect(near(GeoPoint(lon: try stored.double("lon"), lat: try stored.double("lat")), Self.twin))
        let (readStatus, readData) = try await intake.http("GET", "/api/v1/reports/\(appId.uuidString.lowercased())",
                                                           headers: ["Authorization": "Bearer \(token())"])
        #expect(readStatus == 200)
        let view = (try? JSONSerialization.jsonObject(with: readData) as? [String: Any]) ?? [:]
        let original = view["originalLocation"] as? [String: Any]
        #expect(original?["system"] as? String == "gcj02" && original?["longitude"] as? Double == Self.gcj.lon, "\(view)")

        // Duplicate linking measures converted points: a GCJ-02 repeat of the WGS84 report is linked to it,
        // within a metre; the uncorrected numbers, 590 m off, would not have been.
        let repeatReport = try await post(intake, channel: "app", classCode: "0101", point: Self.gcj, system: nil)
        #expect(repeatReport["status"] as? String == "linked" && repeatReport["duplicateOf"] as? String == wgs["caseId"] as? String,
                "\(repeatReport)")
        let linked = try await tap.message(DuplicateLinked.self, DuplicateLinked.routingKey, caseId: try id(wgs))
        #expect((linked.distanceMeters ?? .infinity) < 1, "\(String(describing: linked.distanceMeters)) m")

        // An unknown system: 400 on Open311 naming coordinate_system, a dead letter with the reason on the inbound queue.
        let (badStatus, badBody) = try await open311(intake, [
            ("api_key", "demo-open311-key"), ("service_code", "event-0105"), ("lat", "40.81818"), ("long", "111.690593"),
            ("coordinate_system", "mars"),
        ])
        #expect(badStatus == 400 && badBody.contains("coordinate_system: 'mars' is not a coordinate system here"), "\(badBody)")
        let dlq = AMQPConsumer(endpoint: try AMQPEndpoint(url: try scratch.amqpURL("ADMIN")), topology: Topology(),
                               queue: "intake.inbound.dlq", prefetch: 10)
        try await dlq.connect()
        let badTicket = "12345-mars-\(UUID().uuidString.prefix(8))"
        try await publishInbound(HotlineReport(channel: .hotline12345, channelReference: badTicket, kind: .event, classCode: "0106",
                                               location: ReportedLocation(longitude: Self.gcj.lon, latitude: Self.gcj.lat),
                                               description: "坐标测试", coordinateSystem: "mars"), on: scratch)
        var reason: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while reason == nil && ContinuousClock.now < deadline {
            if let letter = try await dlq.next(timeoutMilliseconds: 500) {
                _ = try await dlq.ack(letter)
                reason = letter.headers[MessagingNames.deadLetterReasonHeader]
            }
        }
        await dlq.close()
        #expect(reason?.contains("coordinateSystem: 'mars' is not a coordinate system here") == true, "\(reason ?? "no dead letter")")
        #expect(try await caseId(scratch, where: "channel_reference", badTicket) == nil)
    }
}
