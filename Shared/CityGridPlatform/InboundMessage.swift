import AMQPClient
import CityGridModel
import Foundation

/// A received message whose envelope has been read; the payload is decoded by the handler.
public struct InboundMessage: Sendable {
    public let id: UUID
    public let type: String
    public let source: String
    public let time: Date
    public let subject: String?
    public let correlationId: String?
    public let causationId: String?
    public let routingKey: String
    public let headers: [String: String]
    public let body: [UInt8]

    /// The fields of the envelope without its payload.
    struct Header: Decodable {
        var specversion: String?
        var id: UUID
        var type: String
        var source: String
        var time: Date
        var subject: String?
        var correlationid: String?
        var causationid: String?
    }

    /// Reads the envelope, or explains precisely why the bytes are not a CityGrid message.
    static func parse(body: [UInt8], routingKey: String, headers: [String: String]) -> Result<InboundMessage, HandlerError> {
        do {
            let header = try MessageCoding.decoder().decode(Header.self, from: Data(body))
            return .success(InboundMessage(
                id: header.id, type: header.type, source: header.source, time: header.time, subject: header.subject,
                correlationId: header.correlationid, causationId: header.causationid, routingKey: routingKey,
                headers: headers, body: body))
        } catch let error as DecodingError {
            return .failure(.invalid("undecodable envelope: \(DecodingErrorText.describe(error))"))
        } catch {
            return .failure(.invalid("undecodable envelope: \(error)"))
        }
    }

    /// Decodes the `data` of the envelope as `T`; a mismatch is a poison message.
    public func payload<T: Decodable & Sendable & Encodable>(_ type: T.Type) throws(HandlerError) -> T {
        let withNUL = StorableText.fieldsWithNUL(inJSON: Data(body))
        if !withNUL.isEmpty { throw .invalid("\(withNUL.joined(separator: ", ")): \(StorableText.problem)") }
        do {
            return try MessageCoding.decoder().decode(Envelope<T>.self, from: Data(body)).data
        } catch let error as DecodingError {
            throw .invalid("payload of \(self.type) does not match its schema: \(DecodingErrorText.describe(error))")
        } catch {
            throw .invalid("payload of \(self.type) is invalid: \(error)")
        }
    }
}

/// What a handler reports when it cannot apply a message. Anything else it throws (a database
/// error, say) is treated as transient: the batch rolls back and is delivered again.
public enum HandlerError: Error, CustomStringConvertible, Sendable {
    /// The message can never be applied (malformed, violates the contract, unknown type).
    /// It goes to the dead-letter queue with this reason, and consumption continues.
    case invalid(String)
    /// The message is valid but early: the case has not reached the state it needs yet.
    /// It is parked and retried when the case moves on.
    case notYet(String)

    public var description: String {
        switch self {
        case .invalid(let reason): return "invalid: \(reason)"
        case .notYet(let reason): return "not yet applicable: \(reason)"
        }
    }
}

/// Turns a DecodingError into one line naming the field path.
public enum DecodingErrorText {
    public static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "(root)" : p
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field '\(parent == "(root)" ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(let type, let context): return "field '\(path(context))' should be \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "field '\(path(context))' is null, expected \(type)"
        case .dataCorrupted(let context): return "field '\(path(context))': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
