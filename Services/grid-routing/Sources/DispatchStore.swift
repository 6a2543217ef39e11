import CityGridModel
import Foundation
import PGClient

/// The dispatches made, `routing.dispatches`, on the caller's connection (its transaction). Rows
/// decode by column name into small value types.
enum DispatchStore {
    /// What the latest dispatch of a case was: a re-dispatch or not, and which departments it excluded.
    struct Latest {
        var redispatch: Bool
        var excluded: [String]
    }

    /// The case's latest dispatch (nil: never dispatched).
    static func latest(caseId: UUID, connection: PGConnection) throws -> Latest? {
        guard let latest = try connection.query("""
            SELECT redispatch, excluded FROM routing.dispatches WHERE case_id = $1 ORDER BY dispatched_at DESC, dispatch_id LIMIT 1
            """, [caseId]).first else { return nil }
        return Latest(redispatch: try latest.bool("redispatch"), excluded: try latest.textArray("excluded"))
    }

    /// Records a dispatch: the task, the channel it went by, when, its deadline and basis, and the
    /// departments a re-dispatch excluded.
    static func record(_ task: TaskDispatched, via: String, at now: Date, due: Deadline, excluded: [String],
                       connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO routing.dispatches (dispatch_id, case_id, case_number, department_code, via, dispatched_at, deadline, redispatch, excluded,
                deadline_basis)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, [task.dispatchId, task.caseId, task.caseNumber, task.departmentCode, via, now, due.at, task.redispatch,
                  PGTextArray(excluded), try PGJSON(encoding: due.basis, encoder: MessageCoding.encoder())])
    }
}
