import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import TestSupport
import Testing

/// What the query API returns, as much as the tests look at.
struct CaseDTO: Decodable {
    var id: UUID
    var number: String
    var state: String
    var version: Int
    var gridCode: String?
    var districtCode: String?
    var currentDepartment: String?
    var currentDispatchId: UUID?
    var handlingDeadline: Date?
    var pendingRequest: PendingRequest?
    var returnedBy: [String]
    var reworkCount: Int
    var duplicateCount: Int
    var clock: StageClock?
    var photos: [Photo]
}

struct RowDTO: Decodable {
    var sequence: Int
    var kind: String
    var action: String
    var from: String?
    var to: String
    var actorId: String
    var actorRole: String
    var actorDepartment: String?
    var department: String?
    var details: [String: String]
    var stoppedClock: StageClock?
    var startedClock: StageClock?
}

struct DetailDTO: Decodable {
    var `case`: CaseDTO
    var timeline: [RowDTO]
}

/// One message seen on a test queue.
struct Tapped: Sendable {
    var routingKey: String
    var type: String
    var body: [UInt8]

    func payload<T: Decodable & Sendable & Encodable>(_ type: T.Type) throws -> T {
        try MessageCoding.decoder().decode(Envelope<T>.self, from: Data(body)).data
    }

    /// The names of the payload's fields as sent.
    func payloadKeys() throws -> Set<String> {
        let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        return Set(((object?["data"] as? [String: Any]) ?? [:]).keys)
    }
}

/// A throwaway admin queue bound to what supervision publishes.
final class EventTap: @unchecked Sendable {
    let name = "test.sup.\(UUID().uuidString.lowercased())"
    let publisher: AMQPPublisher
    let consumer: AMQPConsumer
    private(set) var seen: [Tapped] = []

    init(env: TestEnvironment, bindings: [String] = ["supervision.#"]) async throws {
        publisher = try env.adminPublisher()
        let spec = QueueSpec(name: name, quorum: false,
                             bindings: bindings.map { .init(exchange: MessagingNames.eventsExchange, routingKey: $0) })
        try await publisher.withConnection { try $0.declare(Topology(queues: [spec])) }
        consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_ADMIN_URL")), topology: Topology(),
                                queue: name, name: "tap-\(name)")
        try await consumer.connect()
    }

    /// Waits for a message matching `match`, keeping everything seen.
    func waitFor(_ what: String, timeout: Duration = .seconds(20), _ match: (Tapped) -> Bool) async throws -> Tapped {
        if let hit = seen.first(where: match) { return hit }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let delivery = try await consumer.next(timeoutMilliseconds: 300) else { continue }
            _ = try await consumer.ack(delivery)
            let tapped = Tapped(routingKey: delivery.routingKey, type: delivery.type, body: delivery.body)
            seen.append(tapped)
            if match(tapped) { return tapped }
        }
        throw TestSetupError("no message on the tap: \(what)")
    }

    /// Messages about `caseId` of a type, decoded.
    func all<T: DomainEvent>(_ type: T.Type, _ filter: (T) -> Bool) -> [T] {
        seen.filter { $0.type == T.eventType }.compactMap { try? $0.payload(T.self) }.filter(filter)
    }

    func close() async {
        await consumer.close()
        _ = try? await publisher.withConnection { try $0.delete(queue: self.name) }
        await publisher.disconnect()
    }
}

/// Starts supervision, publishes upstream events, issues tokens and reads cases.
struct SupervisionHarness {
    static let secret = "supervision-tests-secret"
    let env = TestEnvironment()

    /// Grid 150102001001001 (district 150102, area B) and a point inside it.
    static let grid = (grid: "150102001001001", community: "150102001001", street: "150102001", district: "150102")
    static let point = (lon: 111.6801, lat: 40.8330)

    func start(_ extra: [String: String] = [:]) async throws -> ServiceProcess {
        var variables = [
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_SUPERVISION"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_SUPERVISION"),
            "CITYGRID_TOKEN_SECRET": Self.secret,
            "CITYGRID_SUPERVISION_SCAN_SECONDS": "1",
        ]
        for (k, v) in extra { variables[k] = v }
        let process = try ServiceProcess(executable: env.binDirectory + "/supervision", port: testPort(), environment: variables)
        try await process.waitUntilReady()
        return process
    }

    func token(_ role: Role, scope: AccessScope = .city, sub: String? = nil, expires: Date = Date().addingTimeInterval(30 * 86_400)) -> String {
        TokenAuthority(secret: Self.secret).issue(AccessToken(sub: sub ?? "\(role.rawValue)-1", role: role, scope: scope,
                                                              iat: Date().addingTimeInterval(-60), exp: expires))
    }

    func publish<E: DomainEvent>(_ event: E, subject: UUID, at time: Date = Date()) async throws {
        let envelope = Envelope(type: E.eventType, source: "/citygrid/test", time: time, subject: subject.uuidString.lowercased(), data: event)
        let body = try MessageCoding.encoder().encode(envelope)
        let publisher = try env.adminPublisher()
        let outcome = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: event.routingKey,
                                                                   messageId: envelope.id.uuidString.lowercased(), type: E.eventType,
                                                                   body: Array(body))])
        await publisher.disconnect()
        #expect(outcome == [.confirmed])
    }

    func detail(_ service: ServiceProcess, _ id: UUID, token: String) async throws -> (Int, DetailDTO?) {
        let (status, data) = try await service.http("GET", "/api/v1/cases/\(id.uuidString.lowercased())", headers: ["Authorization": "Bearer \(token)"])
        return (status, status == 200 ? try MessageCoding.decoder().decode(DetailDTO.self, from: data) : nil)
    }

    /// Polls the case until `condition` holds; returns it.
    @discardableResult
    func waitCase(_ service: ServiceProcess, _ id: UUID, _ what: String, timeout: Duration = .seconds(20),
                  _ condition: @escaping (DetailDTO) -> Bool) async throws -> DetailDTO {
        let admin = token(.auditor)
        var last: DetailDTO?
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let (_, found) = try? await detail(service, id, token: admin), let found {
                last = found
                if condition(found) { return found }
            }
            try await Task.sleep(for: .milliseconds(150))
        }
        throw TestSetupError("case \(id) never reached: \(what); last state \(last?.case.state ?? "none"), actions \(last?.timeline.map(\.action) ?? [])")
    }

    func post(_ service: ServiceProcess, _ id: UUID, _ command: String, _ body: String = "{}", token: String) async throws -> (Int, String) {
        let (status, data) = try await service.http("POST", "/api/v1/cases/\(id.uuidString.lowercased())/\(command)", body: Data(body.utf8),
                                                    headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"])
        return (status, String(decoding: data, as: UTF8.self))
    }

    // MARK: Upstream events

    func reported(_ id: UUID, channel: ReportChannel = .supervisor, description: String = "井盖缺失", at: Date = Date(),
                  lon: Double = point.lon, lat: Double = point.lat, selfHandled: Bool? = nil, handledAtIntake: Bool? = nil,
                  photos: [Photo] = [.report("https://img.example/p1.jpg")], number: String? = nil) -> CaseReported {
        CaseReported(caseId: id, caseNumber: number ?? "T\(id.uuidString.prefix(8))", channel: channel, channelReference: nil,
                     reporterId: channel == .supervisor ? "sup-7" : nil, reporterContact: nil, kind: .component, classCode: "0101",
                     conditionId: "0101-01", componentCode: nil, location: ReportedLocation(longitude: lon, latitude: lat, address: "测试路1号"),
                     description: description, photos: photos, reportedAt: at, requiresVerification: channel.requiresVerification,
                     selfHandled: selfHandled, handledAtIntake: handledAtIntake)
    }

    func located(_ id: UUID, lon: Double = point.lon, lat: Double = point.lat,
                 grid: (grid: String, community: String, street: String, district: String) = grid, number: String? = nil) -> CaseLocated {
        CaseLocated(caseId: id, caseNumber: number ?? "T\(id.uuidString.prefix(8))", gridCode: grid.grid, communityCode: grid.community,
                    streetCode: grid.street, districtCode: grid.district, areaClass: .b, longitude: lon, latitude: lat,
                    method: .coordinates, matchedName: nil, recurrenceKey: "k")
    }

    func dispatched(_ id: UUID, dispatchId: UUID, department: String = "CGZF", at: Date = Date(), deadline: Date? = nil) -> TaskDispatched {
        TaskDispatched(dispatchId: dispatchId, caseId: id, caseNumber: "T\(id.uuidString.prefix(8))", departmentCode: department,
                       departmentName: department, via: "owner", kind: .component, classCode: "0101", className: "上水井盖",
                       conditionId: "0101-01", gridCode: Self.grid.grid, description: "井盖缺失", address: nil, longitude: nil,
                       latitude: nil, photos: [], dispatchedAt: at, deadline: deadline ?? at.addingTimeInterval(2 * 3600),
                       handlingLimit: .naturalHours(2), redispatch: false)
    }

    func update(_ id: UUID, dispatchId: UUID, _ action: TaskAction, department: String = "CGZF", at: Date = Date(),
                reason: String? = nil, requestedDeadline: Date? = nil) -> TaskUpdated {
        TaskUpdated(updateId: UUID(), dispatchId: dispatchId, caseId: id, caseNumber: "T\(id.uuidString.prefix(8))",
                    departmentCode: department, action: action, actorId: "\(department.lowercased())-staff", at: at,
                    note: action == .progressNoted ? "在处理" : nil, result: action == .completed ? "已补装井盖" : nil,
                    reason: reason, requestedDeadline: requestedDeadline)
    }

    /// Reports, locates and dispatches a supervisor case; returns the dispatch actually in force.
    ///
    /// The test vhost is shared: a grid-routing of another test may locate and dispatch the same
    /// case. Our dispatch is published first (it waits, parked, until the case is filed, so it
    /// normally wins); whichever dispatch was applied is returned and used from then on.
    func toHandling(_ service: ServiceProcess, _ id: UUID, dispatchId: UUID, department: String = "CGZF") async throws
        -> (dispatchId: UUID, department: String) {
        try await publish(dispatched(id, dispatchId: dispatchId, department: department), subject: id)
        try await publish(reported(id), subject: id)
        try await publish(located(id), subject: id)
        let handling = try await waitCase(service, id, "in_handling") { $0.case.state == "in_handling" }
        return (try #require(handling.case.currentDispatchId), try #require(handling.case.currentDepartment))
    }
}
