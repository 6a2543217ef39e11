import Foundation

/// A GeoReport v2 response, rendered either as XML (required by the spec) or as JSON (the
/// "Spark convention" mapping: lists become bare arrays, keys keep their order).
public indirect enum Open311Value: Sendable, Equatable {
    case text(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// Ordered fields; a nil value is left out.
    case object([(String, Open311Value?)])
    /// A list whose XML items are called `element`.
    case list(element: String, [Open311Value])

    public static func == (lhs: Open311Value, rhs: Open311Value) -> Bool { lhs.json == rhs.json }

    // MARK: JSON

    var json: String {
        switch self {
        case .text(let s): return Self.quote(s)
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .object(let fields):
            return "{" + fields.compactMap { key, value in value.map { Self.quote(key) + ":" + $0.json } }.joined(separator: ",") + "}"
        case .list(_, let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: XML

    /// The content of an element holding this value.
    var xmlContent: String {
        switch self {
        case .text(let s): return Self.escape(s)
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .object(let fields):
            return fields.compactMap { key, value in value.map { "<\(key)>\($0.xmlContent)</\(key)>" } }.joined()
        case .list(let element, let items): return items.map { "<\(element)>\($0.xmlContent)</\(element)>" }.joined()
        }
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 has no place for control characters other than tab, newline and return,
            // nor for U+FFFE and U+FFFF (found by the open311 fuzz target): they are left out.
            case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r": continue
            case "\u{FFFE}", "\u{FFFF}": continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// The two representations a GeoReport v2 client may ask for, chosen by the URL suffix.
public enum Open311Format: String, Sendable {
    case xml, json

    public var contentType: String { self == .xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8" }

    /// Splits `requests.json` into (`requests`, .json); nil when the suffix is not a format.
    public static func split(_ name: String) -> (String, Open311Format)? {
        guard let dot = name.lastIndex(of: "."), let format = Open311Format(rawValue: String(name[name.index(after: dot)...]).lowercased())
        else { return nil }
        return (String(name[..<dot]), format)
    }
}

/// A whole response: the XML root element and its value.
public struct Open311Document: Sendable {
    public var root: String
    public var value: Open311Value

    public init(root: String, value: Open311Value) {
        self.root = root
        self.value = value
    }

    public func render(_ format: Open311Format) -> String {
        switch format {
        case .json: return value.json
        case .xml: return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<\(root)>\(value.xmlContent)</\(root)>"
        }
    }

    /// The spec's error list: `[{"code":403,"description":"…"}]` / `<errors><error><code>…`.
    public static func errors(_ errors: [(code: Int, description: String)]) -> Open311Document {
        Open311Document(root: "errors", value: .list(element: "error", errors.map {
            .object([("code", .int($0.code)), ("description", .text($0.description))])
        }))
    }
}
