import CityGridModel
import Foundation

/// An `application/x-www-form-urlencoded` body (GeoReport v2 POSTs), decoded. Repeated keys
/// (`attribute[CODE][]`) keep every value.
public struct Open311Form: Sendable, Equatable {
    public var pairs: [(String, String)]

    public init(_ body: String) {
        pairs = body.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(kv[0]), kv.count > 1 ? Self.decode(kv[1]) : "")
        }
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

    /// `%00` decodes to a NUL that no store can keep (see ``StorableText``): refused, naming
    /// the parameters, before anything else is read.
    func refuseNUL() throws {
        let withNUL = pairs.filter { $0.0.unicodeScalars.contains("\u{0}") || $0.1.unicodeScalars.contains("\u{0}") }
        guard withNUL.isEmpty else {
            throw Open311Error(.badRequest, withNUL.map { "\($0.0.replacingOccurrences(of: "\u{0}", with: "\\0")) \(StorableText.problem)" }.joined(separator: "; "))
        }
    }

    static func decode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    public static func == (lhs: Open311Form, rhs: Open311Form) -> Bool { lhs.pairs.elementsEqual(rhs.pairs) { $0 == $1 } }
}
