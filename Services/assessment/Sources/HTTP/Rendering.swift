import CityGridModel
import Foundation
import Hummingbird

/// JSON and CSV renderings of figure rows.
enum Rendering {
    /// The message coding with snake_case keys: the figures' documented names follow the KPI
    /// formulas' spreadsheet columns (`on_time_rate`), which CSV exports use as headers too.
    static let encoder: JSONEncoder = {
        let e = MessageCoding.encoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }()

    /// When the figures were judged: at the period end once it is over, at the city's now while it
    /// runs (then the figures are provisional and say so).
    struct Judged {
        var period: Period
        var asOf: Date
        var running: Bool
        init(period: Period, now: Date) {
            self.period = period
            asOf = period.asOf(now: now)
            running = period.isRunning(at: now)
        }
    }

    /// CSV has no room for the period, so every answer also carries these headers.
    static let asOfHeader = HTTPFields.Element.Name("CityGrid-As-Of")!
    static let runningHeader = HTTPFields.Element.Name("CityGrid-Period-Running")!

    struct Body<Row: Encodable>: Encodable {
        var period: Period
        var asOf: Date
        var running: Bool
        var family: String
        var rows: [Row]
    }

    static func headers(_ contentType: String, _ judged: Judged) -> HTTPFields {
        [.contentType: contentType, asOfHeader: RFC3339.format(judged.asOf), runningHeader: judged.running ? "true" : "false"]
    }

    static func json<Row: Encodable>(_ rows: [Row], judged: Judged, family: String) throws -> Response {
        let data = try encoder.encode(Body(period: judged.period, asOf: judged.asOf, running: judged.running, family: family, rows: rows))
        return Response(status: .ok, headers: headers("application/json", judged), body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// CSV with one column per stored property, in declaration order, snake_case headers; nil is empty.
    static func csv<Row>(_ rows: [Row], prototype: Row, judged: Judged) -> Response {
        let labels = Mirror(reflecting: prototype).children.compactMap(\.label)
        var lines = [labels.map(snakeCase).joined(separator: ",")]
        for row in rows {
            lines.append(Mirror(reflecting: row).children.map { cell($0.value) }.joined(separator: ","))
        }
        let text = lines.joined(separator: "\r\n") + "\r\n"
        return Response(status: .ok, headers: headers("text/csv; charset=utf-8", judged), body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func cell(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let inner = mirror.children.first?.value else { return "" }
            return cell(inner)
        }
        let text: String
        switch value {
        case let v as any RawRepresentable<String>: text = v.rawValue
        default: text = "\(value)"
        }
        if text.contains(",") || text.contains("\"") || text.contains("\n") {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    static func snakeCase(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }
}
