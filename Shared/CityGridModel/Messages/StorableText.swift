import Foundation

/// Text the system can keep. PostgreSQL stores no U+0000 (NUL) in `text` or `jsonb` (SQLSTATE
/// 22P05), so a NUL accepted at one door fails later, in whichever service first stores it: a
/// report intake took, supervision could not, and every later message of that case waited
/// for a case that was never born. Every door (JSON bodies, form bodies, inbound messages)
/// refuses such text with the field it is in, before anything is stored or published.
public enum StorableText {
    /// Whether a JSON document holds a NUL in any string (always written `\u0000` in JSON: a raw
    /// control character is not valid JSON). A byte scan that honours escaped backslashes, so
    /// the six characters `\\u0000` (a backslash, then text) are not taken for one.
    public static func jsonHasNUL(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "\\") else { continue }
            guard let escaped = iterator.next() else { return false }
            guard escaped == UInt8(ascii: "u") else { continue }
            var digits: [UInt8] = []
            while digits.count < 4, let digit = iterator.next() { digits.append(digit) }
            if digits == Array("0000".utf8) { return true }
        }
        return false
    }

    /// The paths (`description`, `photos[1].url`, `data.address`) of the strings in a parsed JSON
    /// value that hold a NUL, keys included.
    public static func pathsWithNUL(in value: Any, at path: String = "") -> [String] {
        switch value {
        case let text as String:
            return text.unicodeScalars.contains("\u{0}") ? [path.isEmpty ? "body" : path] : []
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { key -> [String] in
                let here = path.isEmpty ? key : "\(path).\(key)"
                let inKey = key.unicodeScalars.contains("\u{0}") ? [here] : []
                return inKey + pathsWithNUL(in: object[key]!, at: here)
            }
        case let array as [Any]:
            return array.enumerated().flatMap { pathsWithNUL(in: $1, at: "\(path.isEmpty ? "body" : path)[\($0)]") }
        default:
            return []
        }
    }

    /// The fields of a JSON document whose text holds a NUL; empty when none does (or the
    /// document is not JSON, which its decoder reports).
    public static func fieldsWithNUL(inJSON data: Data) -> [String] {
        guard jsonHasNUL(data), let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [] }
        return pathsWithNUL(in: value)
    }

    /// What a door says about such a field.
    public static let problem = "contains the character U+0000 (NUL), which no text may hold"
}
