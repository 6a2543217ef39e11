import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// The supervisor's phone (城管通 / 采集通): one door for everything the phone does. "My tasks"
/// (verifications, checks, special patrols), and three submissions — a report, a verification,
/// a check — each with photos (URLs from the evidence store, typed by purpose) and the phone's GPS
/// with its accuracy. Every submission carries the phone's own id; the first answer to
/// `(supervisor, clientId)` is kept and a replay gets it again (header `Idempotent-Replayed:
/// true`), whatever happened in between, and a different body under the same id is 409
/// `client_id_reused`. A refused submission (4xx) keeps nothing: the phone may correct and resend.
///
/// Reports go on to intake's native API (``IntakeForwarder``), which numbers them; verifications
/// and checks are applied here, in one transaction with their kept answer.
struct PhoneRoutes: Sendable {
    let env: ServiceEnvironment
    let engine: CaseEngine
    let desk: FieldTaskDesk
    let intake: IntakeForwarder

    static let replayedHeader = HTTPFields.Element.Name("Idempotent-Replayed")!

    /// What a verification or check answers (and a replay answers again).
    struct AnswerBody: Codable, Sendable {
        var clientId: String
        var kind: PhoneSubmissionKind
        var caseId: UUID
        var caseNumber: String
        /// The case's state after the answer.
        var state: CaseState
        var at: Date
        var result: String
    }

    /// What a report answers: intake's receipt.
    struct ReportAnswer: Codable, Sendable {
        var clientId: String
        var kind: PhoneSubmissionKind
        var caseId: String
        var caseNumber: String
        var status: String
        var duplicateOf: String?
    }

    func register(_ router: ServiceRouter) {
        let env = self.env, engine = self.engine, desk = self.desk, intake = self.intake

        router.get("/api/v1/field/tasks") { request, context -> Response in
            let token = try context.requireToken(roles: [.supervisor], "the phone API is the supervisors'")
            try QueryParameters(request, known: []).finish()
            let now = env.clock.now()
            struct Duty: Encodable, Sendable { var assignmentId: String; var areaCode: String; var shift: String; var duty: RosterDuty
                                     var onDutyNow: Bool; var shiftStart: Date?; var shiftEnd: Date? }
            struct Body: Encodable, Sendable { var supervisorId: String; var at: Date; var duties: [Duty]; var tasks: [FieldTaskView]
                                     var patrols: [FieldTaskStore.Patrol] }
            let body = try await env.pool.withConnection { connection in
                let roster = try desk.roster(on: connection)
                let today = roster.local(now).day
                let duties = roster.rows(on: today, supervisorId: token.sub).map { row -> Duty in
                    let run = roster.shift(row.shift).flatMap { roster.run(of: $0, at: now) }
                    return Duty(assignmentId: row.id, areaCode: row.areaCode, shift: row.shift, duty: row.duty,
                                onDutyNow: run.map { row.isValid(on: $0.day) } ?? false, shiftStart: run?.start, shiftEnd: run?.end)
                }
                let tasks = try FieldTaskStore.openTasks(heldBy: token.sub, on: connection).map { task in
                    FieldTaskView(task, stored: try CaseStore.load(task.caseId, forUpdate: false, on: connection))
                }
                return Body(supervisorId: token.sub, at: now, duties: duties, tasks: tasks,
                            patrols: try FieldTaskStore.patrols(of: token.sub, notEndedAt: now, on: connection))
            }
            return try RosterRoutes.json(body)
        }

        router.get("/api/v1/field/submissions/{clientId}") { _, context -> Response in
            let token = try context.requireToken(roles: [.supervisor], "the phone API is the supervisors'")
            let clientId = context.parameters.get("clientId") ?? ""
            let kept = try await env.pool.withConnection { try PhoneSubmissionStore.find(supervisor: token.sub, clientId: clientId, on: $0) }
            guard let kept, kept.state == "done", let status = kept.status, let answer = kept.answer else {
                throw APIError.notFound("submission \(clientId)")
            }
            return Self.replay(status: status, answer: answer)
        }

        router.post("/api/v1/field/reports") { request, context -> Response in
            let token = try context.requireToken(roles: [.supervisor], "the phone API is the supervisors'")
            let report = try await request.decodeJSON(as: FieldReport.self, context: context)
            let problems = PhoneRules.problems(report)
            guard problems.isEmpty else { throw APIError.validation(problems) }
            let body = try Self.canonical(report)
            let now = env.clock.now()
            let kept = try await env.transaction { connection, _ in
                try PhoneSubmissionStore.claim(supervisor: token.sub, clientId: report.clientId, kind: .report, body: body, at: now, on: connection)
            }
            if let response = try Self.settled(kept, kind: .report) { return response }
            // Claimed (or claimed before by a submission whose answer was lost): intake decides, once per key.
            let authorization = request.headers[.authorization] ?? ""
            let answer = try await intake.forward(report, supervisor: token.sub, authorization: authorization)
            guard answer.status == 200 || answer.status == 201 else {
                // Refused by intake (422 with every problem, 401, …): nothing is kept, intake's words go back.
                try await env.pool.withConnection { try PhoneSubmissionStore.release(supervisor: token.sub, clientId: report.clientId, on: $0) }
                return Response(status: .init(code: answer.status), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
            }
            struct Receipt: Decodable { var caseId: String; var caseNumber: String; var status: String; var duplicateOf: String? }
            let receipt = try MessageCoding.decoder().decode(Receipt.self, from: answer.body)
            let reply = ReportAnswer(clientId: report.clientId, kind: .report, caseId: receipt.caseId, caseNumber: receipt.caseNumber,
                                     status: receipt.status, duplicateOf: receipt.duplicateOf)
            let text = String(decoding: try MessageCoding.encoder().encode(reply), as: UTF8.self)
            try await env.pool.withConnection { connection in
                try PhoneSubmissionStore.complete(supervisor: token.sub, clientId: report.clientId, status: 201, answer: text,
                                                  caseId: UUID(uuidString: receipt.caseId), at: env.clock.now(), on: connection)
            }
            return Self.answer(status: 201, text: text, replayed: false)
        }

        router.post("/api/v1/field/verifications") { request, context -> Response in
            let token = try context.requireToken(roles: [.supervisor], "the phone API is the supervisors'")
            let submission = try await request.decodeJSON(as: FieldVerification.self, context: context)
            let problems = PhoneRules.problems(submission)
            guard problems.isEmpty else { throw APIError.validation(problems) }
            let details = PhoneRules.details(position: submission.position, capturedAt: submission.capturedAt, clientId: submission.clientId,
                                             photos: submission.photos, key: .verificationPhotos)
            return try await Self.answer(submission, caseRef: submission.caseId, result: submission.result, token: token, env: env) {
                stored, now, connection, outbox in
                try SupervisionAPI.requireStored(submission.photos.map(\.url), on: connection)
                for outcome in try engine.verify(confirmed: submission.result == "confirmed", note: submission.note, stored: &stored,
                                                 actor: token.actor, at: now, details: details, photos: submission.photos,
                                                 connection: connection, outbox: outbox) {
                    try Self.settleAnswer(outcome)
                }
            }
        }

        router.post("/api/v1/field/checks") { request, context -> Response in
            let token = try context.requireToken(roles: [.supervisor], "the phone API is the supervisors'")
            let submission = try await request.decodeJSON(as: FieldCheck.self, context: context)
            let problems = PhoneRules.problems(submission)
            guard problems.isEmpty else { throw APIError.validation(problems) }
            let details = PhoneRules.details(position: submission.position, capturedAt: submission.capturedAt, clientId: submission.clientId,
                                             photos: submission.photos, key: .checkPhotos)
            return try await Self.answer(submission, caseRef: submission.caseId, result: submission.passed ? "passed" : "failed", token: token,
                                         env: env) { stored, now, connection, outbox in
                try SupervisionAPI.requireStored(submission.photos.map(\.url), on: connection)
                let command = try engine.checkCommand(passed: submission.passed, note: submission.note, stored: stored, at: now)
                try Self.settleAnswer(engine.apply(command, to: &stored, actor: token.actor, at: now, details: details,
                                                   photos: submission.photos, connection: connection, outbox: outbox))
            }
        }
    }

    // MARK: Answers kept and replayed

    /// The phone's submission as kept: its canonical JSON (sorted keys, the message coding's dates),
    /// so a replay whose bytes differ only in key order or spacing is the same body.
    static func canonical<S: PhoneSubmission>(_ submission: S) throws -> String {
        String(decoding: try MessageCoding.encoder().encode(submission), as: UTF8.self)
    }

    /// The kept answer to replay, a 409 for another body under the id, or `nil` to go on.
    static func settled(_ kept: StoredSubmission?, kind: PhoneSubmissionKind) throws -> Response? {
        guard let kept else { return nil }
        guard kept.kind == kind, kept.sameBody else {
            throw APIError.conflict("client_id_reused", "this clientId was used for another submission (\(kept.kind.rawValue)); give each submission its own id")
        }
        guard kept.state == "done", let status = kept.status, let answer = kept.answer else { return nil }
        return replay(status: status, answer: answer)
    }

    static func replay(status: Int, answer: String) -> Response { Self.answer(status: status, text: answer, replayed: true) }

    static func answer(status: Int, text: String, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if replayed { headers[replayedHeader] = "true" }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A workflow refusal of a phone's answer: 409 with the workflow's code (403 for role
    /// refusals); an answer the case already holds is not possible here (the id would be kept).
    static func settleAnswer(_ outcome: CaseWorkflow.Outcome) throws {
        try SupervisionAPI.settle(outcome)
    }

    typealias Apply = @Sendable (inout StoredCase, Date, PGConnection, OutboxWriter) throws -> Void

    /// A verification or check: claims the id, applies the answer to the locked case and keeps the
    /// answer, all in one transaction — so either everything happened and the id holds its answer,
    /// or nothing did and the id is free.
    static func answer<S: PhoneSubmission>(_ submission: S, caseRef: String, result: String, token: AccessToken, env: ServiceEnvironment,
                                            _ apply: @escaping Apply) async throws -> Response {
        let body = try canonical(submission)
        let now = env.clock.now()
        return try await env.transaction { connection, outbox -> Response in
            let kept = try PhoneSubmissionStore.claim(supervisor: token.sub, clientId: submission.clientId, kind: S.kind, body: body, at: now,
                                                      on: connection)
            if let replayed = try settled(kept, kind: S.kind) { return replayed }
            guard let id = try CaseStore.resolveId(caseRef, on: connection),
                  var stored = try CaseStore.load(id, forUpdate: true, on: connection),
                  SupervisionAPI.visible(stored, to: token) else { throw APIError.notFound("case \(caseRef)") }
            try apply(&stored, now, connection, outbox)
            let reply = AnswerBody(clientId: submission.clientId, kind: S.kind, caseId: stored.record.id, caseNumber: stored.record.caseNumber,
                                   state: stored.record.state, at: now, result: result)
            let text = String(decoding: try MessageCoding.encoder().encode(reply), as: UTF8.self)
            try PhoneSubmissionStore.complete(supervisor: token.sub, clientId: submission.clientId, status: 200, answer: text,
                                              caseId: stored.record.id, at: now, on: connection)
            return Self.answer(status: 200, text: text, replayed: false)
        }
    }
}
