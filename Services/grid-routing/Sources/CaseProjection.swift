import CityGridModel
import Foundation
import PGClient

/// The local projection of a case: what dispatch needs (class, component, grid, text, photos).
/// It is grid-routing's own copy, taken from `CaseReported` and from its own location decision;
/// a department's task is made from it, never from what a filing says.
/// Read and written by ``CaseProjectionStore``.
struct CaseProjection: Sendable {
    var caseId: UUID
    var caseNumber: String
    var kind: ClassKind
    var classCode: String
    var componentCode: String?
    var description: String
    var address: String?
    var photos: [Photo]
    var gridCode: String?
    var lon: Double?
    var lat: Double?
}
