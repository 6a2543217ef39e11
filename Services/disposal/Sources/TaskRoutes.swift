import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// The departments' HTTP API: their inbox, one task with its log, and the six operations.
struct TaskRoutes: Sendable {
    let env: ServiceEnvironment
    /// The department codes of the reference register when the service started; an inbox is
    /// also known once a task was dispatched to it (a department added to the register later).
    let registered: Set<String>

    init(env: ServiceEnvironment) {
        self.env = env
        let reference = try? ReferenceData.load(from: URL(fileURLWithPath: env.configuration.referenceDataPath))
        registered = Set(reference?.departments.map(\.code) ?? [])
    }

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

    /// An inbox page.
    struct Page: ResponseEncodable, Sendable { var items: [TaskRecord]; var page: Int; var pageSize: Int; var total: Int }
    /// One task with its log.
    struct Detail: ResponseEncodable, Sendable { var task: TaskRecord; var events: [TaskEventRecord] }

    func add(to router: ServiceRouter) {
        router.get("/api/v1/departments/{code}/tasks", use: inbox)
        router.get("/api/v1/tasks/{dispatchId}", use: show)
        for kind in TaskCommandKind.allCases {
            router.post("/api/v1/tasks/{dispatchId}/\(kind.rawValue)") { request, context in
                try await perform(kind, request: request, context: context)
            }
        }
    }

    @Sendable func inbox(_ request: Request, context: CityGridRequestContext) async throws -> Page {
        let viewer = try viewer(context)
        let code = try context.parameters.require("code")
        guard viewer.mayRead(code) else { throw APIError.notFound("department \(code)") }
        var query = QueryParameters(request)
        let state = query.choice("state", as: TaskState.self)
        let page = query.integer("page", default: 1, range: 1...100_000)
        let pageSize = query.integer("pageSize", default: 20, range: 1...200)
        try query.finish()
        let registered = registered.contains(code)
        let found: (items: [TaskRecord], total: Int)? = try await env.pool.withConnection { connection in
            // A reader's misspelt code is no empty inbox: a department nobody registered and
            // nothing was ever dispatched to does not exist.
            guard try registered || TaskStore.hasTasks(connection, department: code) else { return nil }
            return try TaskStore.inbox(connection, department: code, state: state, page: page, pageSize: pageSize)
        }
        guard let (items, total) = found else { throw APIError.notFound("department \(code)") }
        return Page(items: items, page: page, pageSize: pageSize, total: total)
    }

    @Sendable func show(_ request: Request, context: CityGridRequestContext) async throws -> Detail {
        let viewer = try viewer(context)
        let id = try context.uuidParameter("dispatchId", what: "task")
        let found: (TaskRecord, [TaskEventRecord])? = try await env.pool.withConnection { connection in
            guard let task = try TaskStore.find(connection, dispatchId: id) else { return nil }
            return (task, try TaskStore.events(connection, dispatchId: id))
        }
        guard let (task, events) = found, viewer.mayRead(task.departmentCode) else { throw APIError.notFound("task \(id)") }
        return Detail(task: task, events: events)
    }

    func viewer(_ context: CityGridRequestContext) throws -> Viewer {
        let token = try context.requireToken()
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

    func perform(_ kind: TaskCommandKind, request: Request, context: CityGridRequestContext) async throws -> TaskRecord {
        let viewer = try viewer(context)
        let id = try context.uuidParameter("dispatchId", what: "task")
        guard case .department(let code, let actorId) = viewer else {
            // Readers exist, but acting is the department's alone. Say so only about tasks that exist.
            let exists = try await env.pool.withConnection { try TaskStore.find($0, dispatchId: id) != nil }
            guard exists else { throw APIError.notFound("task \(id)") }
            throw AccessError.forbidden("only the department holding the task may \(kind.rawValue) it")
        }
        let input = try await request.decodeJSON(as: OperationInput.self, context: context)
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
            return task
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
}

extension TaskRecord: ResponseEncodable {}
