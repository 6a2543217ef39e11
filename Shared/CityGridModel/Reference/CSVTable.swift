/// A CSV file read into memory: header plus records, each record remembering the line it starts
/// on so that validation errors can point at it.
///
/// The reader follows RFC 4180: fields separated by commas, records by LF or CRLF, fields may be
/// quoted with `"`, and a quoted field may contain commas, line breaks and doubled quotes (`""`).
/// A UTF-8 byte-order mark is skipped. Blank lines are ignored.
public struct CSVTable: Sendable {
    /// One record (row) of the file.
    public struct Record: Sendable {
        /// 1-based line on which the record starts.
        public var line: Int
        /// Field values in column order.
        public var fields: [String]
    }

    /// File name used in error messages.
    public var file: String
    /// Column names from the first line.
    public var header: [String]
    /// Records after the header.
    public var records: [Record]

    /// Index of a column by name.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// Parses CSV text. Structural problems (unterminated quote, wrong number of fields, text after
    /// a closing quote) are returned as errors; the affected records are dropped.
    /// - Parameters:
    ///   - text: the file content.
    ///   - file: name used in errors.
    public static func parse(_ text: String, file: String) -> (table: CSVTable, errors: [ReferenceDataError]) {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var errors: [ReferenceDataError] = []
        var rows: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var i = 0
        var inQuotes = false, wasQuoted = false, afterQuote = false

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
            afterQuote = false
        }
        func endRecord() {
            let quoted = wasQuoted
            endField()
            if !(fields.count == 1 && fields[0].isEmpty && !quoted) {
                rows.append(Record(line: recordLine, fields: fields))
            }
            fields.removeAll(keepingCapacity: true)
        }

        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                }
            } else if b == UInt8(ascii: ",") {
                endField()
            } else if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                if b == UInt8(ascii: "\r"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            } else if b == UInt8(ascii: "\"") && field.isEmpty && !afterQuote {
                inQuotes = true
                wasQuoted = true
            } else {
                if afterQuote {
                    errors.append(ReferenceDataError(file: file, line: line, field: nil, message: "text after a closing quote"))
                    afterQuote = false
                }
                field.append(b)
            }
            i += 1
        }
        if inQuotes {
            errors.append(ReferenceDataError(file: file, line: recordLine, field: nil, message: "unterminated quoted field"))
        }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }

        guard let headerRecord = rows.first else {
            errors.append(ReferenceDataError(file: file, line: 1, field: nil, message: "empty file: a header row is required"))
            return (CSVTable(file: file, header: [], records: []), errors)
        }
        let header = headerRecord.fields.map(trimmed)
        var records: [Record] = []
        records.reserveCapacity(rows.count - 1)
        for record in rows.dropFirst() {
            if record.fields.count != header.count {
                errors.append(ReferenceDataError(
                    file: file, line: record.line, field: nil,
                    message: "expected \(header.count) fields, found \(record.fields.count)"))
            } else {
                records.append(record)
            }
        }
        return (CSVTable(file: file, header: header, records: records), errors)
    }
}

/// The string without leading and trailing spaces and tabs.
private func trimmed(_ text: String) -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
    return String(text[first...last])
}
