import CLibPQ
import Foundation

/// One libpq connection. Not thread-safe: a ``PGPool`` confines each connection to its own
/// thread and hands it to one caller at a time.
public final class PGConnection {
    private var handle: OpaquePointer?
    let settings: PGSettings
    /// Statements prepared on this session, by SQL text. Parsing and planning the same short
    /// statement for every message was a large share of the database's time per case; a
    /// prepared one is parsed once per connection. Bounded: statements whose text varies
    /// (inlined lists, optional filters) must not grow it without end.
    private var prepared: [String: String] = [:]
    /// Statements whose results nobody waits for (``queue(_:_:)``); they go out with the next
    /// ``query(_:_:)`` in one round trip.
    private var queued: [(sql: String, texts: [String?])] = []
    static let preparedLimit = 256
    /// Names of prepared statements are never reused on a session, even after a failed prepare.
    private var nextStatementNumber = 0
    private func newStatementName() -> String {
        nextStatementNumber += 1
        return "cg\(nextStatementNumber)"
    }

    init(settings: PGSettings) throws(PGError) {
        self.settings = settings
        try open()
    }

    deinit { if let handle { PQfinish(handle) } }

    private func open() throws(PGError) {
        if let handle { PQfinish(handle) }
        handle = nil
        // Session settings, keepalives and the user timeout: see PGSettings.connectionParameters.
        let parameters = settings.connectionParameters
        let keys = parameters.map(\.key)
        let values = parameters.map(\.value)
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
        prepared = [:]
        queued = []
    }

    /// What the kernel holds for this connection's socket: `TCP_USER_TIMEOUT` in milliseconds and
    /// whether keepalives are on (`SO_KEEPALIVE`, `TCP_KEEPIDLE` seconds); nil when closed or
    /// not a TCP socket. For tests and diagnostics of the dead-peer bound.
    public var socketDeadPeerOptions: (userTimeoutMilliseconds: Int, keepalive: Bool, keepaliveIdleSeconds: Int)? {
        guard let handle else { return nil }
        let fd = PQsocket(handle)
        guard fd >= 0 else { return nil }
        func option(_ level: Int32, _ name: Int32) -> Int? {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, level, name, &value, &length) == 0 ? Int(value) : nil
        }
        guard let timeout = option(Int32(IPPROTO_TCP), Int32(TCP_USER_TIMEOUT)),
              let keepalive = option(SOL_SOCKET, SO_KEEPALIVE),
              let idle = option(Int32(IPPROTO_TCP), Int32(TCP_KEEPIDLE)) else { return nil }
        return (timeout, keepalive != 0, idle)
    }

    /// Whether the connection is usable; a broken one is re-opened by ``reconnectIfNeeded()``.
    public var isHealthy: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    func reconnectIfNeeded() throws(PGError) {
        if !isHealthy { try open() }
    }

    /// Runs one statement with bound parameters and returns its rows. Statements queued before
    /// it travel in the same round trip; if one of them fails, its error is thrown here and this
    /// statement does not run.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PGEncodable] = []) throws(PGError) -> PGResult {
        let started = ContinuousClock.now
        do {
            return try run(sql, parameters)
        } catch where error.kind == .connection && isHandleBroken {
            // How long the call waited before the connection was found broken: on a dead link,
            // the dead-peer bound (PGSettings.deadPeerTimeoutMilliseconds) at work.
            throw error.waited(ContinuousClock.now - started)
        }
    }

    /// Whether libpq reports this connection broken (or it is closed); an error then was the
    /// connection's, not the statement's.
    private var isHandleBroken: Bool { handle.map { PQstatus($0) != CONNECTION_OK } ?? true }

    private func run(_ sql: String, _ parameters: [any PGEncodable]) throws(PGError) -> PGResult {
        guard let handle else { throw PGError(.connection, "connection is closed") }
        let texts = parameters.map { $0.pgText }
        if prepared.count >= Self.preparedLimit {
            // Start the cache over rather than track use: the hot statements come back at once.
            try flushQueued(handle)
            _ = try consume(PQexec(handle, "DEALLOCATE ALL"), sql: "DEALLOCATE ALL")
            prepared = [:]
        }
        guard queued.isEmpty else { return try pipeline(handle, then: (sql, texts)) }
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            name = newStatementName()
            _ = try consume(PQprepare(handle, name, sql, Int32(texts.count), nil), sql: sql)
            prepared[sql] = name
        }
        let result: OpaquePointer? = withOptionalCStringArray(texts) { params in
            PQexecPrepared(handle, name, Int32(texts.count), params, nil, nil, 0)
        }
        return try consume(result, sql: sql)
    }

    /// Queues a statement whose result the caller does not need to see before going on (BEGIN,
    /// SAVEPOINT, RELEASE, a mark after a publish). It is sent with the next ``query(_:_:)``,
    /// in the same round trip (libpq pipeline mode), and its failure is thrown there.
    public func queue(_ sql: String, _ parameters: [any PGEncodable] = []) {
        queued.append((sql, parameters.map { $0.pgText }))
    }

    /// Runs a script of several statements without parameters (migrations, fixed DDL).
    public func executeScript(_ sql: String) throws(PGError) {
        guard let handle else { throw PGError(.connection, "connection is closed") }
        try flushQueued(handle)
        _ = try consume(PQexec(handle, sql), sql: sql)
    }

    /// Sends what is still queued. A pool step ends with it, so a queued statement never rides
    /// along with the next borrower's first query.
    func sendQueued() throws(PGError) {
        guard !queued.isEmpty else { return }
        guard let handle else { queued = []; throw PGError(.connection, "connection is closed") }
        try flushQueued(handle)
    }

    private func flushQueued(_ handle: OpaquePointer) throws(PGError) {
        guard !queued.isEmpty else { return }
        let last = queued.removeLast()
        _ = try pipeline(handle, then: last)
    }

    /// Sends the queued statements and `last` in one pipeline and returns `last`'s result. The
    /// first failure is thrown (the server skips what follows it until the sync).
    private func pipeline(_ handle: OpaquePointer, then last: (sql: String, texts: [String?])) throws(PGError) -> PGResult {
        let statements = queued + [last]
        queued = []
        guard PQenterPipelineMode(handle) == 1 else {
            throw PGError(.connection, "cannot enter pipeline mode: \(Self.trimmed(PQerrorMessage(handle)))")
        }
        // Every statement sent is followed by its results: a prepare (when new) and an execute.
        var expected: [(sql: String, isPrepare: Bool)] = []
        var fresh: [String: String] = [:]
        for statement in statements {
            let name: String
            if let known = prepared[statement.sql] ?? fresh[statement.sql] {
                name = known
            } else {
                name = newStatementName()
                fresh[statement.sql] = name
                guard PQsendPrepare(handle, name, statement.sql, Int32(statement.texts.count), nil) == 1 else {
                    return try abandonPipeline(handle)
                }
                expected.append((statement.sql, true))
            }
            let sent = withOptionalCStringArray(statement.texts) { params in
                PQsendQueryPrepared(handle, name, Int32(statement.texts.count), params, nil, nil, 0)
            }
            guard sent == 1 else { return try abandonPipeline(handle) }
            expected.append((statement.sql, false))
        }
        guard PQpipelineSync(handle) == 1 else { return try abandonPipeline(handle) }
        var firstError: PGError?
        var lastResult: PGResult?
        for (index, item) in expected.enumerated() {
            // Each command's results end with a NULL.
            while let result = PQgetResult(handle) {
                if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                    continue
                }
                do {
                    let value = try consume(result, sql: item.sql)
                    if index == expected.count - 1 { lastResult = value }
                    if item.isPrepare, let name = fresh[item.sql] { prepared[item.sql] = name }
                } catch {
                    if firstError == nil { firstError = error }
                }
            }
        }
        // Then the sync point.
        if let sync = PQgetResult(handle) { PQclear(sync) }
        _ = PQexitPipelineMode(handle)
        if let firstError { throw firstError }
        guard let lastResult else { throw PGError(.connection, "no result: \(Self.trimmed(PQerrorMessage(handle)))") }
        return lastResult
    }

    /// A send that failed mid-pipeline means the connection is gone: close it, so the pool
    /// re-opens a fresh one, and report why.
    private func abandonPipeline(_ handle: OpaquePointer) throws(PGError) -> PGResult {
        let message = Self.trimmed(PQerrorMessage(handle))
        PQfinish(handle)
        self.handle = nil
        throw PGError(.connection, "lost the PostgreSQL connection while sending: \(message)")
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
