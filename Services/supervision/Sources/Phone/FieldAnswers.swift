import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// A supervisor's answers from the field (核实, 核查), whichever door they came through: the
/// centre's staff commands or the supervisor's phone. One place decides what an answer does.
extension CaseEngine {
    /// 核实: a confirmed report is filed at once — by the shift leader who confirmed it, else by
    /// the `auto-filing` policy; a refuted one is voided by the workflow. Returns the outcomes
    /// in order (the verification, then the filing when there was one). The photos taken on site
    /// go on the verification's entry, whichever way it went.
    func verify(confirmed: Bool, note: String?, stored: inout StoredCase, actor: CaseActor, at: Date, details: [String: String] = [:],
                photos: [Photo] = [], connection: PGConnection, outbox: OutboxWriter) throws -> [CaseWorkflow.Outcome] {
        if !confirmed {
            return [try apply(.verificationRefuted(reason: note ?? "现场核实不属实"), to: &stored, actor: actor, at: at, details: details,
                              photos: photos, connection: connection, outbox: outbox)]
        }
        let outcome = try apply(.verificationConfirmed(deadline: try deadline(.file, from: at)), to: &stored, actor: actor, at: at,
                                details: details, photos: photos, connection: connection, outbox: outbox)
        guard case .applied = outcome else { return [outcome] }
        let filer = actor.role == .shiftLeader ? actor : Actors.autoFiling
        guard let filed = try file(&stored, actor: filer, at: at, connection: connection, outbox: outbox) else { return [outcome] }
        return [outcome, filed]
    }

    /// 核查: a passed check starts the close clock; a failed one sends the task back to the
    /// department (返工) with a fresh handling deadline.
    func checkCommand(passed: Bool, note: String?, stored: StoredCase, at: Date) throws -> CaseCommand {
        if passed { return .checkPassed(deadline: try deadline(.close, from: at)) }
        return .checkFailed(reason: note ?? "核查未通过", deadline: try requireHandlingDeadline(stored, from: at))
    }
}
