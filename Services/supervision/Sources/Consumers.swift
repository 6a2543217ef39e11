import CityGridModel
import CityGridPlatform
import Foundation
import Logging
import PGClient

/// `supervision.events`: reports, locations, dispatches and department updates driving cases.
enum SupervisionConsumers {
    static func definition(engine: CaseEngine) -> ConsumerDefinition {
        let bindings = [CaseReported.routingKey, DuplicateLinked.routingKey, CaseLocated.routingKey,
                        ManualDispatchRequired.routingKey, TaskDispatched.bindingPatternAllDepartments, TaskUpdated.bindingPatternAll,
                        RepeatFound.routingKey]
        return ConsumerDefinition(
            queue: "supervision.events",
            bindings: bindings.map { .init(exchange: MessagingNames.eventsExchange, routingKey: $0) },
            handlers: [
                CaseReported.eventType: { message, context in
                    let report = try message.payload(CaseReported.self)
                    _ = try engine.report(report, connection: context.connection, outbox: context.outbox)
                },
                DuplicateLinked.eventType: { message, context in
                    let link = try message.payload(DuplicateLinked.self)
                    guard var stored = try CaseStore.load(link.duplicateOf, forUpdate: true, on: context.connection) else {
                        throw HandlerError.notYet("original case \(link.duplicateOf) not recorded yet")
                    }
                    stored.duplicateCount += 1
                    try CaseStore.update(stored, on: context.connection)
                    var details: [String: String] = [:]
                    details[.reportId] = link.reportId.uuidString.lowercased()
                    details[.channel] = link.channel.rawValue
                    details[.duplicateCount] = String(stored.duplicateCount)
                    details[.distanceMeters] = link.distanceMeters.map { String(format: "%.1f", $0) }
                    try CaseStore.annotate(link.duplicateOf, record: stored.record, action: "duplicate_linked", actorId: "intake",
                                           at: link.reportedAt, reason: nil, details: details, on: context.connection)
                    // The repeat's own photos are evidence of the same problem: kept on its annotation.
                    try engine.attachPhotos(link.photos ?? [], toAnnotation: "duplicate_linked", of: link.duplicateOf, at: link.reportedAt,
                                            connection: context.connection)
                },
                CaseLocated.eventType: { message, context in
                    let located = try message.payload(CaseLocated.self)
                    try handleLocated(located, engine: engine, context: context)
                },
                ManualDispatchRequired.eventType: { message, context in
                    let manual = try message.payload(ManualDispatchRequired.self)
                    var stored = try loadOrWait(manual.caseId, context)
                    let command: CaseCommand = stored.record.state == .reported && manual.reason == .unlocatable
                        // Never located: it goes to the acceptors' queue, who place it by hand.
                        ? .locate(gridCode: nil)
                        : .requireManualDispatch(reason: "\(manual.reason.rawValue): \(manual.detail)")
                    try settle(engine.apply(command, to: &stored, actor: CaseEngine.Actors.routing, at: context.now,
                                            connection: context.connection, outbox: context.outbox), context)
                },
                TaskDispatched.eventType: { message, context in
                    let task = try message.payload(TaskDispatched.self)
                    var stored = try loadOrWait(task.caseId, context)
                    // A dispatch made by hand on grid-routing's desk is the dispatcher's act, not the system's.
                    let actor = task.dispatchedBy.map { CaseActor(id: $0, role: .dispatcher) } ?? CaseEngine.Actors.routing
                    try settle(engine.dispatch(task, actor: actor, to: &stored, at: context.now,
                                               connection: context.connection, outbox: context.outbox), context)
                },
                TaskUpdated.eventType: { message, context in
                    let update = try message.payload(TaskUpdated.self)
                    try handleTaskUpdate(update, engine: engine, context: context)
                },
                RepeatFound.eventType: { message, context in
                    try RepeatLinks.handle(try message.payload(RepeatFound.self), engine: engine, context: context)
                },
            ])
    }

    static func loadOrWait(_ id: UUID, _ context: HandlerContext) throws -> StoredCase {
        guard let stored = try CaseStore.load(id, forUpdate: true, on: context.connection) else {
            throw HandlerError.notYet("case \(id) not reported yet")
        }
        return stored
    }

    /// Maps a workflow outcome onto the consumer contract.
    @discardableResult
    static func settle(_ outcome: CaseWorkflow.Outcome, _ context: HandlerContext) throws -> Transition? {
        switch outcome {
        case .applied(let transition): return transition
        case .alreadyApplied: return nil
        case .notYet(let error): throw HandlerError.notYet(error.description)
        case .rejected(let error):
            if error.code == .caseEnded {
                // A late fact about a case that already ended (completion after void): nothing to do.
                context.logger.notice("ignored message for an ended case", metadata: ["error": "\(error)"])
                return nil
            }
            throw HandlerError.invalid(error.description)
        }
    }

    static func handleLocated(_ located: CaseLocated, engine: CaseEngine, context: HandlerContext) throws {
        var stored = try loadOrWait(located.caseId, context)
        stored.facts.locate(located)
        let outcome = try engine.apply(.locate(gridCode: located.gridCode), to: &stored, actor: CaseEngine.Actors.routing,
                                       at: context.now, connection: context.connection, outbox: context.outbox)
        guard case .applied = outcome else {
            // Self-handled or already-ended cases still get their place recorded.
            try CaseStore.update(stored, on: context.connection)
            if case .rejected(let error) = outcome, error.code != .caseEnded, stored.record.state != .selfHandledPending {
                throw HandlerError.invalid(error.description)
            }
            return
        }
        let now = context.now
        if stored.facts.awaitsAcceptor {
            // Nobody chose this case's class, or its hotline category is outside city management:
            // it stays in the acceptor's queue with its suggestions instead of being accepted here.
            try CaseStore.annotate(stored.record.id, record: stored.record, action: Self.heldForAcceptor, actorId: CaseEngine.Actors.autoAccept.id,
                                   at: now, reason: Self.holdReason(stored.facts), details: Self.holdDetails(stored.facts),
                                   on: context.connection)
            return
        }
        if stored.record.requiresVerification {
            try settle(engine.apply(.requestVerification(deadline: try engine.deadline(.verify, from: now)), to: &stored,
                                    actor: CaseEngine.Actors.autoAccept, at: now, connection: context.connection,
                                    outbox: context.outbox), context)
        } else {
            try settle(engine.apply(.accept(deadline: try engine.deadline(.file, from: now)), to: &stored,
                                    actor: CaseEngine.Actors.autoAccept, at: now, connection: context.connection,
                                    outbox: context.outbox), context)
            if let outcome = try engine.file(&stored, at: now, connection: context.connection, outbox: context.outbox) {
                try settle(outcome, context)
            } else {
                context.logger.warning("no filing condition for the class; left for the shift leader",
                                       metadata: ["case_id": "\(stored.record.id)"])
            }
        }
    }

    /// The timeline annotation of a case left for the acceptor by the standing acceptance policy.
    static let heldForAcceptor = "held_for_acceptor"

    /// Why the standing policy left the case to the acceptor, in the centre's words.
    static func holdReason(_ facts: CaseFacts) -> String {
        if let category = facts.hotlineCategory, category.outcome == .notOurs {
            return "12345分类\(category.code)不属城市管理事项" + (category.competentBody.map { "（建议转\($0)）" } ?? "") + "，待受理员决定是否退回"
        }
        let code = facts.hotlineCategory.map { "12345分类\($0.code)未映射到本系统类别，" } ?? ""
        return code + "类别暂按文本建议\(facts.kind.rawValue):\(facts.classCode)，待受理员核定"
    }

    static func holdDetails(_ facts: CaseFacts) -> [String: String] {
        var details: [String: String] = [:]
        details[.classSource] = (facts.classSource ?? .reporter).rawValue
        if let category = facts.hotlineCategory {
            details[.hotlineCategory] = category.code
            details[.hotlineOutcome] = category.outcome.rawValue
            details[.mappingVersion] = category.mappingVersion
            details[.competentBody] = category.competentBody
        }
        return details
    }

    static func handleTaskUpdate(_ update: TaskUpdated, engine: CaseEngine, context: HandlerContext) throws {
        var stored = try loadOrWait(update.caseId, context)
        let actor = CaseActor.department(update.departmentCode, id: update.actorId)
        let command: CaseCommand
        switch update.action {
        case .accepted: command = .acceptTask
        case .progressNoted: command = .progressNote(note: update.note ?? update.result ?? "")
        case .completed: command = .complete(result: update.result ?? update.note ?? "", deadline: try engine.deadline(.sendCheck, from: update.at))
        case .returnRequested: command = .requestReturn(reason: update.reason ?? "")
        case .extensionRequested:
            guard let until = update.requestedDeadline else { throw HandlerError.invalid("extension request without requestedDeadline") }
            command = .requestExtension(until: until, reason: update.reason ?? "")
        case .suspensionRequested: command = .requestSuspension(reason: update.reason ?? "")
        }
        // The completion's photos show the result: kept on its entry, sent to the reporting channel at the close.
        // A progress note's photos are kept on its entry too; each photo also becomes one of the entry's photos.
        var details: [String: String] = [:]
        if update.action == .completed {
            details[.completionPhotos] = TimelinePhotos.join(update.photos.urls(.completion))
        }
        if update.action == .progressNoted {
            details[.progressPhotos] = TimelinePhotos.join(update.photos.urls(.progress))
        }
        let outcome = try engine.apply(command, to: &stored, actor: actor, at: update.at, details: details, photos: update.photos,
                                       connection: context.connection, outbox: context.outbox)
        if case .rejected(let error) = outcome {
            // Disposal has already committed this update: answer it rather than only dead-letter
            // it, so that the department and its task follow the case.
            try engine.refuse(update, because: error, stored: stored, at: context.now, connection: context.connection, outbox: context.outbox)
            context.logger.warning("department update refused; the department is told", metadata: [
                "case_id": "\(update.caseId)", "dispatch_id": "\(update.dispatchId)", "error": "\(error)",
            ])
            return
        }
        let applied = try settle(outcome, context)
        if applied != nil, update.action == .completed {
            // The acceptor's 发核查 is automatic: the check task goes out with the completion.
            try settle(engine.apply(.requestCheck(deadline: try engine.deadline(.check, from: update.at)), to: &stored,
                                    actor: CaseEngine.Actors.autoCheck, at: update.at, connection: context.connection,
                                    outbox: context.outbox), context)
        }
    }
}
