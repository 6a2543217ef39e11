import CityGridModel
import CityGridPlatform
import Foundation
import Logging
import PGClient
import ServiceLifecycle

/// Moves field tasks on as the roster and the clock say (``FieldTaskPolicy/review(_:roster:now:)``):
/// a holder whose shift ended or whose due time passed hands the task to the next supervisor on
/// duty (or the shift leader's queue), and a task in the queue goes to the first supervisor who
/// comes on duty for its grid. Each move locks the case, so it never crosses an answer.
struct FieldTaskWatcher: Service {
    let env: ServiceEnvironment
    let engine: CaseEngine
    let desk: FieldTaskDesk
    let interval: Duration

    func run() async throws {
        await repeatPasses(every: interval, logger: env.logger, what: "field task scan") {
            let moved = try await scanOnce()
            if moved > 0 { env.logger.info("field tasks moved on", metadata: ["count": "\(moved)"]) }
        }
    }

    /// One pass over the open tasks; returns how many moved.
    func scanOnce() async throws -> Int {
        let now = env.clock.now()
        let (roster, open) = try await env.pool.withConnection { [desk] connection in
            (try desk.roster(on: connection), try FieldTaskStore.openTasks(on: connection))
        }
        var moved = 0
        for task in open where FieldTaskPolicy.review(task.policyState, roster: roster, now: now) != nil {
            moved += try await env.transaction { [desk, engine] connection, outbox in
                // The case first, as every writer locks it, then the task as it stands now.
                guard let stored = try CaseStore.load(task.caseId, forUpdate: true, on: connection),
                      let current = try FieldTaskStore.openTask(caseId: task.caseId, on: connection), current.taskId == task.taskId,
                      let move = FieldTaskPolicy.review(current.policyState, roster: try desk.roster(on: connection), now: now)
                else { return 0 }
                try desk.move(current, to: move.target, reason: move.reason, by: FieldTaskPolicy.actor, at: now, stored: stored,
                              engine: engine, connection: connection, outbox: outbox)
                return 1
            }
        }
        return moved
    }
}
