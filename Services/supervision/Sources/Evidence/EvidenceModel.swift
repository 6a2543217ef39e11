import CityGridModel
import Foundation

/// One stored upload: what the file is (hash, type, size), what its EXIF said, who uploaded it
/// and when, and since when a timeline entry shows it (`attachedAt`; nil while nobody has
/// referenced it, when the orphan sweep may collect it after the grace period).
public struct EvidenceRecord: Codable, Sendable, Equatable {
    public var id: UUID
    public var sha256: String
    public var mediaType: MediaType
    public var kind: MediaType.Kind
    public var sizeBytes: Int
    /// The name the client gave the file (shown, never used as a path).
    public var fileName: String?
    public var capturedAt: Date?
    public var longitude: Double?
    public var latitude: Double?
    public var uploadedBy: String
    public var uploadedRole: Role
    /// The uploader's scope, as `city` / `district:150102` / …
    public var uploadedScope: String
    public var uploadedAt: Date
    public var attachedAt: Date?
}

/// An upload as the API shows it: the record, the URL to put in a photo reference, and the path
/// on this service that serves it.
public struct EvidenceView: Codable, Sendable {
    public var id: UUID
    /// `<CITYGRID_EVIDENCE_BASE_URL>/api/v1/evidence/{id}`: what a report, a department's
    /// completion or a check sends as a photo's `url`.
    public var url: String
    /// `/api/v1/evidence/{id}` on supervision.
    public var href: String
    public var sha256: String
    public var mediaType: MediaType
    public var kind: MediaType.Kind
    public var sizeBytes: Int
    public var fileName: String?
    public var capturedAt: Date?
    public var location: EvidenceLocation?
    public var uploadedBy: String
    public var uploadedAt: Date
    public var attached: Bool

    init(_ record: EvidenceRecord, baseURL: String) {
        id = record.id
        href = EvidenceReference.path(record.id)
        url = baseURL + href
        sha256 = record.sha256
        mediaType = record.mediaType
        kind = record.kind
        sizeBytes = record.sizeBytes
        fileName = record.fileName
        capturedAt = record.capturedAt
        location = EvidenceLocation(longitude: record.longitude, latitude: record.latitude)
        uploadedBy = record.uploadedBy
        uploadedAt = record.uploadedAt
        attached = record.attachedAt != nil
    }
}

/// Where a photo says it was taken (EXIF GPS).
public struct EvidenceLocation: Codable, Sendable, Equatable {
    public var longitude: Double
    public var latitude: Double

    init?(longitude: Double?, latitude: Double?) {
        guard let longitude, let latitude else { return nil }
        self.longitude = longitude
        self.latitude = latitude
    }
}

/// A photo as a timeline entry shows it: the URL and purpose it came with and, when it is an
/// upload held by this service, the stored evidence behind it.
public struct EntryPhoto: Codable, Sendable, Equatable {
    public var url: String
    public var purpose: PhotoPurpose
    public var evidenceId: UUID?
    /// `/api/v1/evidence/{id}` when the photo is held here.
    public var href: String?
    public var sha256: String?
    public var mediaType: String?
    public var sizeBytes: Int?
    public var capturedAt: Date?
    public var location: EvidenceLocation?
}

/// How a photo's URL names an upload held here: its last two path segments are
/// `evidence/{uuid}` — `<base>/api/v1/evidence/{id}` as an upload answers it, the same path
/// relative, or through the console (`/api/supervision/evidence/{id}`). A URL of that shape whose
/// id names no upload here is treated as an external photo.
public enum EvidenceReference {
    public static func path(_ id: UUID) -> String { "/api/v1/evidence/\(id.uuidString.lowercased())" }

    /// The upload id a photo URL names, if it has the shape.
    public static func id(in url: String) -> UUID? {
        guard let components = URLComponents(string: url), components.query == nil, components.fragment == nil else { return nil }
        let segments = components.path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 2, segments[segments.count - 2] == "evidence" else { return nil }
        return UUID(uuidString: String(segments[segments.count - 1]))
    }
}
