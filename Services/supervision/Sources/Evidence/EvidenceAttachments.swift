import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// Ties photos to the timeline entries that brought them. Called in the transaction that writes
/// the entry, so the entry, its photos and the uploads' attachment commit together: a report's
/// photos on its first entry (`CaseEngine.report`), a department's progress and completion
/// photos on `progress_note` / `complete`, a refused update's on its `update_refused`
/// annotation, a repeat report's on `duplicate_linked`, a verification's and a check's on their
/// entries (through `CaseEngine.apply(…, photos:)`).
extension CaseEngine {
    /// Records `photos` on the workflow entry just appended.
    @discardableResult
    public func attachPhotos(_ photos: [Photo], to entry: TimelineEntry, connection: PGConnection) throws -> [UUID] {
        guard !photos.isEmpty else { return [] }
        guard let row = try EvidenceStore.transitionId(entry.caseId, sequence: entry.sequence, on: connection) else {
            throw PGError(.statement, "timeline entry \(entry.sequence) of case \(entry.caseId) not found for its photos")
        }
        return try EvidenceStore.attach(photos, caseId: entry.caseId, timelineId: row, at: entry.at, on: connection)
    }

    /// Records `photos` on the case's annotation `action` just written.
    @discardableResult
    public func attachPhotos(_ photos: [Photo], toAnnotation action: String, of caseId: UUID, at: Date,
                             connection: PGConnection) throws -> [UUID] {
        guard !photos.isEmpty else { return [] }
        guard let row = try EvidenceStore.latestAnnotationId(caseId, action: action, on: connection) else {
            throw PGError(.statement, "annotation \(action) of case \(caseId) not found for its photos")
        }
        return try EvidenceStore.attach(photos, caseId: caseId, timelineId: row, at: at, on: connection)
    }

    /// Keeps the uploads among `photos` although no entry will show them (a department's update
    /// refused after its case ended: the case's history ended with it, but what the department
    /// sent was accepted by disposal and must not be collected as an orphan).
    public func keepPhotos(_ photos: [Photo], at: Date, connection: PGConnection) throws {
        try EvidenceStore.keep(photos.compactMap { EvidenceReference.id(in: $0.url) }, at: at, on: connection)
    }
}

extension SupervisionAPI {
    /// 422 for photo URLs that name an upload (`…/evidence/{id}`) this service does not hold: a
    /// staff command may only reference what was stored (upload first, then refer to it).
    static func requireStored(_ urls: [String], field: String = "photos", on connection: PGConnection) throws {
        let named = urls.enumerated().compactMap { index, url in EvidenceReference.id(in: url).map { (index, $0) } }
        guard !named.isEmpty else { return }
        let held = try EvidenceStore.held(named.map { $0.1 }, on: connection)
        let problems = named.filter { !held.contains($0.1) }.map {
            APIError.FieldProblem(field: "\(field)[\($0.0)]", problem: "names evidence \($0.1.uuidString.lowercased()) that is not stored here; upload it first")
        }
        if !problems.isEmpty { throw APIError.validation(problems) }
    }
}
