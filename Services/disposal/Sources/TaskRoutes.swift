import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// The departments' HTTP API: their inbox, one task with its log, and the six operations.
struct TaskRoutes {
    let env: ServiceEnvironment

    /// Who is asking: a department (its own tasks only) or a reader of every inbox.
    enum Viewer {
        case department(code: String, id: String)
        case reader

        func mayRead(_ department: String) -> Bool {
            switch self {
            case .department(let code, _): return code == department
            case .reader: return true
            }
        }
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/api/v1/departments/{code}/tasks") { request, context -> Response in
            let viewer = try viewer(request)
            let code = try context.parameters.require("code")
            guard viewer.mayRead(code) else { throw APIError.notFound("department \(code)") }
            let query = request.uri.queryParameters
            var issues: [APIError.FieldProblem] = []
            var state: TaskState?
            if let text = query["state"].map(String.init), !text.isEmpty {
                state = TaskState(rawValue: text)
                if state == nil {
                    issues.append(.init(field: "state", problem: "must be one of \(TaskState.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            }
            let page = Self.integer(query["page"].map(String.init), field: "page", default: 1, range: 1...100_000, issues: &issues)
            let pageSize = Self.integer(query["pageSize"].map(String.init), field: "pageSize", default: 20, range: 1...200, issues: &issues)
            guard issues.isEmpty else { throw APIError.validation(issues) }
            let filter = state
            let (items, total) = try await env.pool.withConnection { connection in
                try TaskStore.inbox(connection, department: code, state: filter, page: page, pageSize: pageSize)
            }
            struct Page: Encodable { var items: [TaskRecord]; var page: Int; var pageSize: Int; var total: Int }
            return try Self.json(Page(items: items, page: page, pageSize: pageSize, total: total))
        }

        router.get("/api/v1/tasks/{dispatchId}") { request, context -> Response in
            let viewer = try viewer(request)
            let id = try Self.dispatchId(context)
            let found: (TaskRecord, [TaskEventRecord])? = try await env.pool.withConnection { connection in
                guard let task = try TaskStore.find(connection, dispatchId: id) else { return nil }
                return (task, try TaskStore.events(connection, dispatchId: id))
            }
            guard let (task, events) = found, viewer.mayRead(task.departmentCode) else { throw APIError.notFound("task \(id)") }
            struct Detail: Encodable { var task: TaskRecord; var events: [TaskEventRecord] }
            return try Self.json(Detail(task: task, events: events))
        }

        for kind in TaskCommandKind.allCases {
            router.post("/api/v1/tasks/{dispatchId}/\(kind.rawValue)") { request, context -> Response in
                try await perform(kind, request: request, context: context)
            }
        }
    }

    func viewer(_ request: Request) throws -> Viewer {
        let token = try env.tokens.authenticate(request, now: env.clock.now())
        switch token.role {
        case .department:
            guard token.scope.level == .department, let code = token.scope.code else {
                throw AccessError.forbidden("a department token needs scope department:<code>")
            }
            return .department(code: code, id: token.sub)
        case .admin, .auditor:
            return .reader
        default:
            throw AccessError.forbidden("role \(token.role.rawValue) has no access to department task inboxes")
        }
    }

    func perform(_ kind: TaskCommandKind, request: Request, context: BasicRequestContext) async throws -> Response {
        let viewer = try viewer(request)
        let id = try Self.dispatchId(context)
        guard case .department(let code, let actorId) = viewer else {
            // Readers exist, but acting is the department's alone. Say so only about tasks that exist.
            let exists = try await env.pool.withConnection { try TaskStore.find($0, dispatchId: id) != nil }
            guard exists else { throw APIError.notFound("task \(id)") }
            throw AccessError.forbidden("only the department holding the task may \(kind.rawValue) it")
        }
        let input = try await Self.decodeInput(request)
        let operation: DepartmentOperation
        switch input.operation(kind) {
        case .success(let op): operation = op
        case .failure(let problems): throw APIError.validation(Self.problems(problems.issues))
        }
        let now = env.clock.now()
        let actor = DepartmentActor(id: actorId, departmentCode: code, channel: "http")
        do {
            let task = try await env.transaction { connection, outbox in
                try TaskOperations.perform(operation, on: id, by: actor, connection: connection, outbox: outbox, at: now)
            }
            env.logger.info("task updated", metadata: ["case_id": "\(task.caseId)", "dispatch_id": "\(id)", "action": "\(operation.action.rawValue)"])
            return try Self.json(task)
        } catch let error as TaskOperationError {
            switch error {
            case .notFound, .wrongDepartment: throw APIError.notFound("task \(id)")
            case .invalid(let issues): throw APIError.validation(Self.problems(issues))
            case .illegal(let message): throw APIError(status: .conflict, code: "illegal_transition", message: message)
            }
        }
    }

    static func problems(_ issues: [FieldIssue]) -> [APIError.FieldProblem] {
        issues.map { APIError.FieldProblem(field: $0.field, problem: $0.problem) }
    }

    static func dispatchId(_ context: BasicRequestContext) throws -> UUID {
        let text = try context.parameters.require("dispatchId")
        guard let id = UUID(uuidString: text) else { throw APIError.notFound("task \(text)") }
        return id
    }

    /// Reads the JSON body (empty means `{}`); unreadable JSON is a 422 naming the field.
    static func decodeInput(_ request: Request) async throws -> OperationInput {
        let buffer = try await request.body.collect(upTo: 1_000_000)
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) { return OperationInput() }
        do {
            return try MessageCoding.decoder().decode(OperationInput.self, from: Data(bytes))
        } catch let error as DecodingError {
            let text = DecodingErrorText.describe(error)
            let field = text.components(separatedBy: "'").dropFirst().first ?? "(body)"
            throw APIError.validation([.init(field: field, problem: text)])
        } catch {
            throw APIError.validation([.init(field: "(body)", problem: "must be a JSON object")])
        }
    }

    static func integer(_ text: String?, field: String, default fallback: Int, range: ClosedRange<Int>,
                        issues: inout [APIError.FieldProblem]) -> Int {
        guard let text, !text.isEmpty else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            issues.append(.init(field: field, problem: "must be an integer between \(range.lowerBound) and \(range.upperBound)"))
            return fallback
        }
        return value
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try MessageCoding.encoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
