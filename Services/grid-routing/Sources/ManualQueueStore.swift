import CityGridModel
import Foundation
import PGClient

/// The manual-dispatch queue (人工派遣), `routing.manual_queue`, on the caller's connection (its
/// transaction). Rows decode by column name into the route's value types.
enum ManualQueueStore {
    /// Opens (or re-opens) the case's item.
    static func open(caseId: UUID, caseNumber: String, reason: ManualDispatchRequired.Reason, detail: String, filing: CaseFiled?,
                     at now: Date, connection: PGConnection) throws {
        let filingJSON = try filing.map { PGJSON(String(decoding: try MessageCoding.encoder().encode($0), as: UTF8.self)) }
        try connection.query("""
            INSERT INTO routing.manual_queue (case_id, case_number, reason, detail, filing, opened_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (case_id) DO UPDATE SET reason = EXCLUDED.reason, detail = EXCLUDED.detail, filing = EXCLUDED.filing,
                opened_at = EXCLUDED.opened_at, resolved_at = NULL, resolved_by = NULL
            """, [caseId, caseNumber, reason.rawValue, detail, filingJSON, now])
    }

    static func resolve(caseId: UUID, by actor: String, at now: Date, connection: PGConnection) throws {
        try connection.query("UPDATE routing.manual_queue SET resolved_at = $2, resolved_by = $3 WHERE case_id = $1 AND resolved_at IS NULL",
                             [caseId, now, actor])
    }

    /// The open items, oldest first, with the grid the case was located in (if any).
    static func openItems(connection: PGConnection) throws -> [ManualDispatchRoutes.Item] {
        try connection.query("""
            SELECT q.case_id, q.case_number, q.reason, q.detail, q.opened_at, c.grid_code
            FROM routing.manual_queue q LEFT JOIN routing.cases c USING (case_id)
            WHERE q.resolved_at IS NULL ORDER BY q.opened_at, q.case_id
            """).rows.map { row in
            ManualDispatchRoutes.Item(caseId: try row.uuid("case_id").uuidString.lowercased(), caseNumber: try row.string("case_number"),
                                      reason: try row.string("reason"), detail: try row.string("detail"),
                                      gridCode: row.optionalString("grid_code"), openedAt: try row.date("opened_at"))
        }
    }

    /// The reason of the case's open item, locking the item (nil: no open item).
    static func lockOpenReason(caseId: UUID, connection: PGConnection) throws -> String? {
        guard let item = try connection.query(
            "SELECT reason FROM routing.manual_queue WHERE case_id = $1 AND resolved_at IS NULL FOR UPDATE", [caseId]).first
        else { return nil }
        return try item.string("reason")
    }

    /// The case's open item, locked for the dispatch that resolves it.
    struct LockedItem {
        /// The queued `CaseFiled` as JSON text; nil while the case is not yet located (so not filed).
        var filingJSON: String?
    }

    /// The case's open item, locking it (nil: no open item).
    static func lockOpenItem(caseId: UUID, connection: PGConnection) throws -> LockedItem? {
        guard let item = try connection.query(
            "SELECT filing::text AS filing FROM routing.manual_queue WHERE case_id = $1 AND resolved_at IS NULL FOR UPDATE", [caseId]).first
        else { return nil }
        return LockedItem(filingJSON: item.optionalString("filing"))
    }
}

extension ManualQueueStore {
    /// One open item as the desk shows it, with its queued filing (nil: no open item).
    static func openItem(caseId: UUID, connection: PGConnection) throws -> (item: ManualDispatchRoutes.Item, filingJSON: String?)? {
        guard let row = try connection.query("""
            SELECT q.case_id, q.case_number, q.reason, q.detail, q.opened_at, c.grid_code, q.filing::text AS filing
            FROM routing.manual_queue q LEFT JOIN routing.cases c USING (case_id)
            WHERE q.case_id = $1 AND q.resolved_at IS NULL
            """, [caseId]).first else { return nil }
        let item = ManualDispatchRoutes.Item(caseId: try row.uuid("case_id").uuidString.lowercased(), caseNumber: try row.string("case_number"),
                                             reason: try row.string("reason"), detail: try row.string("detail"),
                                             gridCode: row.optionalString("grid_code"), openedAt: try row.date("opened_at"))
        return (item, row.optionalString("filing"))
    }
}
