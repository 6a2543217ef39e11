import Foundation

/// A value sent as a query parameter, in PostgreSQL's text format. Parameters are always bound
/// separately from the SQL text (`$1`, `$2`, …); nothing here builds SQL from values.
public protocol PGEncodable: Sendable {
    var pgText: String? { get }
}

extension String: PGEncodable { public var pgText: String? { self } }
extension Int: PGEncodable { public var pgText: String? { String(self) } }
extension Int64: PGEncodable { public var pgText: String? { String(self) } }
extension Int32: PGEncodable { public var pgText: String? { String(self) } }
extension Double: PGEncodable { public var pgText: String? { String(self) } }
extension Bool: PGEncodable { public var pgText: String? { self ? "t" : "f" } }
extension UUID: PGEncodable { public var pgText: String? { uuidString.lowercased() } }
extension Date: PGEncodable { public var pgText: String? { PGTimestamp.format(self) } }
extension Optional: PGEncodable where Wrapped: PGEncodable {
    public var pgText: String? { self?.pgText }
}

/// A JSON document parameter (for `jsonb` columns).
public struct PGJSON: PGEncodable {
    public let text: String
    public init(_ text: String) { self.text = text }
    public init<T: Encodable>(encoding value: T, encoder: JSONEncoder = JSONEncoder()) throws {
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    public var pgText: String? { text }
}

/// A text array parameter (`text[]`), e.g. for `= ANY($1)`.
public struct PGTextArray: PGEncodable {
    public let values: [String]
    public init(_ values: [String]) { self.values = values }
    public var pgText: String? {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}

/// `timestamptz` text conversion. Sessions run with TimeZone=UTC, so the server prints
/// `2026-11-25 19:09:39.123456+00`.
public enum PGTimestamp {
    public static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        let days = Int(floorDiv(seconds, 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = civil(fromDays: days)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", y, m, d,
                      secondOfDay / 3600, (secondOfDay / 60) % 60, secondOfDay % 60, Int(fraction))
    }

    /// Parses the server's ISO output (`YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM]`).
    public static func parse(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 19 else { return nil }
        func num(_ start: Int, _ count: Int) -> Int? {
            var v = 0
            for i in start..<(start + count) {
                guard i < u.count, u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
              let s = num(17, 2) else { return nil }
        var i = 19
        var micros = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(u[i] - 48); digits += 1 }
                i += 1
            }
            while digits < 6 { micros *= 10; digits += 1 }
        }
        var offset = 0
        if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = num(i + 1, 2) else { return nil }
            var om = 0
            if i + 3 < u.count, u[i + 3] == UInt8(ascii: ":"), let m = num(i + 4, 2) { om = m }
            offset = sign * (oh * 3600 + om * 60)
        }
        let days = daysFromCivil(y, mo, d)
        let seconds = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    // Howard Hinnant's civil-from-days algorithms (proleptic Gregorian calendar).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
