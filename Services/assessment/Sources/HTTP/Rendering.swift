import CityGridModel
import Foundation
import Hummingbird

/// JSON and CSV renderings of figure rows.
enum Rendering {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(RFC3339.format(date))
        }
        return e
    }()

    struct Body<Row: Encodable>: Encodable {
        var period: Period
        var family: String
        var rows: [Row]
    }

    static func json<Row: Encodable>(_ rows: [Row], period: Period, family: String) throws -> Response {
        let data = try encoder.encode(Body(period: period, family: family, rows: rows))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// CSV with one column per stored property, in declaration order, snake_case headers; nil is empty.
    static func csv<Row>(_ rows: [Row], prototype: Row) -> Response {
        let labels = Mirror(reflecting: prototype).children.compactMap(\.label)
        var lines = [labels.map(snakeCase).joined(separator: ",")]
        for row in rows {
            lines.append(Mirror(reflecting: row).children.map { cell($0.value) }.joined(separator: ","))
        }
        let text = lines.joined(separator: "\r\n") + "\r\n"
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
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
