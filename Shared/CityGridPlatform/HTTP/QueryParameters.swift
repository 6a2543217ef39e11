import CityGridModel
import Foundation
import Hummingbird

/// Reads a request's query parameters and collects every problem, so a client learns all that is
/// wrong at once; ``finish()`` answers them as one 422. An empty value counts as absent.
public struct QueryParameters: Sendable {
    private let values: [String: String]
    public private(set) var problems: [APIError.FieldProblem] = []

    /// - Parameter known: when given, any other parameter is a problem: a misspelt filter must
    ///   not quietly widen a list.
    public init(_ request: Request, known: Set<String>? = nil) {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
        self.values = values
        for (name, value) in values.sorted(by: { $0.key < $1.key })
        where name.unicodeScalars.contains("\u{0}") || value.unicodeScalars.contains("\u{0}") {
            problems.append(.init(field: name, problem: StorableText.problem))
        }
        for name in values.keys.sorted() where values[name]?.isEmpty == true {
            problems.append(.init(field: name, problem: "is empty: give it a value or leave it out"))
        }
        // Escapes that spell no UTF-8 (a lone surrogate `%ED%A0%80`, `%FF`, a stray `%`) decode
        // to no text: refused rather than searched for as whatever they became.
        for part in (request.uri.query ?? "").split(separator: "&") {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (raw: Substring) in raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard decode(pair[0]) == nil || (pair.count > 1 && decode(pair[1]) == nil) else { continue }
            problems.append(.init(field: decode(pair[0]) ?? String(pair[0]), problem: "is not valid percent-encoded UTF-8"))
        }
        if let known {
            for name in Set(values.keys).subtracting(known).sorted() {
                problems.append(.init(field: name, problem: "unknown query parameter; known: \(known.sorted().joined(separator: ", "))"))
            }
        }
    }

    public func has(_ name: String) -> Bool { text(name) != nil }

    public func text(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    public mutating func problem(_ field: String, _ problem: String) {
        problems.append(.init(field: field, problem: problem))
    }

    public mutating func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let text = text(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            problem(name, "must be an integer between \(range.lowerBound) and \(range.upperBound)")
            return fallback
        }
        return value
    }

    /// A number within `range`; nil (and a problem when `required`) otherwise.
    public mutating func number(_ name: String, range: ClosedRange<Double>, required: Bool, what: String) -> Double? {
        guard let text = text(name) else {
            // Sent empty is already a problem of its own.
            if required && values[name] == nil { problem(name, "\(what) is required") }
            return nil
        }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            problem(name, "must be \(what) between \(Self.plain(range.lowerBound)) and \(Self.plain(range.upperBound))")
            return nil
        }
        return value
    }

    /// One of an enumeration's raw values.
    public mutating func choice<Value: RawRepresentable & CaseIterable>(_ name: String, as type: Value.Type) -> Value?
    where Value.RawValue == String {
        guard let text = text(name) else { return nil }
        guard let value = Value(rawValue: text) else {
            problem(name, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// One of a fixed set of words.
    public mutating func word(_ name: String, oneOf allowed: [String], default fallback: String? = nil) -> String? {
        guard let text = text(name) else { return fallback }
        guard allowed.contains(text) else {
            problem(name, "must be one of \(allowed.joined(separator: ", "))")
            return fallback
        }
        return text
    }

    public mutating func dateTime(_ name: String) -> Date? {
        guard let text = text(name) else { return nil }
        guard let date = RFC3339.parse(text) else {
            problem(name, "must be an RFC 3339 date-time")
            return nil
        }
        guard DateBounds.contains(date) else {
            problem(name, DateBounds.problem)
            return nil
        }
        return date
    }

    public mutating func boolean(_ name: String) -> Bool? {
        guard let text = text(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            problem(name, "must be true or false")
            return nil
        }
    }

    /// Throws the problems found, if any.
    public func finish() throws(APIError) {
        guard problems.isEmpty else { throw .validation(problems) }
    }

    private static func plain(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
