import Foundation

/// Readable case numbers: the city-day (in the city's time zone) and a gap-free sequence of
/// that day, `YYYYMMDD-NNNN` (more digits after the 9,999th report of a day).
public struct CaseNumbering: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The city-day a moment belongs to, as `YYYY-MM-DD` (the key of the sequence table).
    public func day(of date: Date) -> String {
        let c = components(of: date)
        return String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
    }

    /// `YYYYMMDD-NNNN` for the `sequence`-th case of the city-day of `date`.
    public func format(date: Date, sequence: Int) -> String {
        let c = components(of: date)
        return String(format: "%04d%02d%02d-%04d", c.year, c.month, c.day, sequence)
    }

    /// Whether `text` is the beginning of a case number past its day: eight digits, the dash,
    /// then digits only (`20251205-`, `20251205-04`, `20251205-0452`). Every number has its dash
    /// at the ninth character, so such a text occurs in a number only at its start; the
    /// supervisors' search looks it up by number prefix (an index range) instead of as free text.
    public static func isNumberPrefix(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 9, bytes[8] == UInt8(ascii: "-") else { return false }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        return bytes[..<8].allSatisfy(isDigit) && bytes[9...].allSatisfy(isDigit)
    }

    private func components(of date: Date) -> (year: Int, month: Int, day: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return (c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
