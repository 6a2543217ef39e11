import Foundation

/// The rows of one statement, copied out of libpq in text format.
public struct PGResult: Sendable {
    public let columns: [String]
    public let rows: [PGRow]
    /// Rows inserted/updated/deleted, from the command tag.
    public let affectedRows: Int

    public var first: PGRow? { rows.first }
}

/// One row; columns are read by name with typed accessors that fail with a clear message.
public struct PGRow: Sendable {
    let columnIndex: [String: Int]
    let values: [String?]

    /// The raw text of a column, nil for SQL NULL.
    public subscript(_ column: String) -> String? {
        guard let i = columnIndex[column] else { return nil }
        return values[i]
    }

    private func raw(_ column: String) throws(PGError) -> String {
        guard let i = columnIndex[column] else { throw PGError(.decoding, "no column '\(column)' in the result") }
        guard let value = values[i] else { throw PGError(.decoding, "column '\(column)' is NULL") }
        return value
    }

    public func string(_ column: String) throws(PGError) -> String { try raw(column) }
    public func optionalString(_ column: String) -> String? { self[column] }

    public func int(_ column: String) throws(PGError) -> Int {
        let text = try raw(column)
        guard let v = Int(text) else { throw PGError(.decoding, "column '\(column)' is not an integer") }
        return v
    }
    public func optionalInt(_ column: String) -> Int? { self[column].flatMap { Int($0) } }

    public func double(_ column: String) throws(PGError) -> Double {
        let text = try raw(column)
        guard let v = Double(text) else { throw PGError(.decoding, "column '\(column)' is not a number") }
        return v
    }
    public func optionalDouble(_ column: String) -> Double? { self[column].flatMap { Double($0) } }

    public func bool(_ column: String) throws(PGError) -> Bool { try raw(column) == "t" }

    public func uuid(_ column: String) throws(PGError) -> UUID {
        guard let v = UUID(uuidString: try raw(column)) else { throw PGError(.decoding, "column '\(column)' is not a UUID") }
        return v
    }
    public func optionalUUID(_ column: String) -> UUID? { self[column].flatMap { UUID(uuidString: $0) } }

    public func date(_ column: String) throws(PGError) -> Date {
        guard let v = PGTimestamp.parse(try raw(column)) else { throw PGError(.decoding, "column '\(column)' is not a timestamptz") }
        return v
    }
    public func optionalDate(_ column: String) -> Date? { self[column].flatMap { PGTimestamp.parse($0) } }

    /// Decodes a json/jsonb column.
    public func json<T: Decodable>(_ column: String, as type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(T.self, from: Data(try raw(column).utf8))
    }

    /// Parses a text[] column in PostgreSQL's array output format.
    public func textArray(_ column: String) throws(PGError) -> [String] { PGRow.parseArray(try raw(column)) }

    static func parseArray(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        let inner = text.dropFirst().dropLast()
        if inner.isEmpty { return [] }
        for ch in inner {
            if escaped { current.append(ch); escaped = false; continue }
            switch ch {
            case "\\" where inQuotes: escaped = true
            case "\"": inQuotes.toggle()
            case "," where !inQuotes:
                result.append(current); current = ""
            default: current.append(ch)
            }
        }
        result.append(current)
        return result
    }
}
