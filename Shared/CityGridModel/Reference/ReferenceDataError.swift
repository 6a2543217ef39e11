/// One problem found while loading reference data, located by file, line and field.
///
/// Its description has the shape `grids.csv:412: field 'district_code': unknown district 150199`,
/// which editors and CI logs turn into clickable locations.
public struct ReferenceDataError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// File name relative to the reference-data directory, e.g. `calendar/2026.csv`.
    public var file: String
    /// 1-based line where the offending record starts; 0 when the problem concerns the whole file.
    public var line: Int
    /// Column name, or `nil` when the problem concerns the whole record or file.
    public var field: String?
    /// What is wrong, in plain words.
    public var message: String

    /// Creates an error located at `file:line`, optionally at one field.
    public init(file: String, line: Int, field: String?, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var text = line > 0 ? "\(file):\(line): " : "\(file): "
        if let field { text += "field '\(field)': " }
        return text + message
    }
}

/// All problems of one load. ``ReferenceData/load(from:progress:)`` collects every error
/// instead of stopping at the first, and throws this if there was at least one.
public struct ReferenceDataErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var errors: [ReferenceDataError]

    /// Wraps the problems of one load.
    public init(_ errors: [ReferenceDataError]) {
        self.errors = errors
    }

    /// One problem per line, preceded by a count.
    public var description: String {
        "\(errors.count) reference-data error(s):\n" + errors.map(\.description).joined(separator: "\n")
    }
}
