import CityGridModel
import Foundation

/// An `application/x-www-form-urlencoded` body (GeoReport v2 POSTs), decoded. Repeated keys
/// (`attribute[CODE][]`) keep every value.
public struct Open311Form: Sendable, Equatable {
    public var pairs: [(String, String)]
    /// Parameters whose name or value is not valid percent-encoded UTF-8 (`%ED%A0%80`, a lone
    /// surrogate; `%FF`; a `%` without two hex digits), by name as it came.
    public var undecodable: [String] = []

    public init(_ body: String) {
        var undecodable: [String] = []
        pairs = body.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(kv[0]), value = kv.count > 1 ? Self.decode(kv[1]) : ""
            if key == nil || value == nil { undecodable.append(key ?? String(kv[0])) }
            return (key ?? String(kv[0]), value ?? "")
        }
        self.undecodable = undecodable
    }

    /// The first non-empty value of `key` (the spec treats an empty parameter as absent).
    public subscript(_ key: String) -> String? {
        pairs.first { $0.0 == key && !$0.1.trimmingCharacters(in: .whitespaces).isEmpty }?.1
    }

    /// `attribute[CODE]` and `attribute[CODE][]` values by code.
    public var attributes: [String: [String]] {
        var out: [String: [String]] = [:]
        for (key, value) in pairs where key.hasPrefix("attribute[") && !value.isEmpty {
            let rest = key.dropFirst("attribute[".count)
            guard let close = rest.firstIndex(of: "]") else { continue }
            out[String(rest[..<close]), default: []].append(value)
        }
        return out
    }

    /// Text no store can keep is refused, naming the parameters, before anything else is read:
    /// `%00` decodes to a NUL (see ``StorableText``), and bytes that are not UTF-8 (a lone
    /// surrogate, `%FF`) decode to no text at all. Keeping them as they came would store
    /// something the client never meant.
    func refuseUnstorable() throws {
        let withNUL = pairs.filter { $0.0.unicodeScalars.contains("\u{0}") || $0.1.unicodeScalars.contains("\u{0}") }
        let problems = withNUL.map { "\($0.0.replacingOccurrences(of: "\u{0}", with: "\\0")) \(StorableText.problem)" }
            + undecodable.map { "\($0) is not valid percent-encoded UTF-8" }
        guard problems.isEmpty else { throw Open311Error(.badRequest, problems.joined(separator: "; ")) }
    }

    /// `+` is a space; percent escapes must spell UTF-8. `nil` when they do not.
    static func decode(_ s: Substring) -> String? {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    public static func == (lhs: Open311Form, rhs: Open311Form) -> Bool { lhs.pairs.elementsEqual(rhs.pairs) { $0 == $1 } }
}
