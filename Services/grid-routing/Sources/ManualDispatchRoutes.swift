import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// The dispatchers' manual queue (人工派遣): list, place an unlocatable case, choose a department.
struct ManualDispatchRoutes: Sendable {
    let env: ServiceEnvironment
    let core: RoutingCore

    struct Item: Codable, Sendable {
        /// Lower-case UUID, as in message subjects.
        var caseId: String
        var caseNumber: String
        var reason: String
        var detail: String
        var gridCode: String?
        var openedAt: Date
    }

    struct LocateBody: Decodable { var gridCode: String? }
    struct DispatchBody: Decodable { var departmentCode: String? }

    /// The open items a dispatcher's scope covers.
    struct Queue: ResponseEncodable, Sendable { var items: [Item] }
    /// The answer to placing a case by hand.
    struct Located: ResponseEncodable, Sendable { var caseId: String; var gridCode: String }

    func add(to router: ServiceRouter) {
        router.get("/api/v1/manual-dispatch") { _, context -> Queue in
            let token = try authorise(context)
            let items = try await env.pool.withConnection { connection in
                try ManualQueueStore.openItems(connection: connection)
            }
            return Queue(items: items.filter { token.scope.covers(gridCode: $0.gridCode) || token.scope.level == .city })
        }

        router.get("/api/v1/manual-dispatch/{caseId}") { _, context -> Desk in
            let token = try authorise(context)
            let caseId = try caseIdParameter(context)
            let today = core.reference.calendar.civilDate(of: env.clock.now())
            let core = core
            return try await env.pool.withConnection { connection in
                guard let (item, filingJSON) = try ManualQueueStore.openItem(caseId: caseId, connection: connection),
                      let projection = try CaseProjectionStore.load(caseId, connection: connection),
                      token.scope.level == .city || token.scope.covers(gridCode: projection.gridCode)
                else { throw APIError.notFound("open manual-dispatch item for case \(caseId)") }
                let returned = try filingJSON.map { try MessageCoding.decoder().decode(CaseFiled.self, from: Data($0.utf8)).excludedDepartments } ?? []
                let grid = try projection.gridCode.flatMap { code in
                    try GridStore.features(in: GridArea(gridCode: code), on: today, connection: connection).first
                }
                let chain = core.planner.chain(kind: projection.kind, classCode: projection.classCode, componentCode: projection.componentCode,
                                               gridCode: projection.gridCode, returned: returned)
                return Desk(
                    item: item,
                    case: .init(caseNumber: projection.caseNumber, kind: projection.kind, classCode: projection.classCode,
                                componentCode: projection.componentCode, gridCode: projection.gridCode, longitude: projection.lon,
                                latitude: projection.lat, address: projection.address, description: projection.description),
                    grid: try grid.map { try JSONDecoder().decode(GridFeature.self, from: Data($0.utf8)) },
                    candidates: chain.map {
                        .init(departmentCode: $0.departmentCode, name: core.reference.department($0.departmentCode)?.name ?? $0.departmentCode,
                              step: $0.step.rawValue, excluded: $0.returned)
                    },
                    returnedBy: returned.sorted())
            }
        }

        router.post("/api/v1/manual-dispatch/{caseId}/locate") { request, context -> Located in
            let token = try authorise(context)
            let caseId = try caseIdParameter(context)
            let body = try await request.decodeJSON(as: LocateBody.self, context: context)
            let now = env.clock.now()
            guard let gridCode = body.gridCode, !gridCode.isEmpty else {
                throw APIError.validation([.init(field: "gridCode", problem: "required")])
            }
            guard gridCode.count == 15, gridCode.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw APIError.validation([.init(field: "gridCode", problem: "must be 15 digits")])
            }
            let today = core.reference.calendar.civilDate(of: now)
            guard let grid = core.reference.grid(gridCode), grid.isValid(on: today) else {
                throw APIError.validation([.init(field: "gridCode", problem: "no unit grid \(gridCode) valid on \(today)")])
            }
            guard token.scope.covers(gridCode: gridCode) else { throw APIError.notFound("case \(caseId)") }
            let core = core
            try await env.transaction { connection, outbox in
                guard let reason = try ManualQueueStore.lockOpenReason(caseId: caseId, connection: connection),
                    let projection = try CaseProjectionStore.load(caseId, connection: connection)
                else { throw APIError.notFound("open manual-dispatch item for case \(caseId)") }
                guard reason == ManualDispatchRequired.Reason.unlocatable.rawValue else {
                    throw APIError(status: .conflict, code: "not_unlocatable", message: "case \(caseId) is queued for a department, not a location")
                }
                let location = CaseLocation(point: grid.polygon.centroid, grid: GridHit(grid), method: .manual, matchedName: nil)
                try core.publishLocated(caseId: caseId, caseNumber: projection.caseNumber, kind: projection.kind, classCode: projection.classCode,
                                        address: projection.address, location: location, connection: connection, outbox: outbox, now: now)
                try ManualQueueStore.resolve(caseId: caseId, by: token.sub, at: now, connection: connection)
            }
            env.logger.info("case located by hand", metadata: ["case_id": "\(caseId)", "grid": "\(gridCode)", "by": "\(token.sub)"])
            return Located(caseId: caseId.uuidString.lowercased(), gridCode: gridCode)
        }

        router.post("/api/v1/manual-dispatch/{caseId}/dispatch") { request, context -> Dispatched in
            let token = try authorise(context)
            let caseId = try caseIdParameter(context)
            let body = try await request.decodeJSON(as: DispatchBody.self, context: context)
            guard let code = body.departmentCode, !code.isEmpty else {
                throw APIError.validation([.init(field: "departmentCode", problem: "required")])
            }
            guard core.reference.department(code) != nil else {
                throw APIError.validation([.init(field: "departmentCode", problem: "unknown department \(code)")])
            }
            let now = env.clock.now()
            let core = core
            let task = try await env.transaction { connection, outbox -> TaskDispatched in
                guard let item = try ManualQueueStore.lockOpenItem(caseId: caseId, connection: connection)
                else { throw APIError.notFound("open manual-dispatch item for case \(caseId)") }
                guard let projection = try CaseProjectionStore.load(caseId, connection: connection),
                      token.scope.level == .city || token.scope.covers(gridCode: projection.gridCode) else {
                    throw APIError.notFound("open manual-dispatch item for case \(caseId)")
                }
                guard let text = item.filingJSON, let gridCode = projection.gridCode else {
                    throw APIError(status: .conflict, code: "not_filed", message: "case \(caseId) must be located first (POST …/locate)")
                }
                let filed = try MessageCoding.decoder().decode(CaseFiled.self, from: Data(text.utf8))
                guard !filed.excludedDepartments.contains(code) else {
                    throw APIError.validation([.init(field: "departmentCode", problem: "\(code) returned this case")])
                }
                let task: TaskDispatched
                do {
                    task = try core.dispatch(filed, to: code, via: "manual", by: token.sub, projection: projection,
                                             gridCode: gridCode, connection: connection, outbox: outbox,
                                             now: now)
                } catch let failure as RoutingCore.DispatchFailure {
                    throw Self.apiError(failure)
                }
                try ManualQueueStore.resolve(caseId: caseId, by: token.sub, at: now, connection: connection)
                return task
            }
            env.logger.info("case dispatched by hand", metadata: ["case_id": "\(caseId)", "department": "\(code)", "by": "\(token.sub)"])
            return Dispatched(dispatchId: task.dispatchId.uuidString.lowercased(), departmentCode: code, deadline: task.deadline,
                              deadlineBasis: task.deadlineBasis)
        }
    }

    /// What the manual-dispatch desk shows for one item: the case's facts as routing holds them,
    /// its grid (a GeoJSON Feature, when located), and the responsibility chain in order with the
    /// departments that returned the case marked `excluded` (a dispatch to them is refused).
    struct Desk: ResponseEncodable, Sendable {
        struct CaseFacts: Codable, Sendable {
            var caseNumber: String
            var kind: ClassKind
            var classCode: String
            var componentCode: String?
            var gridCode: String?
            var longitude: Double?
            var latitude: Double?
            var address: String?
            var description: String
        }
        struct Candidate: Codable, Sendable {
            var departmentCode: String
            var name: String
            /// owner, sector, street or district: the rule step that named the department.
            var step: String
            var excluded: Bool
        }
        var item: Item
        var `case`: CaseFacts
        var grid: GridFeature?
        var candidates: [Candidate]
        var returnedBy: [String]
    }

    /// The answer to a manual dispatch: the new task's id and deadline, and what the deadline was
    /// counted on.
    struct Dispatched: ResponseEncodable, Sendable {
        var dispatchId: String
        var departmentCode: String
        var deadline: Date
        var deadlineBasis: DeadlineBasis?
    }

    /// A dispatch that cannot be made, as the dispatcher's answer. Nothing was written: the item
    /// stays in the queue.
    static func apiError(_ failure: RoutingCore.DispatchFailure) -> APIError {
        switch failure {
        case .unknownDepartment(let code):
            return APIError.validation([.init(field: "departmentCode", problem: "unknown department \(code)")])
        case .calendar:
            // The same code supervision answers when a staff command's deadline cannot be counted.
            return APIError(status: .conflict, code: "calendar_not_covered", message: failure.description)
        }
    }

    // MARK: Helpers

    private func authorise(_ context: CityGridRequestContext) throws -> AccessToken {
        let token = try context.requireToken(roles: [.dispatcher, .admin], "the manual-dispatch queue is for dispatchers")
        guard token.scope.level == .city || token.scope.level == .district else {
            throw AccessError.forbidden("needs a city or district scope")
        }
        return token
    }

    private func caseIdParameter(_ context: CityGridRequestContext) throws -> UUID {
        guard let text = context.parameters.get("caseId"), let id = UUID(uuidString: text) else {
            throw APIError.validation([.init(field: "caseId", problem: "must be a UUID")])
        }
        return id
    }
}
