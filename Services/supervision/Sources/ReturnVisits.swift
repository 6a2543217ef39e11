import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// Return visits (回访) and reopening (重办): a visit is recorded on the closed case; the
/// return-visit policy (`return-visit-policy.csv`) decides whether it reopens the case to its
/// department, and a reopening it does not decide waits for the shift leader.
extension CaseEngine {
    /// The policy acting when a visit reopens a case by its rule.
    static let policyActor = CaseActor(id: "return-visit-policy", role: .system)

    /// Who and how a visit reached the centre.
    public struct VisitSource: Sendable {
        /// The sender's visit id (the hotline's, or one given or made over the API).
        public var visitId: String
        public var route: ReturnVisitRoute
        /// The hotline platform, for a visit that came by message.
        public var channel: ReportChannel?
        public var visitedBy: String?
        public var visitedAt: Date

        /// The key that makes the visit idempotent: the channel's (or the centre's) visit id.
        var key: String { ReturnVisit.key(source: channel?.rawValue ?? ReturnVisitRoute.centre.rawValue, visitId: visitId) }
    }

    /// Records a visit with `verdict` on a closed case and carries out what the policy decides:
    /// nothing more, a reopening to the department that handled it (a new task with a new
    /// handling clock), or a referral to the shift leader. Every entry and message is written on
    /// the caller's transaction. A visit already recorded (same key) changes nothing.
    /// - Returns: the workflow's outcome of the visit itself.
    @discardableResult
    public func recordReturnVisit(_ verdict: ReturnVisitVerdict, note: String?, source: VisitSource, to stored: inout StoredCase,
                                  actor: CaseActor, at now: Date, connection: PGConnection, outbox: OutboxWriter) throws -> CaseWorkflow.Outcome {
        let visit = ReturnVisit(key: source.key, verdict: verdict, note: note, route: source.route, visitedBy: source.visitedBy)
        if stored.record.returnVisitKeys.contains(visit.key) { return .alreadyApplied }
        let decision = stored.record.state == .closed ? refs.returnVisitPolicy.decide(verdict, on: stored.record) : .record
        var referral: ReopenReferralReason?
        if case .refer(let reason) = decision { referral = reason }
        let department = stored.record.currentDepartment
        let outcome = try apply(.returnVisit(visit, referral: referral), to: &stored, actor: actor, at: now,
                                connection: connection, outbox: outbox)
        guard case .applied = outcome else { return outcome }

        var result: ReturnVisitRecorded.Outcome = referral == nil ? .recorded : .referred
        var dispatchId: UUID?
        if case .reopen(let target, let limit) = decision {
            let id = UUID()
            let counted = try reopeningDeadline(stored, limit: limit, from: now)
            try requireApplied(apply(.reopen(dispatchId: id, department: target, deadline: counted.deadline, reason: note ?? "回访\(verdict.label)"),
                                     to: &stored, actor: Self.policyActor, at: now, counted: counted.by, connection: connection,
                                     outbox: outbox))
            result = .reopened
            dispatchId = id
        }
        try outbox.publish(ReturnVisitRecorded(
            visitId: source.visitId, caseId: stored.record.id, caseNumber: stored.record.caseNumber, route: source.route,
            channel: source.channel, channelReference: stored.facts.channelReference, verdict: verdict, note: note,
            visitedBy: source.visitedBy, visitedAt: source.visitedAt, recordedBy: actor.id, recordedAt: now, departmentCode: department,
            outcome: result, referral: referral, reopenCount: stored.record.reopenCount, dispatchId: dispatchId,
            deadline: dispatchId == nil ? nil : stored.record.handlingDeadline), subject: subject(stored.record.id), at: now)
        return outcome
    }

    /// The handling deadline of a reopened task: the policy's limit, or the case's condition's
    /// limit for its area class (as the first dispatch had), counted from `start`; with what it
    /// was counted on, so that a later calendar counts the same limit again.
    func reopeningDeadline(_ stored: StoredCase, limit: TimeLimit?, from start: Date) throws -> (deadline: Date, by: CountedBy) {
        guard let limit = limit ?? handlingLimit(stored) else {
            throw APIError(status: .conflict, code: "no_handling_limit", message: "the case has no filing condition with a handling limit")
        }
        let deadline = try counted { try DeadlineCounting.count(limit, from: start, on: refs.calendar) }
        return (deadline.at, CountedBy(basis: deadline.basis, limit: limit))
    }

    /// A transition the caller has already judged possible (the policy's reopening right after
    /// the visit, on the same locked case); anything else is a fault of the rules, not of input.
    private func requireApplied(_ outcome: CaseWorkflow.Outcome) throws {
        guard case .applied = outcome else {
            throw APIError(status: .conflict, code: outcome.error?.code.rawValue ?? "illegal_transition",
                           message: "the reopening could not be applied: \(outcome.error?.message ?? "already applied")")
        }
    }
}

/// `supervision.return-visits`: the hotline platforms' return visits from the inbound exchange
/// (`return-visit.#`). A visit that names no known case, or a case that is not closed, is
/// dead-lettered with the reason; the same visit id twice is recorded once.
enum ReturnVisitInbound {
    static let channels: Set<ReportChannel> = [.hotline12345, .hotline12319, .police110]

    static func definition(engine: CaseEngine) -> ConsumerDefinition {
        ConsumerDefinition(
            queue: "supervision.return-visits",
            bindings: [.init(exchange: MessagingNames.inboundExchange, routingKey: ReturnVisitReport.bindingPatternAll)],
            handlers: [
                ReturnVisitReport.eventType: { message, context in
                    let visit = try message.payload(ReturnVisitReport.self)
                    try handle(visit, engine: engine, context: context)
                },
            ])
    }

    /// Every problem of the message at once, or none.
    static func problems(_ visit: ReturnVisitReport) -> [String] {
        var problems: [String] = []
        if visit.visitId.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("visitId: is required (it makes the visit idempotent)") }
        if !channels.contains(visit.channel) {
            problems.append("channel: must be one of \(channels.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        let reference = visit.channelReference?.trimmingCharacters(in: .whitespaces) ?? ""
        let number = visit.caseNumber?.trimmingCharacters(in: .whitespaces) ?? ""
        if reference.isEmpty && number.isEmpty { problems.append("channelReference or caseNumber: one is required to name the case") }
        if UUID(uuidString: number) != nil { problems.append("caseNumber: is a case number (20261125-0042), not a case id") }
        if let note = visit.note, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.append("note: is empty (leave it out when the citizen said nothing)")
        }
        return problems
    }

    static func handle(_ visit: ReturnVisitReport, engine: CaseEngine, context: HandlerContext) throws {
        let found = problems(visit)
        guard found.isEmpty else { throw HandlerError.invalid(found.joined(separator: "; ")) }
        let connection = context.connection
        var byReference: UUID?
        if let reference = visit.channelReference, !reference.isEmpty {
            guard let id = try CaseStore.resolveId(channel: visit.channel, reference: reference, on: connection) else {
                throw HandlerError.invalid("channelReference: no case from \(visit.channel.rawValue) has the reference \(reference)")
            }
            byReference = id
        }
        var byNumber: UUID?
        if let number = visit.caseNumber, !number.isEmpty {
            guard let id = try CaseStore.resolveId(number, on: connection) else {
                throw HandlerError.invalid("caseNumber: no case has the number \(number)")
            }
            byNumber = id
        }
        if let byReference, let byNumber, byReference != byNumber {
            throw HandlerError.invalid("caseNumber and channelReference name different cases")
        }
        guard let id = byReference ?? byNumber, var stored = try CaseStore.load(id, forUpdate: true, on: connection) else {
            throw HandlerError.invalid("the visit names no case")
        }
        guard stored.facts.channel == visit.channel else {
            throw HandlerError.invalid("channel: case \(stored.record.caseNumber) came from \(stored.facts.channel.rawValue), not \(visit.channel.rawValue)")
        }
        let now = context.now
        let source = CaseEngine.VisitSource(visitId: visit.visitId, route: .hotline, channel: visit.channel, visitedBy: visit.visitedBy,
                                            visitedAt: visit.visitedAt ?? now)
        let outcome = try engine.recordReturnVisit(visit.verdict, note: visit.note, source: source, to: &stored,
                                                   actor: CaseActor(id: visit.channel.rawValue, role: .system), at: now,
                                                   connection: connection, outbox: context.outbox)
        switch outcome {
        case .applied:
            context.logger.info("return visit recorded", metadata: [
                "case_id": "\(id)", "verdict": "\(visit.verdict.rawValue)", "state": "\(stored.record.state.rawValue)",
                "reopen_count": "\(stored.record.reopenCount)",
            ])
        case .alreadyApplied:
            context.logger.info("return visit already recorded", metadata: ["case_id": "\(id)", "visit_id": "\(visit.visitId)"])
        case .notYet(let error), .rejected(let error):
            // A visit is only for a closed case; the hotline is told through the dead letter.
            throw HandlerError.invalid("case \(stored.record.caseNumber): \(error.description)")
        }
    }
}
