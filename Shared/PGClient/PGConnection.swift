import CLibPQ
import Foundation

/// One libpq connection. Not thread-safe: a ``PGPool`` confines each connection to its own
/// thread and hands it to one caller at a time.
public final class PGConnection {
    private var handle: OpaquePointer?
    let settings: PGSettings

    init(settings: PGSettings) throws(PGError) {
        self.settings = settings
        try open()
    }

    deinit { if let handle { PQfinish(handle) } }

    private func open() throws(PGError) {
        if let handle { PQfinish(handle) }
        handle = nil
        // Session settings travel in the startup packet, so they hold from the first statement.
        // JIT off: the services' statements are short, and where the planner's estimate is large
        // (a map query, a count over the open cases) compiling took 90–120 ms, more than the
        // statement itself.
        let options = "-c statement_timeout=\(settings.statementTimeoutMilliseconds) -c TimeZone=UTC "
            + "-c lock_timeout=\(settings.lockTimeoutMilliseconds) -c jit=off"
        let keys = ["dbname", "application_name", "connect_timeout", "options"]
        let values = [settings.url, settings.applicationName, String(settings.connectTimeoutSeconds), options]
        let conn: OpaquePointer? = withCStringArray(keys) { k in withCStringArray(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let conn else { throw PGError(.connection, "out of memory creating a PostgreSQL connection") }
        if PQstatus(conn) != CONNECTION_OK {
            let message = Self.trimmed(PQerrorMessage(conn))
            PQfinish(conn)
            throw PGError(.connection, "cannot connect to PostgreSQL at \(settings.redactedURL): \(message)")
        }
        // libpq prints server NOTICEs (e.g. "relation already exists, skipping") to stderr by
        // default; they are not errors and would break the one-line error contract of start-up.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        handle = conn
    }

    /// Whether the connection is usable; a broken one is re-opened by ``reconnectIfNeeded()``.
    public var isHealthy: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    func reconnectIfNeeded() throws(PGError) {
        if !isHealthy { try open() }
    }

    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PGEncodable] = []) throws(PGError) -> PGResult {
        guard let handle else { throw PGError(.connection, "connection is closed") }
        let texts = parameters.map { $0.pgText }
        let result: OpaquePointer? = withOptionalCStringArray(texts) { params in
            PQexecParams(handle, sql, Int32(texts.count), nil, params, nil, nil, 0)
        }
        return try consume(result, sql: sql)
    }

    /// Runs a script of several statements without parameters (migrations, fixed DDL).
    public func executeScript(_ sql: String) throws(PGError) {
        guard let handle else { throw PGError(.connection, "connection is closed") }
        _ = try consume(PQexec(handle, sql), sql: sql)
    }

    private func consume(_ result: OpaquePointer?, sql: String) throws(PGError) -> PGResult {
        guard let result else {
            throw PGError(.connection, handle.map { Self.trimmed(PQerrorMessage($0)) } ?? "no result")
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? Self.trimmed(PQresultErrorMessage(result))
            let broken = !isHealthy
            throw PGError(broken ? .connection : .statement, "\(primary) (in: \(Self.summary(sql)))", sqlState: state)
        }
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [String] = []
        var index: [String: Int] = [:]
        columns.reserveCapacity(columnCount)
        for c in 0..<columnCount {
            let name = String(cString: PQfname(result, Int32(c)))
            columns.append(name)
            if index[name] == nil { index[name] = c }
        }
        var rows: [PGRow] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            rows.append(PGRow(columnIndex: index, values: values))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PGResult(columns: columns, rows: rows, affectedRows: affected)
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
    }

    /// The first words of a statement, to say which one failed without logging values.
    static func summary(_ sql: String) -> String {
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(6).joined(separator: " ")
        return words.count > 80 ? String(words.prefix(80)) + "…" : words
    }
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) }) { pointer in body(pointer!) }
}

/// C strings for `strings` (nil stays NULL, i.e. SQL NULL), terminated by NULL, valid during `body`.
func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    var owned: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    owned.append(nil)
    defer { owned.forEach { free($0) } }
    return owned.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}
