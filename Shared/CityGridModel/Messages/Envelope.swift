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
///
/// Every stored case, message and API answer carries a dozen of these, so the common shapes have
/// a direct path: `format` writes the digits itself, and `parse` reads
/// `YYYY-MM-DDTHH:MM:SS[.mmm](Z|±HH:MM)` itself. Both give exactly what Foundation's
/// `ISO8601FormatStyle` gives (the same text; the same `Date`, bit for bit: the time of day and its
/// fraction are summed first, then added to the day, as Foundation does). Anything else — other
/// fraction lengths, lower-case letters, out-of-range fields, years before 1601 — goes to
/// `ISO8601FormatStyle` as before, so what is accepted and refused does not change.
public enum RFC3339 {
    /// Whole milliseconds, rounded to the nearest. A parsed time's fraction is binary and may lie a
    /// hair under the written one (`.004` read back as `.0039999…`); truncating it, as the
    /// fractional ISO 8601 style does, moved a time by a millisecond on every decode and encode
    /// (found by the `envelope` fuzz target).
    public static func format(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        // 1601-01-01 ..< 10000-01-01: four-digit years of the proleptic Gregorian calendar.
        guard millis >= -11_644_473_600_000, millis < 253_402_300_800_000 else { return formatStyled(millis) }
        let total = Int(millis)
        let fraction = ((total % 1000) + 1000) % 1000
        let seconds = (total - fraction) / 1000
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let civil = CivilDate(dayNumber: (seconds - secondOfDay) / 86_400)
        let (year, month, day) = (civil.year, civil.month, civil.day)
        return String(unsafeUninitializedCapacity: 24) { b in
            func put(_ value: Int, at: Int, width: Int) {
                var v = value
                for i in stride(from: at + width - 1, through: at, by: -1) { b[i] = UInt8(truncatingIfNeeded: 48 + v % 10); v /= 10 }
            }
            put(year, at: 0, width: 4); b[4] = 0x2D; put(month, at: 5, width: 2); b[7] = 0x2D; put(day, at: 8, width: 2); b[10] = 0x54
            put(secondOfDay / 3600, at: 11, width: 2); b[13] = 0x3A; put(secondOfDay / 60 % 60, at: 14, width: 2); b[16] = 0x3A
            put(secondOfDay % 60, at: 17, width: 2); b[19] = 0x2E; put(fraction, at: 20, width: 3); b[23] = 0x5A
            return 24
        }
    }

    /// `format` through Foundation, for years outside 1601–9999.
    static func formatStyled(_ millis: Double) -> String {
        let seconds = (millis / 1000).rounded(.down)
        let fraction = Int(millis - seconds * 1000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle())
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(whole.dropLast()).\(padded)Z"
    }

    public static func parse(_ text: String) -> Date? {
        if let date = parseCommon(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// The shapes this system writes, or nil for anything else (then Foundation decides).
    static func parseCommon(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { p -> Date? in
            let n = p.count
            func digits(_ at: Int, _ width: Int) -> Int? {
                var value = 0
                for i in at..<(at + width) {
                    let d = Int(p[i]) &- 48
                    guard d >= 0 && d <= 9 else { return nil }
                    value = value * 10 + d
                }
                return value
            }
            guard n >= 20, p[4] == 0x2D, p[7] == 0x2D, p[10] == 0x54, p[13] == 0x3A, p[16] == 0x3A,
                  let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
                  let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
                  year >= 1601, let date = CivilDate(year: year, month: month, day: day),
                  hour <= 23, minute <= 59, second <= 59 else { return nil }
            var i = 19
            var millis = 0
            if p[i] == 0x2E {
                guard n >= 24, let fraction = digits(20, 3) else { return nil }
                millis = fraction
                i = 23
            }
            var offset = 0
            if p[i] == 0x5A {
                guard n == i + 1 else { return nil }
            } else if p[i] == 0x2B || p[i] == 0x2D {
                guard n == i + 6, p[i + 3] == 0x3A, let hours = digits(i + 1, 2), let minutes = digits(i + 4, 2),
                      hours <= 23, minutes <= 59 else { return nil }
                offset = (hours * 60 + minutes) * 60 * (p[i] == 0x2B ? 1 : -1)
            } else {
                return nil
            }
            // Seconds of 2001-01-01T00:00:00Z, Foundation's reference date.
            let dayStart = date.dayNumber * 86_400 - 978_307_200
            let timeOfDay = Double(hour * 3600 + minute * 60 + second) + Double(millis) / 1000
            return Date(timeIntervalSinceReferenceDate: Double(dayStart) + timeOfDay - Double(offset))
        }
    }
}
