import CityGridModel
import Foundation
import PGClient

/// The local projection of a case: what dispatch needs (class, component, grid, text, photos).
/// Read and written by ``CaseProjectionStore``.
struct CaseProjection: Sendable {
    var caseId: UUID
    var caseNumber: String
    var kind: ClassKind
    var classCode: String
    var componentCode: String?
    var description: String
    var address: String?
    var photos: [String]
    var gridCode: String?
    var lon: Double?
    var lat: Double?
}
