import AMQPClient
import CityGridModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// Hostile messages (issue 17): for every message type in docs/asyncapi.yaml that a CityGrid
/// service consumes, a malformed message — its envelope right, its data wrong; and a body that is
/// not JSON at all — sent to the type's routing key is dead-lettered by every consumer it reaches,
/// with the reason in `x-citygrid-dead-letter-reason`, and all five services stay up and ready.
@Suite("End to end: malformed messages are dead-lettered with a reason, never a crash", .serialized)
final class MalformedMessagesTests {
    var city: InjectedCity?
    deinit { city?.stop() }

    /// Each message type a CityGrid service consumes, with one routing key it travels under and its
    /// exchange (ChannelNotice, ReturnVisitRecorded and ReferenceDataChanged are for others;
    /// VerificationRequested waits in `supervision.field-tasks` for the handheld gateway).
    static let types: [(type: String, exchange: String, routingKey: String)] = [
        (CaseReported.eventType, MessagingNames.eventsExchange, CaseReported.routingKey),
        (DuplicateLinked.eventType, MessagingNames.eventsExchange, DuplicateLinked.routingKey),
        (CaseLocated.eventType, MessagingNames.eventsExchange, CaseLocated.routingKey),
        (ManualDispatchRequired.eventType, MessagingNames.eventsExchange, ManualDispatchRequired.routingKey),
        (CaseFiled.eventType, MessagingNames.eventsExchange, CaseFiled.filedRoutingKey),
        (CaseFiled.eventType, MessagingNames.eventsExchange, CaseFiled.redispatchRoutingKey),
        (TaskDispatched.eventType, MessagingNames.eventsExchange, TaskDispatched.routingKey(departmentCode: "SZGY")),
        (TaskUpdated.eventType, MessagingNames.eventsExchange, "disposal.task.completed"),
        (TaskNotice.eventType, MessagingNames.eventsExchange, "supervision.notice.SZGY.closed"),
        (CaseTransitioned.eventType, MessagingNames.eventsExchange, CaseTransitioned.routingKey),
        (TaskCommand.eventType, MessagingNames.departmentCommandsExchange, "SZGY.complete"),
        (HotlineReport.eventType, MessagingNames.inboundExchange, "hotline.12345.report"),
        (ReturnVisitReport.eventType, MessagingNames.inboundExchange, "return-visit.12345"),
    ]

    /// Every dead letter in the scratch vhost's `.dlq` queues: message id → (queue, reason).
    func deadLetters(_ scratch: ScratchEnvironment) async throws -> [String: [(queue: String, reason: String?)]] {
        let env = TestEnvironment()
        let management = try env.require("CITYGRID_TEST_AMQP_MGMT_URL")
        let credentials = Data("\(try env.require("CITYGRID_TEST_AMQP_ADMIN_USER")):\(try env.require("CITYGRID_TEST_AMQP_ADMIN_PASSWORD"))".utf8)
            .base64EncodedString()
        let vhost = "citygrid-\(scratch.name.replacingOccurrences(of: "_", with: "-"))"
        var request = URLRequest(url: try #require(URL(string: "\(management)/api/queues/\(vhost)?columns=name")))
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let queues = ((try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
            .filter { $0.hasSuffix(".dlq") }
        var found: [String: [(queue: String, reason: String?)]] = [:]
        for queue in queues {
            let consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try scratch.amqpURL("ADMIN")), topology: Topology(), queue: queue,
                                        prefetch: 200)
            try await consumer.connect()
            while let letter = try await consumer.next(timeoutMilliseconds: 300) {
                // A dead letter is a new message (written through the consumer's outbox); the original's id is a header.
                let original = letter.headers["x-citygrid-original-message-id"] ?? letter.messageId
                found[original, default: []].append((queue, letter.headers[MessagingNames.deadLetterReasonHeader]))
                // Left unacked: closing returns them to the queue for the next look.
            }
            await consumer.close()
        }
        return found
    }

    @Test("a malformed message of every consumed type, and a body that is not JSON, is dead-lettered with a reason; every service stays ready")
    func malformedMessagesAreDeadLettered() async throws {
        city = try await InjectedCity.start("malformed", at: Date())
        let scratch = try #require(city).scratch
        let publisher = try scratch.adminPublisher()
        defer { Task { await publisher.disconnect() } }

        var routed: [(id: String, what: String)] = []
        for (type, exchange, routingKey) in Self.types {
            // Right envelope, wrong data: a case id that is no UUID and nothing else.
            let wrongData = UUID().uuidString.lowercased()
            let envelope = """
                {"specversion":"1.0","id":"\(wrongData)","type":"\(type)","source":"/citygrid/test","time":"2026-12-03T10:00:00Z",\
                "subject":"x","datacontenttype":"application/json","data":{"caseId":"not-a-uuid","dispatchId":7}}
                """
            // Not JSON at all.
            let notJSON = UUID().uuidString.lowercased()
            let outcomes = try await publisher.publish([
                OutgoingMessage(exchange: exchange, routingKey: routingKey, messageId: wrongData, type: type, body: Array(envelope.utf8)),
                OutgoingMessage(exchange: exchange, routingKey: routingKey, messageId: notJSON, type: type, body: Array("{{{ \u{0}".utf8)),
            ])
            for (id, outcome, what) in [(wrongData, outcomes[0], "wrong data"), (notJSON, outcomes[1], "not JSON")] {
                switch outcome {
                case .confirmed: routed.append((id, "\(type) under \(routingKey): \(what)"))
                case .returned(let reason): Issue.record("nothing consumes \(type) under \(routingKey): \(reason)")
                case .nacked: Issue.record("the broker refused \(type)")
                }
            }
        }
        #expect(routed.count == 2 * Self.types.count)

        var letters: [String: [(queue: String, reason: String?)]] = [:]
        let until = ContinuousClock.now + .seconds(60)
        repeat {
            letters = try await deadLetters(scratch)
            if routed.allSatisfy({ letters[$0.id] != nil }) { break }
            try await Task.sleep(for: .seconds(1))
        } while ContinuousClock.now < until
        for (id, what) in routed {
            let found = letters[id] ?? []
            #expect(!found.isEmpty, "\(what) was not dead-lettered")
            for letter in found {
                #expect(!(letter.reason ?? "").isEmpty, "\(what) in \(letter.queue) has no reason")
            }
        }
        // Nothing crashed: every service still runs and is ready.
        for (name, process) in try #require(city).services {
            #expect(process.process.isRunning, "\(name) exited: \(process.collectStderr())")
            #expect(try await process.http("GET", "/health/ready").0 == 200, "\(name) is not ready")
        }
    }
}
