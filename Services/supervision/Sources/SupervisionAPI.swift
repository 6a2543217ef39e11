import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// HTTP API of the centre: staff commands on a case and the supervisors' queries. Every route
/// needs a bearer token; a case outside the token's scope answers 404.
struct SupervisionAPI: Sendable {
    let env: ServiceEnvironment
    let engine: CaseEngine
    /// Dashboard counts may be this many seconds old (`CITYGRID_SUPERVISION_COUNTS_TTL_SECONDS`, default 5).
    let counts: CountsCache
    let searchTuning: SearchTuning
    /// Cases read per round trip by `GET /api/v1/cases/export` (`CITYGRID_SUPERVISION_EXPORT_BATCH`).
    var exportBatchSize = CaseExport.batchSize
    /// The list views already made (`CITYGRID_SUPERVISION_VIEW_CACHE` cases).
    var views = CaseViewCache(capacity: CaseViewCache.defaultCapacity)

    func register(_ router: ServiceRouter) {
        SupervisionOpenAPI.add(to: router)
        registerQueries(router)
        registerCommands(router)
        registerReturnVisits(router)
    }

    // MARK: Shared helpers

    /// Whether the token may see the case: its area for district/street tokens, its current task
    /// for department tokens.
    static func visible(_ stored: StoredCase, to token: AccessToken) -> Bool {
        switch token.scope.level {
        case .city: return true
        case .district, .street: return token.scope.covers(gridCode: stored.record.gridCode ?? stored.facts.gridCode)
        case .department: return stored.record.currentDepartment == token.scope.code
        }
    }

    /// Maps a workflow outcome onto HTTP: applied and already-applied are 200; the rest are
    /// 409 (403 for role and department refusals) with the workflow's code.
    static func settle(_ outcome: CaseWorkflow.Outcome) throws {
        switch outcome {
        case .applied, .alreadyApplied: return
        case .notYet(let error):
            throw APIError(status: .conflict, code: error.code.rawValue, message: error.message)
        case .rejected(let error):
            let forbidden: Set<WorkflowError.Code> = [.forbiddenForRole, .wrongDepartment, .invalidActor]
            throw APIError(status: forbidden.contains(error.code) ? .forbidden : .conflict, code: error.code.rawValue, message: error.message)
        }
    }

    /// Loads a visible case for reading.
    func read(_ idOrNumber: String, token: AccessToken) async throws -> (CaseView, [TimelineRow]) {
        // One snapshot, so the case and its timeline always agree.
        try await env.reads.transaction(isolation: .repeatableRead) { connection in
            guard let id = try CaseStore.resolveId(idOrNumber, on: connection),
                  let stored = try CaseStore.load(id, forUpdate: false, on: connection),
                  Self.visible(stored, to: token) else { throw APIError.notFound("case \(idOrNumber)") }
            return (CaseView(stored, for: token.role, detail: true), try CaseStore.timeline(id, on: connection))
        }
    }

    /// The signature of one command: works on the locked case inside the request's transaction.
    typealias Mutation = @Sendable (inout StoredCase, AccessToken, Date, PGConnection, OutboxWriter) throws -> Void

    /// Runs a command on a case: authenticate, lock, scope-check, mutate, answer with the case.
    func mutate(_ context: CityGridRequestContext, _ body: @escaping Mutation) async throws -> CaseView {
        let token = try context.requireToken()
        let idText = context.parameters.get("id") ?? ""
        let now = env.clock.now()
        return try await env.transaction { connection, outbox in
            guard let id = try CaseStore.resolveId(idText, on: connection),
                  var stored = try CaseStore.load(id, forUpdate: true, on: connection),
                  Self.visible(stored, to: token) else { throw APIError.notFound("case \(idText)") }
            try body(&stored, token, now, connection, outbox)
            return CaseView(stored, for: token.role)
        }
    }
}

/// How a text search (`q`) over many cases is read; see `list` in QueryRoutes.swift.
struct SearchTuning: Sendable {
    /// How many of the newest filtered cases are scanned in order before the n-gram index is used
    /// (`CITYGRID_SUPERVISION_SEARCH_WINDOW`).
    var window = 4000
    /// Above this many older matches the index's unordered candidates cost more to sort than reading
    /// on in time order (`CITYGRID_SUPERVISION_SEARCH_INDEX_LIMIT`).
    var indexLimit = 2000
    /// When the window found at least 1/`stretchFactor` of what the page still needs, the search
    /// reads up to `stretchFactor` windows more in order before it asks the gram table.
    var stretchFactor = 3
}

extension CaseView: ResponseEncodable {}
