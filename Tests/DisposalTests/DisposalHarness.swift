import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport

/// A running `disposal` binary plus the test's broker/database helpers and a fresh department.
final class DisposalHarness: @unchecked Sendable {
    static let secret = "disposal-tests-secret-0123456789"
    let env = TestEnvironment()
    let service: ServiceProcess
    let publisher: AMQPPublisher
    let tokens = TokenAuthority(secret: DisposalHarness.secret)
    /// A department code no other test uses, so inboxes do not mix.
    let department = "T" + String(UUID().uuidString.prefix(6)).replacingOccurrences(of: "-", with: "")
    let otherDepartment = "O" + String(UUID().uuidString.prefix(6)).replacingOccurrences(of: "-", with: "")

    init() async throws {
        service = try ServiceProcess(executable: env.binDirectory + "/disposal", port: testPort(), environment: [
            "CITYGRID_DB_URL": try env.require("CITYGRID_TEST_DB_URL_DISPOSAL"),
            "CITYGRID_AMQP_URL": try env.require("CITYGRID_TEST_AMQP_URL_DISPOSAL"),
            "CITYGRID_TOKEN_SECRET": Self.secret,
        ])
        publisher = try env.adminPublisher()
        try await service.waitUntilReady()
    }

    func stop() async {
        service.terminate()
        _ = try? await service.waitForExit()
        await publisher.disconnect()
    }

    func token(_ department: String? = nil, role: Role = .department, expiresIn: TimeInterval = 3_600, secret: String? = nil) -> [String: String] {
        let now = Date()
        let scope = role == .department ? AccessScope(level: .department, code: department ?? self.department) : .city
        let claims = AccessToken(sub: "staff-\(department ?? self.department)", role: role, scope: scope, iat: now.addingTimeInterval(-10),
                                 exp: now.addingTimeInterval(expiresIn))
        let authority = secret.map(TokenAuthority.init(secret:)) ?? tokens
        return ["Authorization": "Bearer " + authority.issue(claims), "Content-Type": "application/json"]
    }

    func dispatch(deadline: Date = Date().addingTimeInterval(2 * 86_400), caseId: UUID = UUID(), department: String? = nil) -> TaskDispatched {
        TaskDispatched(dispatchId: UUID(), caseId: caseId, caseNumber: "20261125-\(Int.random(in: 1000...9999))",
                       departmentCode: department ?? self.department, departmentName: "测试部门", via: "sector", kind: .event,
                       classCode: "0102", className: "暴露垃圾", conditionId: "0102-01", gridCode: "150102001001001",
                       description: "垃圾堆放", address: "测试路 1 号", longitude: 111.7, latitude: 40.8,
                       photos: ["https://img.example/before.jpg"], dispatchedAt: Date(), deadline: deadline,
                       handlingLimit: .workingHours(8), redispatch: false)
    }

    /// Publishes an envelope as the admin user and expects the broker to route it.
    func publish<P: Codable & Sendable>(_ payload: P, type: String, routingKey: String, subject: String?,
                                        exchange: String = MessagingNames.eventsExchange, id: UUID = UUID()) async throws {
        let envelope = Envelope(id: id, type: type, source: "/citygrid/test", time: Date(), subject: subject, data: payload)
        let body = try MessageCoding.encoder().encode(envelope)
        let outcome = try await publisher.publish([OutgoingMessage(exchange: exchange, routingKey: routingKey, messageId: id.uuidString.lowercased(),
                                                                   type: type, body: Array(body))])
        guard outcome == [.confirmed] else { throw TestSetupError("publish \(routingKey) → \(outcome)") }
    }

    /// Publishes raw bytes to the department-command exchange (for malformed payloads).
    func publishRawCommand(_ body: String, routingKey: String, id: UUID) async throws {
        let outcome = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.departmentCommandsExchange, routingKey: routingKey,
                                                                   messageId: id.uuidString.lowercased(), type: TaskCommand.eventType,
                                                                   body: Array(body.utf8))])
        guard outcome == [.confirmed] else { throw TestSetupError("publish \(routingKey) → \(outcome)") }
    }

    func publish(_ d: TaskDispatched) async throws {
        try await publish(d, type: TaskDispatched.eventType, routingKey: d.routingKey, subject: d.caseId.uuidString.lowercased())
    }

    func publish(_ n: TaskNotice) async throws {
        try await publish(n, type: TaskNotice.eventType, routingKey: n.routingKey, subject: n.caseId.uuidString.lowercased())
    }

    func command(_ c: TaskCommand, routingKey: String? = nil, id: UUID = UUID()) async throws {
        try await publish(c, type: TaskCommand.eventType, routingKey: routingKey ?? c.routingKey(departmentCode: department), subject: nil,
                          exchange: MessagingNames.departmentCommandsExchange, id: id)
    }

    func http(_ method: String, _ path: String, json: String? = nil, headers: [String: String]? = nil) async throws -> (Int, Data) {
        try await service.http(method, path, body: json.map { Data($0.utf8) }, headers: headers ?? token())
    }

    /// The task as the department sees it (nil while it is not there).
    func task(_ dispatchId: UUID) async throws -> [String: Any]? {
        let (status, data) = try await http("GET", "/api/v1/tasks/\(dispatchId.uuidString.lowercased())")
        guard status == 200 else { return nil }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["task"] as? [String: Any]
    }

    func waitForTask(_ dispatchId: UUID, state: String) async throws -> [String: Any] {
        try await eventually("task \(dispatchId) in state \(state)") { try await task(dispatchId)?["state"] as? String == state }
        return try await task(dispatchId)!
    }
}

/// A throwaway queue bound to `citygrid.events`, consumed as admin, deleted at the end.
final class EventTap: @unchecked Sendable {
    let name = "test.disposal.\(UUID().uuidString.lowercased())"
    let consumer: AMQPConsumer
    let publisher: AMQPPublisher

    init(_ env: TestEnvironment, publisher: AMQPPublisher, bindingKey: String = "disposal.task.#") async throws {
        self.publisher = publisher
        let spec = QueueSpec(name: name, quorum: false, bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: bindingKey)])
        try await publisher.withConnection { try $0.declare(Topology(queues: [spec])) }
        consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try env.require("CITYGRID_TEST_AMQP_ADMIN_URL")), topology: Topology(),
                                queue: name, prefetch: 50)
        try await consumer.connect()
    }

    /// Collects `TaskUpdated` events about `dispatchId` until `count` arrived or the timeout.
    func updates(for dispatchId: UUID, count: Int, timeout: Duration = .seconds(20)) async throws -> [(routingKey: String, update: TaskUpdated)] {
        var found: [(String, TaskUpdated)] = []
        let deadline = ContinuousClock.now + timeout
        while found.count < count && ContinuousClock.now < deadline {
            guard let d = try await consumer.next(timeoutMilliseconds: 500) else { continue }
            try await consumer.ack(d)
            if let envelope = try? MessageCoding.decoder().decode(Envelope<TaskUpdated>.self, from: Data(d.body)),
               envelope.data.dispatchId == dispatchId {
                found.append((d.routingKey, envelope.data))
            }
        }
        return found.map { (routingKey: $0.0, update: $0.1) }
    }

    func close() async {
        await consumer.close()
        let queue = name
        _ = try? await publisher.withConnection { try $0.delete(queue: queue) }
    }
}
