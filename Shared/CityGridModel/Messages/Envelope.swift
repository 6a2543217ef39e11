import Foundation

/// The envelope every CityGrid message carries in its JSON body (CloudEvents 1.0 structured
/// mode, with CityGrid's correlation and causation ids as extension attributes).
///
/// `id` is unique per event and stays the same when the event is re-sent, so consumers
/// deduplicate on it. `subject` is the case id whenever the event concerns a case.
public struct Envelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var specversion: String
    public var id: UUID
    /// Reverse-DNS, versioned type, e.g. `citygrid.case.reported.v1`.
    public var type: String
    /// The producing service, as a URI reference: `/citygrid/intake`.
    public var source: String
    public var time: Date
    public var subject: String?
    public var datacontenttype: String
    /// The id of the first message of the chain (usually the report that opened the case).
    public var correlationid: String?
    /// The id of the message whose handling produced this one.
    public var causationid: String?
    public var data: Payload

    public init(id: UUID = UUID(), type: String, source: String, time: Date, subject: String?,
                correlationId: String? = nil, causationId: String? = nil, data: Payload) {
        self.specversion = "1.0"
        self.id = id
        self.type = type
        self.source = source
        self.time = time
        self.subject = subject
        self.datacontenttype = "application/json"
        self.correlationid = correlationId
        self.causationid = causationId
        self.data = data
    }
}

/// A message payload with a fixed type and the routing key it travels under.
public protocol DomainEvent: Codable, Sendable {
    /// `citygrid.<entity>.<event>.v<major>`; a breaking change gets a new major.
    static var eventType: String { get }
    /// `<service>.<entity>.<event>[.<qualifier>]`, e.g. `routing.task.dispatched.SZGY`.
    var routingKey: String { get }
}

/// JSON coding shared by every service, so the bytes on the wire do not depend on who wrote them.
public enum MessageCoding {
    /// RFC 3339 timestamps with milliseconds and an explicit offset (`Z`).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an RFC 3339 date-time")
            }
            guard DateBounds.contains(date) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' \(DateBounds.problem)")
            }
            return date
        }
        return decoder
    }
}

/// The span every date a request or a message carries must fall in. Outside it a date is a
/// mistake or an attack: PostgreSQL stores year 1 but the calendar and the KPI periods cannot use
/// it (it once answered 500), and no case of a city's lifetime lies there. Edges refuse such dates
/// with a 4xx naming the field; consumers dead-letter the message with the reason.
public enum DateBounds {
    public static let years = 1900...2200
    /// 1900-01-01T00:00:00Z, inclusive.
    public static let lower = Date(timeIntervalSince1970: -2_208_988_800)
    /// 2201-01-01T00:00:00Z, exclusive.
    public static let upper = Date(timeIntervalSince1970: 7_289_654_400)
    public static let problem = "must lie in the years 1900-2200"

    public static func contains(_ date: Date) -> Bool { date >= lower && date < upper }
}

/// RFC 3339 date-times with fractional seconds and any offset.
public enum RFC3339 {
    /// Whole milliseconds, rounded to the nearest. A parsed time's fraction is binary and may lie a
    /// hair under the written one (`.004` read back as `.0039999…`); truncating it, as the
    /// fractional ISO 8601 style does, moved a time by a millisecond on every decode and encode
    /// (found by the `envelope` fuzz target).
    public static func format(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (millis / 1000).rounded(.down)
        let fraction = Int(millis - seconds * 1000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle())
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(whole.dropLast()).\(padded)Z"
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
