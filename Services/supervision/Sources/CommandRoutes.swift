import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// Request bodies of the staff commands.
struct VerificationBody: Decodable { var result: String; var note: String?; var photos: [String]? }
struct FileBody: Decodable { var conditionId: String }
struct ReasonBody: Decodable { var reason: String }
/// 不予受理 / 不予立案: the reason, and for a case outside city management (退回) its code and the
/// competent body the report is sent back towards.
/// `accept`: optionally the class the acceptor chose (both or neither).
struct AcceptBody: Decodable {
    var kind: String?
    var classCode: String?

    /// The chosen class, checked against the reference data; 422 naming the fields otherwise.
    func chosenClass(_ refs: ReferenceData) throws -> ClassKey? {
        switch (kind, classCode) {
        case (nil, nil):
            return nil
        case (let kind?, let code?):
            guard let parsed = ClassKind(rawValue: kind) else {
                throw APIError.validation([.init(field: "kind", problem: "must be component or event")])
            }
            guard refs.caseClass(ClassKey(parsed, code)) != nil else {
                throw APIError.validation([.init(field: "classCode", problem: "no \(kind) class \(code) in the reference data")])
            }
            return ClassKey(parsed, code)
        default:
            throw APIError.validation([.init(field: kind == nil ? "kind" : "classCode", problem: "kind and classCode are given together")])
        }
    }
}

struct NotHandledBody: Decodable, NotHandledFields { var reason: String; var reasonCode: String?; var competentBody: String? }
struct VoidBody: Decodable, NotHandledFields { var reason: String; var duplicateOf: UUID?; var reasonCode: String?; var competentBody: String? }
struct DecisionBody: Decodable { var approve: Bool; var reason: String?; var newDeadline: Date? }
struct CheckBody: Decodable { var passed: Bool; var note: String?; var photos: [String]? }

/// The optional reason code and competent body of a decision that ends a case without handling.
protocol NotHandledFields {
    var reasonCode: String? { get }
    var competentBody: String? { get }
}

extension NotHandledFields {
    /// 422 with every problem (``NotHandledReason/problems(reasonCode:competentBody:)``), before anything is read.
    func validateReason() throws {
        let problems = NotHandledReason.problems(reasonCode: reasonCode, competentBody: competentBody)
        guard problems.isEmpty else { throw APIError.validation(problems.map { APIError.FieldProblem(field: $0.field, problem: $0.problem) }) }
    }

    /// The entry details that record them.
    var reasonDetails: [String: String] {
        var details: [String: String] = [:]
        details[.reasonCode] = reasonCode
        details[.competentBody] = competentBody?.trimmingCharacters(in: .whitespacesAndNewlines)
        return details
    }
}

/// Photos a supervisor sends with a check or a verification: absolute http(s) URLs (an upload's `url`, or an external one), at most 30.
enum CheckPhotos {
    static let maxCount = 30

    static func problems(_ photos: [String]?) -> [APIError.FieldProblem] {
        guard let photos else { return [] }
        var problems: [APIError.FieldProblem] = []
        if photos.count > maxCount { problems.append(.init(field: "photos", problem: "at most \(maxCount) photos")) }
        for (i, text) in photos.enumerated() {
            let url = URL(string: text)
            let scheme = url?.scheme?.lowercased()
            if url == nil || !(scheme == "http" || scheme == "https") || (url?.host ?? "").isEmpty || text.contains(where: \.isWhitespace) {
                problems.append(.init(field: "photos[\(i)]", problem: "must be an http(s) URL"))
            }
        }
        return problems
    }
}
struct UrgeBody: Decodable { var message: String }
struct EmptyBody: Decodable {}
struct ResultBody: Decodable { var result: String }
struct ReturnVisitBody: Decodable { var verdict: ReturnVisitVerdict; var note: String?; var visitId: String? }
struct ReopenDecisionBody: Decodable { var reopen: Bool; var reason: String?; var departmentCode: String? }

extension SupervisionAPI {
    func registerCommands(_ router: ServiceRouter) {
        let engine = self.engine
        let base = "/api/v1/cases/{id}"

        router.post("\(base)/\(StaffCommand.verification.rawValue)") { request, context -> CaseView in
            _ = try context.requireToken()
            let body = try await request.decodeJSON(as: VerificationBody.self, context: context)
            var problems = CheckPhotos.problems(body.photos)
            if body.result != "confirmed" && body.result != "refuted" { problems.insert(.init(field: "result", problem: "must be confirmed or refuted"), at: 0) }
            guard problems.isEmpty else { throw APIError.validation(problems) }
            // The photos taken on site are kept on the verification's entry (they were accepted and dropped before).
            let photos = (body.photos ?? []).map { Photo(url: $0, purpose: .verification) }
            var recorded: [String: String] = [:]
            recorded[.verificationPhotos] = TimelinePhotos.join(body.photos ?? [])
            let details = recorded
            return try await mutate(context) { stored, token, now, connection, outbox in
                try Self.requireStored(body.photos ?? [], on: connection)
                for outcome in try engine.verify(confirmed: body.result == "confirmed", note: body.note, stored: &stored, actor: token.actor,
                                                 at: now, details: details, photos: photos, connection: connection, outbox: outbox) {
                    try Self.settle(outcome)
                }
            }
        }

        router.post("\(base)/\(StaffCommand.file.rawValue)") { request, context -> CaseView in
            _ = try context.requireToken()
            let body = try await request.decodeJSON(as: FileBody.self, context: context)
            return try await mutate(context) { stored, token, now, connection, outbox in
                guard engine.refs.filingCondition(stored.facts.kind, id: body.conditionId) != nil else {
                    throw APIError.validation([.init(field: "conditionId", problem: "unknown filing condition for \(stored.facts.kind.rawValue)")])
                }
                try Self.settle(engine.apply(.file(conditionId: body.conditionId, deadline: try engine.deadline(.dispatch, from: now)),
                                             to: &stored, actor: token.actor, at: now, connection: connection, outbox: outbox))
            }
        }

        // Acceptors work the cases automation could not place (unlocatable reports) and the ones
        // the standing policy leaves to them (a class from a suggestion, a not-ours category).
        // Accepting may set the class: the acceptor's decision replaces the provisional one.
        router.post("/api/v1/cases/{id}/\(StaffCommand.accept.rawValue)") { request, context -> CaseView in
            _ = try context.requireToken()
            let body = try await request.decodeJSON(as: AcceptBody.self, context: context)
            let chosen = try body.chosenClass(engine.refs)
            return try await mutate(context) { stored, token, now, connection, outbox in
                var details: [String: String] = [:]
                // A refused acceptance rolls the whole transaction back, the class with it.
                if let chosen, chosen != ClassKey(stored.facts.kind, stored.facts.classCode) {
                    details[TimelineDetail.reclassifiedFrom.rawValue] = "\(stored.facts.kind.rawValue):\(stored.facts.classCode)"
                    details[TimelineDetail.reclassifiedTo.rawValue] = "\(chosen.kind.rawValue):\(chosen.code)"
                    stored.facts.kind = chosen.kind
                    stored.facts.classCode = chosen.code
                    stored.facts.classSource = .acceptor
                    // The report's filing condition belonged to the old class.
                    stored.facts.conditionId = nil
                }
                let command: CaseCommand = stored.record.requiresVerification
                    ? .requestVerification(deadline: try engine.deadline(.verify, from: now))
                    : .accept(deadline: try engine.deadline(.file, from: now))
                try Self.settle(engine.apply(command, to: &stored, actor: token.actor, at: now, details: details, connection: connection,
                                             outbox: outbox))
            }
        }
        simple(router, .reject, NotHandledBody.self, check: { try $0.validateReason() }, details: { $0.reasonDetails }) { body, _, _ in
            .rejectAtAccept(reason: body.reason)
        }
        simple(router, .handleAtIntake, ResultBody.self) { body, _, _ in .handleAtIntake(result: body.result) }
        simple(router, .refuseFiling, NotHandledBody.self, check: { try $0.validateReason() }, details: { $0.reasonDetails }) { body, _, _ in
            .refuseFiling(reason: body.reason)
        }
        simple(router, .void, VoidBody.self, check: { try $0.validateReason() }, details: { $0.reasonDetails }) { body, _, _ in
            .void(reason: body.reason, duplicateOf: body.duplicateOf)
        }
        simple(router, .close, EmptyBody.self) { _, _, _ in .close }
        simple(router, .urge, UrgeBody.self) { body, _, _ in .urge(note: body.message) }
        simple(router, .approveSelfHandled, EmptyBody.self) { _, _, _ in .approveSelfHandled }
        simple(router, .rejectSelfHandled, ReasonBody.self) { body, _, _ in .rejectSelfHandled(reason: body.reason) }
        simple(router, .returnDecision, DecisionBody.self) { body, _, now in
            body.approve ? .approveReturn(deadline: try engine.deadline(.dispatch, from: now)) : .refuseReturn(reason: body.reason ?? "")
        }
        simple(router, .suspensionDecision, DecisionBody.self) { body, _, _ in
            body.approve ? .approveSuspension : .refuseSuspension(reason: body.reason ?? "")
        }
        simple(router, .extensionDecision, DecisionBody.self) { body, stored, _ in
            guard body.approve else { return .refuseExtension(reason: body.reason ?? "不予延期") }
            guard let until = body.newDeadline ?? stored.record.pendingRequest?.requestedDeadline else {
                throw APIError.validation([.init(field: "newDeadline", problem: "is required when no deadline was requested")])
            }
            return .approveExtension(until: until)
        }
        simple(router, .resume, EmptyBody.self) { _, stored, now in
            return .resume(deadline: try engine.requireHandlingDeadline(stored, from: now))
        }
        // The check's photos are kept on its entry; a passed check's go to the reporting channel at the close.
        simple(router, .check, CheckBody.self, check: { body in
            let problems = CheckPhotos.problems(body.photos)
            if !problems.isEmpty { throw APIError.validation(problems) }
        }, details: { body in
            var details: [String: String] = [:]
            details[.checkPhotos] = TimelinePhotos.join(body.photos ?? [])
            return details
        }, photos: { body in (body.photos ?? []).map { Photo(url: $0, purpose: .check) } }) { body, stored, now in
            try engine.checkCommand(passed: body.passed, note: body.note, stored: stored, at: now)
        }
    }

    /// 回访 recorded by centre staff, and the shift leader's decision on a reopening the
    /// return-visit policy referred (重办 anyway, or 维持结案 with a reason).
    func registerReturnVisits(_ router: ServiceRouter) {
        let engine = self.engine
        let base = "/api/v1/cases/{id}"

        router.post("\(base)/\(StaffCommand.returnVisit.rawValue)") { request, context -> CaseView in
            _ = try context.requireToken()
            let body = try await request.decodeJSON(as: ReturnVisitBody.self, context: context)
            var problems: [APIError.FieldProblem] = []
            if let note = body.note, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(.init(field: "note", problem: "must not be empty (leave it out when the citizen said nothing)"))
            }
            if let visitId = body.visitId, visitId.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || visitId.count > 100 {
                problems.append(.init(field: "visitId", problem: "must be 1–100 characters"))
            }
            guard problems.isEmpty else { throw APIError.validation(problems) }
            return try await mutate(context) { stored, token, now, connection, outbox in
                // Without a visit id from the caller, every request is a visit of its own.
                let source = CaseEngine.VisitSource(visitId: body.visitId ?? UUID().uuidString.lowercased(), route: .centre, channel: nil,
                                                    visitedBy: token.actor.id, visitedAt: now)
                try Self.settle(engine.recordReturnVisit(body.verdict, note: body.note, source: source, to: &stored, actor: token.actor,
                                                         at: now, connection: connection, outbox: outbox))
            }
        }

        router.post("\(base)/\(StaffCommand.reopenDecision.rawValue)") { request, context -> CaseView in
            _ = try context.requireToken()
            let body = try await request.decodeJSON(as: ReopenDecisionBody.self, context: context)
            if !body.reopen, body.reason.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) ?? true {
                throw APIError.validation(field: "reason", "is required to keep the case closed")
            }
            if let department = body.departmentCode, engine.refs.department(department) == nil {
                throw APIError.validation(field: "departmentCode", "unknown department \(department)")
            }
            return try await mutate(context) { stored, token, now, connection, outbox in
                guard body.reopen else {
                    try Self.settle(engine.apply(.keepClosed(reason: body.reason ?? ""), to: &stored, actor: token.actor, at: now,
                                                 connection: connection, outbox: outbox))
                    return
                }
                let department = body.departmentCode ?? stored.record.currentDepartment
                let reason = body.reason ?? stored.record.reopenReferral?.note ?? "值班长决定重办"
                func reopen(_ department: String, _ deadline: Date) -> CaseCommand {
                    .reopen(dispatchId: UUID(), department: department, deadline: deadline, reason: reason)
                }
                // The workflow judges role, state and referral before any deadline is counted.
                let probe = CaseWorkflow.apply(reopen(department ?? "-", now.addingTimeInterval(86_400)), to: stored.record,
                                               actor: token.actor, at: now)
                guard case .applied = probe else { return try Self.settle(probe) }
                guard let department else {
                    throw APIError.validation(field: "departmentCode", "is required: no department handled this case")
                }
                let counted = try engine.reopeningDeadline(stored, limit: engine.refs.returnVisitPolicy.handlingLimit, from: now)
                try Self.settle(engine.apply(reopen(department, counted.deadline), to: &stored, actor: token.actor, at: now,
                                             counted: counted.by, connection: connection, outbox: outbox))
            }
        }
    }

    /// A command that is one workflow command built from the body, applied as the token's actor.
    /// - Parameters:
    ///   - check: validates the body before the case is read (422 with every problem).
    ///   - details: what the body adds to the entry's details.
    ///   - photos: the photos the body brings, typed; kept on the entry (an upload must be stored here first).
    func simple<Body: Decodable & Sendable>(_ router: ServiceRouter, _ command: StaffCommand, _ type: Body.Type,
                                            check: @escaping @Sendable (Body) throws -> Void = { _ in },
                                            details: @escaping @Sendable (Body) -> [String: String] = { _ in [:] },
                                            photos: @escaping @Sendable (Body) -> [Photo] = { _ in [] },
                                            _ make: @escaping @Sendable (Body, StoredCase, Date) throws -> CaseCommand) {
        let engine = self.engine
        router.post("/api/v1/cases/{id}/\(command.rawValue)") { request, context -> CaseView in
            _ = try context.requireToken()
            let body = try await request.decodeJSON(as: Body.self, context: context)
            try check(body)
            let added = details(body)
            let attached = photos(body)
            return try await mutate(context) { stored, token, now, connection, outbox in
                try Self.requireStored(attached.map(\.url), on: connection)
                let command = try make(body, stored, now)
                try Self.settle(engine.apply(command, to: &stored, actor: token.actor, at: now, details: added, photos: attached,
                                             connection: connection, outbox: outbox))
            }
        }
    }
}
