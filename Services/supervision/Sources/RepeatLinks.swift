import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// What intake's `RepeatFound` does to the cases (issue 14, point 6). Intake decided that a case
/// repeats an earlier one; what that means for the case's lifecycle is the workflow's:
///
/// * a **duplicate** of an open case is ended as one (`link_duplicate`, by the system) while it
///   is not yet filed. The workflow refuses it once the case is filed (the command centre has it
///   and a dispatch may be in flight) and when the case it repeats has ended; then the case goes
///   on and is only annotated (`repeat_noted`), so nothing dispatched is ever voided by it.
/// * a **repeat complaint** (重复投诉) about an ended case is annotated on both cases
///   (`repeat_complaint` on the new one, `repeat_complaint_received` on the earlier one); the new
///   case is handled on its own.
enum RepeatLinks {
    /// Annotation: the case repeats an open case but was not ended as its duplicate.
    static let repeatNoted = "repeat_noted"
    /// Annotation on the new case: the same caller complains again about an ended case.
    static let repeatComplaint = "repeat_complaint"
    /// Annotation on the ended case: a repeat complaint about it came in.
    static let repeatComplaintReceived = "repeat_complaint_received"

    static func handle(_ found: RepeatFound, engine: CaseEngine, context: HandlerContext) throws {
        var stored = try SupervisionConsumers.loadOrWait(found.caseId, context)
        guard let original = try CaseStore.load(found.repeatOf.caseId, forUpdate: found.relation == .repeatComplaint,
                                                on: context.connection) else {
            throw HandlerError.notYet("case \(found.repeatOf.caseId) (repeated by \(found.caseId)) not recorded yet")
        }
        switch found.relation {
        case .duplicate:
            try linkOrNote(found, stored: &stored, original: original, engine: engine, context: context)
        case .repeatComplaint:
            try noteComplaint(found, stored: stored, original: original, context: context)
        }
    }

    static func details(_ found: RepeatFound) -> [String: String] {
        var details: [String: String] = [:]
        details[.repeatBasis] = found.basis.rawValue
        details[.distanceMeters] = found.distanceMeters.map { String(format: "%.1f", $0) }
        return details
    }

    /// Why intake holds the case for a repeat, in the centre's words.
    static func grounds(_ found: RepeatFound) -> String {
        let distance = found.distanceMeters.map { "，相距\(String(format: "%.0f", $0))米" } ?? ""
        switch found.basis {
        case .samePlace: return "地址定位后与编号\(found.repeatOf.caseNumber)的案件同类、同地点\(distance)"
        case .sameCaller: return "同一来电人就同一地点同类问题再次反映（前案编号\(found.repeatOf.caseNumber)\(distance)）"
        }
    }

    static func linkOrNote(_ found: RepeatFound, stored: inout StoredCase, original: StoredCase, engine: CaseEngine,
                           context: HandlerContext) throws {
        let command = CaseCommand.linkDuplicate(of: original.record.id, caseNumber: original.record.caseNumber,
                                                originalOpen: !original.record.state.isTerminal,
                                                reason: grounds(found) + "：作为重复上报并入该案件办理")
        let outcome = try engine.apply(command, to: &stored, actor: CaseEngine.Actors.intake, at: context.now, details: details(found),
                                       connection: context.connection, outbox: context.outbox)
        switch outcome {
        case .applied, .alreadyApplied:
            return
        case .rejected(let error) where error.code == .caseEnded:
            context.logger.notice("repeat found for a case that has ended; nothing to link", metadata: ["case_id": "\(found.caseId)"])
        case .rejected(let error) where error.code == .illegalTransition || error.code == .duplicateOfEnded:
            // Filed or beyond, or the case it repeats has ended: it goes on, marked as a repeat.
            var notes = details(found)
            notes[.repeatOf] = original.record.id.uuidString.lowercased()
            notes[.repeatOfNumber] = original.record.caseNumber
            notes[.errorCode] = error.code.rawValue
            let why = error.code == .duplicateOfEnded
                ? "编号\(original.record.caseNumber)的案件已\(original.record.state.label)"
                : "本案件已\(stored.record.state.label)"
            try CaseStore.annotate(stored.record.id, record: stored.record, action: repeatNoted, actorId: CaseEngine.Actors.intake.id,
                                   at: context.now, reason: grounds(found) + "；\(why)，不作废，仅标注为重复", details: notes,
                                   on: context.connection)
        default:
            try SupervisionConsumers.settle(outcome, context)
        }
    }

    static func noteComplaint(_ found: RepeatFound, stored: StoredCase, original: StoredCase, context: HandlerContext) throws {
        var onNew = details(found)
        onNew[.repeatOf] = original.record.id.uuidString.lowercased()
        onNew[.repeatOfNumber] = original.record.caseNumber
        try CaseStore.annotate(stored.record.id, record: stored.record, action: repeatComplaint, actorId: CaseEngine.Actors.intake.id,
                               at: context.now, reason: grounds(found) + "，前案已\(original.record.state.label)：记为重复投诉",
                               details: onNew, on: context.connection)
        var onEarlier = details(found)
        onEarlier[.reportId] = stored.record.id.uuidString.lowercased()
        onEarlier[.channel] = found.channel.rawValue
        try CaseStore.annotate(original.record.id, record: original.record, action: repeatComplaintReceived,
                               actorId: CaseEngine.Actors.intake.id, at: context.now,
                               reason: "同一来电人再次反映（编号\(stored.record.caseNumber)），记为重复投诉", details: onEarlier,
                               on: context.connection)
    }
}
