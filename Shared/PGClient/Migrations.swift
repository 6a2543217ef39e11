import Foundation

/// One ordered, immutable schema change of a service. Never edit a released migration: add one.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(_ version: Int, _ name: String, _ sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies a service's migrations to its own schema. Two instances starting together take the
/// same advisory lock, so exactly one applies each migration and the other sees it done.
public enum Migrator {
    /// - Returns: the versions applied by this call (empty when already up to date).
    @discardableResult
    public static func migrate(_ pool: PGPool, schema: String, migrations: [Migration]) async throws -> [Int] {
        let sorted = migrations.sorted { $0.version < $1.version }
        precondition(Set(sorted.map(\.version)).count == sorted.count, "duplicate migration versions for \(schema)")
        return try await pool.withConnection { connection in
            let lockKey = "citygrid-migrate:\(schema)"
            try connection.query("SELECT pg_advisory_lock(hashtext($1))", [lockKey])
            defer { _ = try? connection.query("SELECT pg_advisory_unlock(hashtext($1))", [lockKey]) }
            let exists = try connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])
            guard exists.first != nil else {
                throw PGError(.configuration, "schema '\(schema)' does not exist: provision it (scripts/infra up) or create it owned by this service's role")
            }
            try connection.query("""
                CREATE TABLE IF NOT EXISTS \(schema).schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let done = Set(try connection.query("SELECT version FROM \(schema).schema_migrations").rows.map { try $0.int("version") })
            var applied: [Int] = []
            for migration in sorted where !done.contains(migration.version) {
                try connection.query("BEGIN")
                do {
                    try connection.query("SET LOCAL search_path TO \(schema), gis, pg_catalog")
                    try connection.executeScript(migration.sql)
                    try connection.query("INSERT INTO \(schema).schema_migrations (version, name) VALUES ($1, $2)",
                                         [migration.version, migration.name])
                    try connection.query("COMMIT")
                } catch {
                    _ = try? connection.query("ROLLBACK")
                    throw PGError(.statement, "migration \(schema) v\(migration.version) '\(migration.name)' failed: \(error)")
                }
                applied.append(migration.version)
            }
            return applied
        }
    }
}
