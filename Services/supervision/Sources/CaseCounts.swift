import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird

/// What `GET /api/v1/cases/counts` was asked: a grouping and the case list's filters (without
/// its text search and paging), limited to the token's scope. A dashboard asks "open cases per
/// grid" or "today's reports per channel" with one request instead of paging through the list.
struct CaseCountQuery: Sendable {
    var dimension: CaseCountDimension
    var filters: CaseListQuery
    /// Equal for requests that count the same rows: the grouping, the scope and every filter in a
    /// fixed order. `overdue` is judged at the moment of counting, so the key names only that it
    /// was asked; a cached answer is at most the cache's TTL old, as every count is.
    var cacheKey: String
}

extension SupervisionAPI {
    /// The parameters of `GET /api/v1/cases/counts`; any other answers 422 naming it (a misspelt
    /// filter must not quietly count more than was asked).
    static let caseCountParameters: Set<String> = caseFilterParameters.union(["by"])

    /// Reads the counts' parameters; every problem at once.
    static func countQuery(_ request: Request, token: AccessToken, now: Date) throws -> CaseCountQuery {
        var parameters = QueryParameters(request, known: caseCountParameters)
        let dimension = parameters.choice("by", as: CaseCountDimension.self) ?? .status
        var query = CaseListQuery(scope: token.scope)
        readFilters(&parameters, into: &query, now: now)
        try parameters.finish()

        // A state set is a set: the same states in another order count the same rows.
        let states = Set(query.states).map(\.rawValue).sorted()
        let key = [
            dimension.rawValue, query.scope.description, states.joined(separator: ","),
            query.districtCode ?? "", query.streetCode ?? "", query.communityCode ?? "", query.gridCode ?? "",
            query.departmentCode ?? "", query.channel ?? "", query.classPrefix ?? "", query.overdueAt == nil ? "" : "overdue",
            query.pendingAny ? "any" : Set(query.pending).map(\.rawValue).sorted().joined(separator: ","), query.light?.rawValue ?? "",
            query.reportedFrom.map(RFC3339.format) ?? "", query.reportedBefore.map(RFC3339.format) ?? "",
            query.reopenReferred.map { $0 ? "referred" : "not-referred" } ?? "",
        ].map { $0.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "|", with: "%7C") }.joined(separator: "|")
        return CaseCountQuery(dimension: dimension, filters: query, cacheKey: key)
    }
}
