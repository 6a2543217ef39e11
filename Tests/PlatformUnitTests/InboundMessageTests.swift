import CityGridModel
@testable import CityGridPlatform
import Foundation
import Testing

/// How a consumer reads a message's payload, without a broker.
@Suite("inbound message payloads")
struct InboundMessageTests {
    struct Note: Codable, Sendable { var text: String }

    func message(_ data: String) throws -> InboundMessage {
        let body = #"{"specversion": "1.0", "id": "6f1c2a34-5b6d-4e7f-8091-a2b3c4d5e6f7", "type": "t.v1", "source": "/test", "time": "2026-12-03T10:00:00Z", "datacontenttype": "application/json", "data": \#(data)}"#
        return try InboundMessage.parse(body: Array(body.utf8), routingKey: "k", headers: [:]).get()
    }

    @Test("a NUL in the payload is a dead letter naming the field, never a store error later")
    func nul() throws {
        #expect(try message(#"{"text": "fine"}"#).payload(Note.self).text == "fine")
        #expect(throws: HandlerError.self) { try message(#"{"text": "nul\u0000"}"#).payload(Note.self) }
        do {
            _ = try message(#"{"text": "nul\u0000"}"#).payload(Note.self)
        } catch {
            #expect("\(error)".contains("data.text: contains the character U+0000"), "\(error)")
        }
    }
}
