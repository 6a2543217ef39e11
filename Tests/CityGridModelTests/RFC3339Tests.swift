import CityGridModel
import Foundation
import Testing

/// `RFC3339` writes and reads the common shapes itself (every stored case carries a dozen dates);
/// what it gives must be what Foundation's `ISO8601FormatStyle` gave, text for text and bit for bit.
@Suite struct RFC3339Tests {
    static func styledFormat(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (millis / 1000).rounded(.down)
        let fraction = Int(millis - seconds * 1000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle())
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(whole.dropLast()).\(padded)Z"
    }

    static func styledParse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    @Test func formatsAsFoundationDoes() {
        var rng = SystemRandomNumberGenerator()
        let edges: [Double] = [0, -0.0005, 0.0005, -1, 0.9995, 1_700_000_000.4995, -2_208_988_800, 7_289_654_399.999,
                               -11_644_473_600, -11_644_473_600.001, 253_402_300_799.999, 253_402_300_800, 951_782_400, 1e12, -1e12]
        let random = (0..<20_000).map { k -> Double in
            k % 2 == 0 ? Double(Int64.random(in: -2_208_988_800_000...7_289_654_400_000, using: &rng)) / 1000
                : Double.random(in: -2_208_988_800...7_289_654_400, using: &rng)
        }
        for t in edges + random {
            let date = Date(timeIntervalSince1970: t)
            #expect(RFC3339.format(date) == Self.styledFormat(date), "\(t)")
        }
    }

    @Test func parsesAsFoundationDoes() {
        var rng = SystemRandomNumberGenerator()
        var texts = ["2026-11-25T10:00:00Z", "2026-11-25T10:00:00.123Z", "2024-02-29T23:59:59.999+08:00", "2000-12-31T21:26:05.189Z",
                     "2018-01-05T21:42:38.586+08:00", "1900-01-01T00:00:00.000Z", "2200-12-31T23:59:59.999-05:30",
                     // Not the common shapes: Foundation decides, as before.
                     "2026-11-25T10:00:00.1Z", "2026-11-25T10:00:00.123456Z", "2026-02-30T10:00:00Z", "2026-11-25t10:00:00z",
                     "2026-11-25 10:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T10:00:60Z", "2026-11-25T10:00:00", "1500-01-01T00:00:00Z",
                     "2026-11-25T10:00:00+0800", "2026-11-25T10:00:00.123+08:00x", "", "yesterday"]
        for k in 0..<20_000 {
            let text = RFC3339.format(Date(timeIntervalSince1970: Double(Int64.random(in: -2_208_988_800_000...7_289_654_400_000, using: &rng)) / 1000))
            switch k % 4 {
            case 0: texts.append(text)
            case 1: texts.append(String(text.dropLast(5)) + "Z")
            case 2: texts.append(String(text.dropLast()) + "+08:00")
            default: texts.append(String(text.dropLast()) + "-09:30")
            }
        }
        for text in texts {
            let mine = RFC3339.parse(text), styled = Self.styledParse(text)
            #expect(mine?.timeIntervalSinceReferenceDate.bitPattern == styled?.timeIntervalSinceReferenceDate.bitPattern, "\(text)")
        }
    }
}
