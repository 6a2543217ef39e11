import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// A throwaway queue on the test vhost, declared and deleted with the admin connection.
final class EventListener: @unchecked Sendable {
    let queue = "test.routing.\(UUID().uuidString.lowercased())"
    let publisher: AMQPPublisher
    let consumer: AMQPConsumer

    init(env: TestEnvironment, routingKeys: [String]) async throws {
        publisher = try env.adminPublisher()
        let spec = QueueSpec(name: queue, quorum: false,
                             bindings: routingKeys.map { .init(exchange: MessagingNames.eventsExchange, routingKey: $0) })
        try await publisher.withConnection { try $0.declare(Topology(queues: [spec])) }
        consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_ADMIN_URL")), topology: Topology(),
                                queue: queue, name: "test-routing-listener")
        try await consumer.connect()
    }

    /// The first event of type `T` about `caseId`; other messages are acknowledged and skipped.
    func next<T: DomainEvent>(_ type: T.Type, caseId: UUID, timeout: Duration = .seconds(30),
                              where accept: (T) -> Bool = { _ in true }) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let delivery = try await consumer.next(timeoutMilliseconds: 500) else { continue }
            _ = try await consumer.ack(delivery)
            guard delivery.type == T.eventType,
                  let envelope = try? MessageCoding.decoder().decode(Envelope<T>.self, from: Data(delivery.body)),
                  envelope.subject == caseId.uuidString.lowercased(), accept(envelope.data)
            else { continue }
            return envelope.data
        }
        throw TestSetupError("no \(T.eventType) for case \(caseId) on \(queue) within \(timeout)")
    }

    /// Fails if an event of type `T` about `caseId` arrives within `window`.
    func expectNone<T: DomainEvent>(_ type: T.Type, caseId: UUID, window: Duration) async throws {
        let event = try? await next(type, caseId: caseId, timeout: window)
        #expect(event == nil, "unexpected \(T.eventType) for \(caseId)")
    }

    func close() async {
        await consumer.close()
        _ = try? await publisher.withConnection { [queue] in try $0.delete(queue: queue) }
        await publisher.disconnect()
    }
}

/// grid-routing as a real process on the test broker and database.
@Suite("grid-routing service (real broker and database)", .serialized)
struct GridRoutingIntegrationTests {
    let env = TestEnvironment()
    let secret = "grid-routing-test-secret-0123456789"
    var reference: ReferenceData { Reference.data }

    func startService() async throws -> ServiceProcess {
        let service = try ServiceProcess(executable: env.binDirectory + "/grid-routing", port: testPort(), environment: [
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_ROUTING"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_ROUTING"),
            "CITYGRID_REFERENCE_DATA": Reference.directory.path,
            "CITYGRID_TOKEN_SECRET": secret,
        ])
        try await service.waitUntilReady(timeout: .seconds(60))
        return service
    }

    func publish<E: DomainEvent>(_ event: E, caseId: UUID) async throws {
        let envelope = Envelope(type: E.eventType, source: "/citygrid/test", time: Date(), subject: caseId.uuidString.lowercased(), data: event)
        let body = try MessageCoding.encoder().encode(envelope)
        let publisher = try env.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: event.routingKey,
                                                                   messageId: envelope.id.uuidString.lowercased(), type: E.eventType,
                                                                   body: Array(body))])
        await publisher.disconnect()
        #expect(outcome == [.confirmed])
    }

    func report(_ labelled: LabelledReport, caseId: UUID = UUID(), useCoordinates: Bool = true) -> CaseReported {
        // A public-channel report needing verification, so a supervision service sharing the test
        // vhost does not file it on its own; filings come from the test only.
        CaseReported(caseId: caseId, caseNumber: "T-\(caseId.uuidString.prefix(8))", channel: .hotline12345, channelReference: nil,
                     reporterId: "test", reporterContact: nil, kind: labelled.classKey.kind, classCode: labelled.classKey.code,
                     conditionId: nil, componentCode: labelled.componentCode,
                     location: ReportedLocation(longitude: useCoordinates ? labelled.location?.lon : nil,
                                                latitude: useCoordinates ? labelled.location?.lat : nil, address: labelled.address),
                     description: labelled.description, photos: [.report("https://img.example/photo-1.jpg")], reportedAt: labelled.reportedAt, requiresVerification: true)
    }

    /// Supervision's filing: its decisions only (condition, limit for the grid's area class, excluded departments).
    func filing(for reported: CaseReported, gridCode: String, excluded: [String] = [], redispatch: Bool = false) throws -> (CaseFiled, TimeLimit) {
        let key = ClassKey(reported.kind, reported.classCode)
        let condition = try #require(reference.filingConditions(for: key).first)
        let area = try #require(reference.grid(gridCode)).areaClass
        let limit = condition.limit(for: area)
        return (CaseFiled(caseId: reported.caseId, caseNumber: reported.caseNumber, conditionId: condition.id, handlingLimit: limit,
                          filedAt: Date(), excludedDepartments: excluded, redispatch: redispatch ? true : nil), limit)
    }

    /// A labelled GPS event report routed to a street office (so a second candidate exists).
    func gpsStreetEvent() throws -> LabelledReport {
        try #require(reference.labelledReports.first {
            $0.caseType == "gps" && $0.classKey.kind == .event && $0.expectedDepartment?.hasPrefix("STREET-") == true
        })
    }

    @Test func coordinatesCaseIsLocatedThenDispatchedAndRedispatched() async throws {
        let service = try await startService()
        defer { service.terminate() }
        let listener = try await EventListener(env: env, routingKeys: ["routing.case.located", "routing.task.dispatched.#"])
        defer { Task { await listener.close() } }
        let labelled = try gpsStreetEvent()
        let reported = report(labelled)
        try await publish(reported, caseId: reported.caseId)

        let located = try await listener.next(CaseLocated.self, caseId: reported.caseId)
        #expect(located.gridCode == labelled.expectedGrid)
        #expect(located.method == .coordinates)
        #expect(located.caseNumber == reported.caseNumber)
        #expect(located.recurrenceKey.hasPrefix("\(labelled.expectedGrid!):event\(labelled.classKey.code):"))

        let (filed, limit) = try filing(for: reported, gridCode: located.gridCode)
        try await publish(filed, caseId: reported.caseId)
        let task = try await listener.next(TaskDispatched.self, caseId: reported.caseId)
        #expect(task.departmentCode == labelled.expectedDepartment)
        #expect(task.caseNumber == reported.caseNumber)
        #expect(task.via == "street")
        #expect(task.redispatch == false)
        #expect(task.gridCode == located.gridCode)
        // The task is made from what routing kept of the report and its own location.
        #expect(task.kind == reported.kind && task.classCode == reported.classCode)
        #expect(task.description == reported.description)
        #expect(task.address == reported.location.address)
        #expect(task.longitude == located.longitude && task.latitude == located.latitude)
        #expect(task.photos == reported.photos.map(\.url))
        let expectedDeadline = try reference.calendar.deadline(from: task.dispatchedAt, limit: limit)
        #expect(abs(task.deadline.timeIntervalSince(expectedDeadline)) < 0.01)
        // The deadline says what it was counted on, and the dispatch log keeps the same basis. (Only
        // kind and years are compared with the files' calendar: the service's may hold a notice
        // imported into the shared test schema, which changes a year's standing and version.)
        let basis = try #require(task.deadlineBasis)
        let expectedBasis = try reference.calendar.due(from: task.dispatchedAt, limit: limit).basis
        #expect(basis.kind == expectedBasis.kind)
        #expect(basis.years.map(\.year) == expectedBasis.years.map(\.year))
        let pool = try env.adminPool()
        let stored = try await pool.withConnection { connection in
            try connection.query("SELECT deadline_basis::text AS basis FROM routing.dispatches WHERE dispatch_id = $1", [task.dispatchId])
                .first?.optionalString("basis")
        }
        await pool.closeAll()
        #expect(try stored.map { try MessageCoding.decoder().decode(DeadlineBasis.self, from: Data($0.utf8)) } == basis)

        // The street office returns it: the re-dispatch must go elsewhere.
        let (again, _) = try filing(for: reported, gridCode: located.gridCode, excluded: [task.departmentCode], redispatch: true)
        try await publish(again, caseId: reported.caseId)
        let second = try await listener.next(TaskDispatched.self, caseId: reported.caseId) { $0.redispatch }
        #expect(second.departmentCode != task.departmentCode)
        #expect(second.redispatch == true)
        #expect(second.routingKey == "routing.task.dispatched.\(second.departmentCode)")
    }

    @Test func addressOnlyCaseIsLocated() async throws {
        let service = try await startService()
        defer { service.terminate() }
        let listener = try await EventListener(env: env, routingKeys: ["routing.case.located"])
        defer { Task { await listener.close() } }
        for type in ["text", "typo", "historical"] {
            let labelled = try #require(reference.labelledReports.first { $0.caseType == type && $0.expectedGrid != nil })
            let reported = report(labelled, useCoordinates: false)
            try await publish(reported, caseId: reported.caseId)
            let located = try await listener.next(CaseLocated.self, caseId: reported.caseId)
            #expect(located.gridCode == labelled.expectedGrid, "\(type): \(labelled.address ?? "")")
            #expect(located.matchedName != nil)
        }
    }

    @Test func unlocatableCaseGoesToTheManualQueueAndCanBePlacedByHand() async throws {
        let service = try await startService()
        defer { service.terminate() }
        let listener = try await EventListener(env: env, routingKeys: ["routing.case.manual-dispatch-required", "routing.case.located"])
        defer { Task { await listener.close() } }
        let labelled = try #require(reference.labelledReports.first { $0.caseType == "unlocatable" })
        let reported = report(labelled, useCoordinates: false)
        try await publish(reported, caseId: reported.caseId)
        let manual = try await listener.next(ManualDispatchRequired.self, caseId: reported.caseId)
        #expect(manual.reason == .unlocatable)

        let token = TokenAuthority(secret: secret).issue(AccessToken(sub: "dispatcher-1", role: .dispatcher, scope: .city,
                                                                     iat: Date(), exp: Date().addingTimeInterval(3600)))
        let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        let (status, body) = try await service.http("GET", "/api/v1/manual-dispatch", headers: auth)
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self).contains(reported.caseId.uuidString.lowercased()))
        let (unauthorised, _) = try await service.http("GET", "/api/v1/manual-dispatch")
        #expect(unauthorised == 401)

        let path = "/api/v1/manual-dispatch/\(reported.caseId.uuidString.lowercased())/locate"
        let (invalid, problem) = try await service.http("POST", path, body: Data(#"{"gridCode":"12"}"#.utf8), headers: auth)
        #expect(invalid == 422)
        #expect(String(decoding: problem, as: UTF8.self).contains("gridCode"))

        let grid = try #require(reference.grids(validOn: reference.calendar.civilDate(of: Date())).first)
        // Filed before it is placed: parked until the dispatcher places it, then dispatched.
        let tasks = try await EventListener(env: env, routingKeys: ["routing.task.dispatched.#"])
        defer { Task { await tasks.close() } }
        let (filed, _) = try filing(for: reported, gridCode: grid.code)
        try await publish(filed, caseId: reported.caseId)
        try await tasks.expectNone(TaskDispatched.self, caseId: reported.caseId, window: .seconds(1))

        let (placed, _) = try await service.http("POST", path, body: Data(#"{"gridCode":"\#(grid.code)"}"#.utf8), headers: auth)
        #expect(placed == 200)
        let located = try await listener.next(CaseLocated.self, caseId: reported.caseId)
        #expect(located.gridCode == grid.code)
        #expect(located.method == .manual)
        let task = try await tasks.next(TaskDispatched.self, caseId: reported.caseId)
        #expect(task.departmentCode == reference.resolve(subclass: ClassKey(reported.kind, reported.classCode), gridCode: grid.code).departmentCode)
        let (after, list) = try await service.http("GET", "/api/v1/manual-dispatch", headers: auth)
        #expect(after == 200)
        #expect(!String(decoding: list, as: UTF8.self).contains(reported.caseId.uuidString.lowercased()))
    }

    func token(role: Role = .dispatcher, scope: AccessScope = .city) -> [String: String] {
        let text = TokenAuthority(secret: secret).issue(AccessToken(sub: "test-\(role.rawValue)", role: role, scope: scope,
                                                                    iat: Date(), exp: Date().addingTimeInterval(3600)))
        return ["Authorization": "Bearer \(text)", "Content-Type": "application/json"]
    }

    @Test func gridsAreImportedOnceAndVersionedByDate() async throws {
        let service = try await startService()
        defer { service.terminate() }
        let pool = try env.adminPool()
        let (version, grids) = try await pool.withConnection { c in
            (try c.query("SELECT version FROM routing.reference_version").first?.string("version"),
             try c.query("SELECT count(*) AS n FROM routing.grids").first!.int("n"))
        }
        #expect(version == reference.version)
        #expect(grids == reference.grids.count)

        // A grid retired by a split: before the split its code, after it a successor's.
        let retired = try #require(reference.grids.first { $0.validTo != nil })
        let polygon = retired.polygon
        let point = GeoPoint(lon: polygon.min.lon + 0.25 * (polygon.max.lon - polygon.min.lon), lat: polygon.centroid.lat)
        let listener = try await EventListener(env: env, routingKeys: ["routing.case.located"])
        defer { Task { await listener.close() } }
        let zone = TimeZone(identifier: reference.city.timeZoneIdentifier)!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        for (day, expected) in [(retired.validTo!.adding(days: -1), retired.code),
                                (retired.validTo!, reference.grid(containing: point, on: retired.validTo!)?.code)] {
            let when = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 10))!
            let caseId = UUID()
            let reported = CaseReported(caseId: caseId, caseNumber: "T-\(caseId.uuidString.prefix(8))", channel: .hotline12345,
                                        channelReference: nil, reporterId: nil, reporterContact: nil, kind: .event, classCode: "0102",
                                        conditionId: nil, componentCode: nil, location: ReportedLocation(longitude: point.lon, latitude: point.lat),
                                        description: "t", photos: [], reportedAt: when, requiresVerification: true)
            try await publish(reported, caseId: caseId)
            let located = try await listener.next(CaseLocated.self, caseId: caseId)
            #expect(expected != nil)
            #expect(located.gridCode == expected, "on \(day)")
        }
    }

    @Test func gridsAreServedAsGeoJSONFromPostGIS() async throws {
        let service = try await startService()
        defer { service.terminate() }
        let today = reference.calendar.civilDate(of: Date())
        let current = reference.grids(validOn: today)
        let street = try #require(current.first?.streetCode)
        struct Collection: Decodable {
            struct Feature: Decodable {
                struct Properties: Decodable { var code: String; var streetCode: String }
                struct Geometry: Decodable { var type: String; var coordinates: [[[Double]]] }
                var id: String; var properties: Properties; var geometry: Geometry
            }
            var type: String; var features: [Feature]
        }
        let (status, body) = try await service.http("GET", "/api/v1/grids?street=\(street)", headers: token(role: .department, scope: .city))
        #expect(status == 200)
        let collection = try JSONDecoder().decode(Collection.self, from: body)
        #expect(collection.type == "FeatureCollection")
        #expect(collection.features.map(\.id) == current.filter { $0.streetCode == street }.map(\.code).sorted())
        #expect(collection.features.allSatisfy { $0.geometry.type == "Polygon" && $0.properties.streetCode == street })

        // A box around one grid's centre finds that grid (and perhaps its neighbours), nothing far away.
        let grid = try #require(current.first)
        let c = grid.polygon.centroid
        let (boxStatus, boxBody) = try await service.http("GET", "/api/v1/grids?bbox=\(c.lon - 0.0001),\(c.lat - 0.0001),\(c.lon + 0.0001),\(c.lat + 0.0001)",
                                                          headers: token())
        #expect(boxStatus == 200)
        let boxed = try JSONDecoder().decode(Collection.self, from: boxBody).features.map(\.id)
        #expect(boxed.contains(grid.code) && boxed.count < 10)

        let (one, oneBody) = try await service.http("GET", "/api/v1/grids/\(grid.code)", headers: token())
        #expect(one == 200)
        #expect(String(decoding: oneBody, as: UTF8.self).contains(grid.code))
        let (missing, _) = try await service.http("GET", "/api/v1/grids/999999999999999", headers: token())
        #expect(missing == 404)
    }

    @Test func allCandidatesReturnedGoesToTheQueueAndIsDispatchedByHand() async throws {
        let service = try await startService()
        defer { service.terminate() }
        let listener = try await EventListener(env: env, routingKeys: ["routing.case.manual-dispatch-required", "routing.task.dispatched.#"])
        defer { Task { await listener.close() } }
        let labelled = try gpsStreetEvent()
        let reported = report(labelled)
        try await publish(reported, caseId: reported.caseId)
        let everyone = reference.departments.map(\.code).filter { $0 != "SZGY" }
        let (filed, limit) = try filing(for: reported, gridCode: labelled.expectedGrid!, excluded: everyone, redispatch: true)
        try await publish(filed, caseId: reported.caseId)
        let manual = try await listener.next(ManualDispatchRequired.self, caseId: reported.caseId)
        #expect(manual.reason == .allCandidatesReturned)

        // The desk shows the case, its grid and the chain with the returners marked.
        let (deskStatus, deskBody) = try await service.http("GET", "/api/v1/manual-dispatch/\(reported.caseId.uuidString.lowercased())",
                                                            headers: token())
        #expect(deskStatus == 200)
        struct Desk: Decodable {
            struct Facts: Decodable { var caseNumber: String; var gridCode: String? }
            struct Grid: Decodable { struct Properties: Decodable { var code: String }; var properties: Properties }
            struct Candidate: Decodable { var departmentCode: String; var excluded: Bool }
            var `case`: Facts; var grid: Grid?; var candidates: [Candidate]; var returnedBy: [String]
        }
        let desk = try MessageCoding.decoder().decode(Desk.self, from: deskBody)
        #expect(desk.case.caseNumber == reported.caseNumber)
        #expect(desk.grid?.properties.code == labelled.expectedGrid)
        #expect(desk.returnedBy == everyone.sorted())
        #expect(!desk.candidates.isEmpty && desk.candidates.allSatisfy { $0.excluded == ($0.departmentCode != "SZGY") })
        let (deskHidden, _) = try await service.http("GET", "/api/v1/manual-dispatch/\(reported.caseId.uuidString.lowercased())",
                                                     headers: token(scope: AccessScope(level: .district, code: reference.districts.map(\.code).first { !labelled.expectedGrid!.hasPrefix($0) }!)))
        #expect(deskHidden == 404)

        let path = "/api/v1/manual-dispatch/\(reported.caseId.uuidString.lowercased())/dispatch"
        let (forbidden, _) = try await service.http("POST", path, body: Data(#"{"departmentCode":"SZGY"}"#.utf8), headers: token(role: .supervisor))
        #expect(forbidden == 403)
        let otherDistrict = reference.districts.map(\.code).first { !labelled.expectedGrid!.hasPrefix($0) }!
        let (hidden, _) = try await service.http("POST", path, body: Data(#"{"departmentCode":"SZGY"}"#.utf8),
                                                 headers: token(scope: AccessScope(level: .district, code: otherDistrict)))
        #expect(hidden == 404)
        let (unknown, problem) = try await service.http("POST", path, body: Data(#"{"departmentCode":"NOPE"}"#.utf8), headers: token())
        #expect(unknown == 422)
        #expect(String(decoding: problem, as: UTF8.self).contains("departmentCode"))
        let (returned, _) = try await service.http("POST", path, body: Data(#"{"departmentCode":"\#(everyone[0])"}"#.utf8), headers: token())
        #expect(returned == 422)
        let ownDistrict = AccessScope(level: .district, code: String(labelled.expectedGrid!.prefix(6)))
        let (ok, answer) = try await service.http("POST", path, body: Data(#"{"departmentCode":"SZGY"}"#.utf8), headers: token(scope: ownDistrict))
        #expect(ok == 200)
        let task = try await listener.next(TaskDispatched.self, caseId: reported.caseId) { $0.via == "manual" }
        #expect(task.departmentCode == "SZGY")
        #expect(task.via == "manual")
        let expectedDeadline = try reference.calendar.deadline(from: task.dispatchedAt, limit: limit)
        #expect(abs(task.deadline.timeIntervalSince(expectedDeadline)) < 0.01)
        // The dispatcher's answer shows the deadline and its basis, as the department receives them.
        struct Answer: Decodable { var dispatchId: String; var deadline: Date; var deadlineBasis: DeadlineBasis }
        let shown = try MessageCoding.decoder().decode(Answer.self, from: answer)
        #expect(shown.dispatchId == task.dispatchId.uuidString.lowercased())
        #expect(shown.deadline == task.deadline)
        #expect(shown.deadlineBasis == task.deadlineBasis)
        #expect(task.deadlineBasis?.years.map(\.year) == (try reference.calendar.due(from: task.dispatchedAt, limit: limit)).basis.years.map(\.year))
        let (again, _) = try await service.http("POST", path, body: Data(#"{"departmentCode":"SZGY"}"#.utf8), headers: token())
        #expect(again == 404)
    }

    @Test func filingBeforeTheReportIsParkedThenApplied() async throws {
        let service = try await startService()
        defer { service.terminate() }
        let listener = try await EventListener(env: env, routingKeys: ["routing.task.dispatched.#"])
        defer { Task { await listener.close() } }
        let labelled = try gpsStreetEvent()
        let reported = report(labelled)
        let (filed, _) = try filing(for: reported, gridCode: labelled.expectedGrid!)
        try await publish(filed, caseId: reported.caseId)
        try await listener.expectNone(TaskDispatched.self, caseId: reported.caseId, window: .seconds(2))
        try await publish(reported, caseId: reported.caseId)
        let task = try await listener.next(TaskDispatched.self, caseId: reported.caseId)
        #expect(task.departmentCode == labelled.expectedDepartment)

        // The same filing again (a new message, e.g. a replay): the case is dispatched once.
        try await publish(filed, caseId: reported.caseId)
        try await listener.expectNone(TaskDispatched.self, caseId: reported.caseId, window: .seconds(2))
    }
}
