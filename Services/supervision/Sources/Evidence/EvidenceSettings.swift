import CityGridPlatform
import Foundation

/// Which files the evidence store accepts and how large each may be: configuration
/// (`CITYGRID_EVIDENCE_TYPES`, `CITYGRID_EVIDENCE_MAX_PHOTO_BYTES`, `CITYGRID_EVIDENCE_MAX_VIDEO_BYTES`).
public struct EvidenceLimits: Sendable, Equatable {
    /// The accepted types.
    public var accepted: Set<MediaType>
    public var maxPhotoBytes: Int
    public var maxVideoBytes: Int

    public init(accepted: Set<MediaType>, maxPhotoBytes: Int, maxVideoBytes: Int) {
        self.accepted = accepted
        self.maxPhotoBytes = maxPhotoBytes
        self.maxVideoBytes = maxVideoBytes
    }

    public static let defaultTypes = "image/jpeg,image/png,image/webp,video/mp4"
    public static let defaultMaxPhotoBytes = 15_000_000
    public static let defaultMaxVideoBytes = 50_000_000
    /// Room for the multipart framing (boundaries, part headers, small fields) around the file.
    public static let framingAllowance = 64 * 1024

    /// The largest file of `type`.
    public func maxBytes(_ type: MediaType) -> Int { type.kind == .photo ? maxPhotoBytes : maxVideoBytes }

    /// The largest request body worth reading: the largest accepted file and its framing.
    public var maxRequestBytes: Int {
        (accepted.map(maxBytes).max() ?? 0) + Self.framingAllowance
    }

    /// Why a file is refused, if it is.
    public enum Refusal: Equatable, Sendable {
        /// Not a type the store recognises (`nil`) or not one the city accepts.
        case unsupported(MediaType?)
        case tooLarge(MediaType, limit: Int)
    }

    /// The verdict on a file of `size` bytes whose first bytes sniffed as `type`.
    public func judge(_ type: MediaType?, size: Int) -> Refusal? {
        guard let type, accepted.contains(type) else { return .unsupported(type) }
        if size > maxBytes(type) { return .tooLarge(type, limit: maxBytes(type)) }
        return nil
    }

    /// Reads the three settings. Unknown types, an empty list and limits out of range stop the
    /// service at start.
    public static func read(_ environment: EnvironmentReader) throws(ConfigurationError) -> EvidenceLimits {
        let listed = environment.string("CITYGRID_EVIDENCE_TYPES", default: defaultTypes)
        var accepted: Set<MediaType> = []
        for name in listed.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            guard let type = MediaType(rawValue: name) else {
                throw ConfigurationError(variable: "CITYGRID_EVIDENCE_TYPES",
                                         problem: "names an unknown type '\(name)'; known: \(MediaType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            accepted.insert(type)
        }
        guard !accepted.isEmpty else { throw ConfigurationError(variable: "CITYGRID_EVIDENCE_TYPES", problem: "lists no type") }
        return EvidenceLimits(
            accepted: accepted,
            maxPhotoBytes: try environment.int("CITYGRID_EVIDENCE_MAX_PHOTO_BYTES", default: defaultMaxPhotoBytes, range: 1_024...200_000_000),
            maxVideoBytes: try environment.int("CITYGRID_EVIDENCE_MAX_VIDEO_BYTES", default: defaultMaxVideoBytes, range: 1_024...1_000_000_000))
    }
}

/// The evidence store's settings, read once at start.
public struct EvidenceSettings: Sendable {
    /// The content-addressed store's root (`CITYGRID_EVIDENCE_DIR`).
    public var directory: URL
    /// Where clients reach this service (`CITYGRID_EVIDENCE_BASE_URL`): the `url` an upload
    /// answers with is this plus `/api/v1/evidence/{id}`, an absolute http(s) URL that every
    /// service's photo checks accept as they are.
    public var baseURL: String
    public var limits: EvidenceLimits
    /// How long an upload nobody referenced is kept (`CITYGRID_EVIDENCE_ORPHAN_GRACE_HOURS`).
    public var orphanGrace: TimeInterval
    /// How often the sweep runs (`CITYGRID_EVIDENCE_SWEEP_SECONDS`).
    public var sweepInterval: Duration

    public init(directory: URL, baseURL: String, limits: EvidenceLimits, orphanGrace: TimeInterval, sweepInterval: Duration) {
        self.directory = directory
        self.baseURL = baseURL
        self.limits = limits
        self.orphanGrace = orphanGrace
        self.sweepInterval = sweepInterval
    }

    public static func read(_ environment: EnvironmentReader, configuration: ServiceConfiguration) throws(ConfigurationError) -> EvidenceSettings {
        let directory = defaultDirectory(environment, referenceDataPath: configuration.referenceDataPath)
        let base = try baseURL(environment, host: configuration.httpHost, port: configuration.httpPort)
        let graceHours = try environment.double("CITYGRID_EVIDENCE_ORPHAN_GRACE_HOURS", default: 24, range: 0.01...8760)
        let sweepSeconds = try environment.double("CITYGRID_EVIDENCE_SWEEP_SECONDS", default: 600, range: 0.2...86_400)
        return EvidenceSettings(directory: URL(fileURLWithPath: directory), baseURL: base, limits: try EvidenceLimits.read(environment),
                                orphanGrace: graceHours * 3600, sweepInterval: .milliseconds(Int(sweepSeconds * 1000)))
    }

    /// `CITYGRID_EVIDENCE_DIR`; else `evidence` in the state folder: `CITYGRID_STATE_DIR`, or the
    /// checkout's `.state` when the reference data is a checkout's (`<repo>/Shared/reference-data`);
    /// else `/var/lib/citygrid/evidence` (an installed service).
    static func defaultDirectory(_ environment: EnvironmentReader, referenceDataPath: String) -> String {
        let configured = environment.string("CITYGRID_EVIDENCE_DIR", default: "")
        if !configured.isEmpty { return configured }
        let state = environment.string("CITYGRID_STATE_DIR", default: "")
        if !state.isEmpty { return (state as NSString).appendingPathComponent("evidence") }
        let reference = URL(fileURLWithPath: referenceDataPath).standardizedFileURL
        if reference.lastPathComponent == "reference-data", reference.deletingLastPathComponent().lastPathComponent == "Shared" {
            return reference.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".state/evidence").path
        }
        return "/var/lib/citygrid/evidence"
    }

    /// `CITYGRID_EVIDENCE_BASE_URL` (an http(s) URL, trailing slash dropped); by default this
    /// service's own address (a wildcard bind address read as loopback).
    static func baseURL(_ environment: EnvironmentReader, host: String, port: Int) throws(ConfigurationError) -> String {
        let configured = environment.string("CITYGRID_EVIDENCE_BASE_URL", default: "")
        guard !configured.isEmpty else {
            let reachable = ["0.0.0.0", "::", "[::]", ""].contains(host) ? "127.0.0.1" : host
            return "http://\(reachable.contains(":") && !reachable.hasPrefix("[") ? "[\(reachable)]" : reachable):\(port)"
        }
        var text = configured
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              !(url.host ?? "").isEmpty, url.query == nil, url.fragment == nil else {
            throw ConfigurationError(variable: "CITYGRID_EVIDENCE_BASE_URL", problem: "must be an http(s) URL without query, e.g. https://citygrid.example/supervision")
        }
        return text
    }
}
