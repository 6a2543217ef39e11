import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// The evidence store over HTTP: `POST /api/v1/evidence` (multipart upload of one photo or short
/// video) and `GET /api/v1/evidence/{id}` (the file, for viewers whose scope covers a case that
/// shows it).
///
/// An upload is checked completely before anything is written — request size, multipart form,
/// the file's type by its first bytes, its size for that type — then hashed, its EXIF read, the
/// file put in the content-addressed store (fsynced) and only then its record committed; the
/// answer's id and URL therefore always name a stored file.
struct EvidenceAPI: Sendable {
    let env: ServiceEnvironment
    let settings: EvidenceSettings
    let store: ContentStore
    /// The zone of an EXIF capture time written without an offset: the city's.
    let cityTimeZone: TimeZone

    /// Auditors read; everyone else who holds a token may upload.
    static let uploaders = Set(Role.allCases).subtracting([.auditor])

    func register(_ router: ServiceRouter) {
        router.post("/api/v1/evidence") { request, context -> Reply<EvidenceView> in
            try await upload(request, context)
        }
        router.get("/api/v1/evidence/{id}") { request, context -> Response in
            try await serve(request, context)
        }
    }

    // MARK: Upload

    /// What an accepted upload is, before it is stored (pure, so the route tests and the unit
    /// tests see the same decisions).
    struct Accepted: Sendable {
        var bytes: Data
        var type: MediaType
        var fileName: String?
        var address: ContentAddress
        var exif: ExifMetadata
    }

    /// Checks a multipart body and returns the file it carries, or the HTTP error that refuses it.
    static func accept(body: Data, contentType: String?, limits: EvidenceLimits, timeZone: TimeZone) throws(APIError) -> Accepted {
        guard let boundary = MultipartForm.boundary(contentType: contentType) else { throw Problem.notMultipart(contentType) }
        let parts: [MultipartPart]
        do throws(MultipartError) {
            parts = try MultipartForm.parse(body, boundary: boundary)
        } catch {
            throw Problem.malformed(error.reason)
        }
        let files = parts.filter { $0.name == "file" }
        guard files.count == 1, let file = files.first else {
            throw Problem.malformed(files.isEmpty ? "no part named 'file'" : "more than one part named 'file'", field: "file")
        }
        let bytes = body.subdata(in: (body.startIndex + file.range.lowerBound)..<(body.startIndex + file.range.upperBound))
        let type = MediaType.sniff(Array(bytes.prefix(16)))
        switch limits.judge(type, size: bytes.count) {
        case .unsupported(let found):
            throw Problem.unsupported(found, accepted: limits.accepted)
        case .tooLarge(let found, let limit):
            throw Problem.tooLarge("a \(found.kind.rawValue) (\(found.rawValue)) may be at most \(limit) bytes; this one has \(bytes.count)")
        case nil:
            break
        }
        let sniffed = type!
        // The EXIF block sits in the first segments; a prefix bounds the work for any file.
        let exif = sniffed == .jpeg ? ExifReader.read(jpeg: Array(bytes.prefix(256 * 1024)), defaultTimeZone: timeZone) : ExifMetadata()
        // The client's name for the file is kept for display only: control characters (NUL
        // included, which no text column may hold) are dropped, the length is bounded.
        var name: String?
        if let given = file.filename {
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: given.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) })
            let cleaned = String(String(scalars).trimmingCharacters(in: .whitespaces).prefix(200))
            name = cleaned.isEmpty ? nil : cleaned
        }
        return Accepted(bytes: bytes, type: sniffed, fileName: name, address: ContentAddress(of: bytes), exif: exif)
    }

    func upload(_ request: Request, _ context: CityGridRequestContext) async throws -> Reply<EvidenceView> {
        let token = try context.requireToken(roles: Self.uploaders, "auditors may read evidence, not upload it")
        let limits = settings.limits
        let maximum = limits.maxRequestBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maximum {
            throw Problem.tooLarge("the request has \(declared) bytes; at most \(maximum) are read (the largest file plus its form)")
        }
        // Refuse a wrong Content-Type before reading a byte of the body.
        guard MultipartForm.boundary(contentType: request.headers[.contentType]) != nil else {
            throw Problem.notMultipart(request.headers[.contentType])
        }
        let body: Data
        do {
            body = Data(try await request.body.collect(upTo: maximum).readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Problem.tooLarge("the request is larger than the \(maximum) bytes read (the largest file plus its form)")
        }
        let accepted = try Self.accept(body: body, contentType: request.headers[.contentType], limits: limits, timeZone: cityTimeZone)
        let now = env.clock.now()
        let record = EvidenceRecord(id: UUID(), sha256: accepted.address.sha256, mediaType: accepted.type, kind: accepted.type.kind,
                                    sizeBytes: accepted.bytes.count, fileName: accepted.fileName, capturedAt: accepted.exif.capturedAt,
                                    longitude: accepted.exif.longitude, latitude: accepted.exif.latitude, uploadedBy: token.sub,
                                    uploadedRole: token.role, uploadedScope: token.scope.description, uploadedAt: now, attachedAt: nil)
        let store = self.store
        // On the connection's own thread: the hash's lock, the file written and fsynced, then the
        // record; the commit is the moment the upload exists.
        try await env.pool.transaction { connection in
            try EvidenceStore.lock(accepted.address, on: connection)
            try store.put(accepted.bytes, at: accepted.address)
            try EvidenceStore.insert(record, on: connection)
        }
        env.logger.info("evidence stored", metadata: [
            "evidence_id": "\(record.id)", "sha256": "\(record.sha256)", "media_type": "\(record.mediaType.rawValue)",
            "size_bytes": "\(record.sizeBytes)", "uploaded_by": "\(record.uploadedBy)",
        ])
        let view = EvidenceView(record, baseURL: settings.baseURL)
        return Reply(view, status: .created, headers: [.location: view.href])
    }

    // MARK: Serving

    /// Whether `token` may see the upload: city scope sees all; the uploader sees their own; anyone
    /// else only through a case that shows it and that they may see (``SupervisionAPI/visible(_:to:)``).
    static func mayView(_ record: EvidenceRecord, token: AccessToken, showingCases: () throws -> [StoredCase]) rethrows -> Bool {
        if token.scope.level == .city || record.uploadedBy == token.sub { return true }
        return try showingCases().contains { SupervisionAPI.visible($0, to: token) }
    }

    func serve(_ request: Request, _ context: CityGridRequestContext) async throws -> Response {
        let token = try context.requireToken()
        let id = try context.uuidParameter("id", what: "evidence")
        let store = self.store
        let found: (EvidenceRecord, Data?)? = try await env.pool.transaction(isolation: .repeatableRead) { connection in
            guard let record = try EvidenceStore.find(id, on: connection),
                  try Self.mayView(record, token: token, showingCases: {
                      try EvidenceStore.cases(showing: id, on: connection).compactMap { try CaseStore.load($0, forUpdate: false, on: connection) }
                  }) else { return nil }
            return (record, try ContentAddress(hex: record.sha256).flatMap { try store.read($0) })
        }
        // Out of scope reads as absent, as a case does.
        guard let found else { throw APIError.notFound("evidence \(id.uuidString.lowercased())") }
        let (record, bytes) = found
        guard let bytes else {
            env.logger.error("evidence record without its file", metadata: ["evidence_id": "\(record.id)", "sha256": "\(record.sha256)"])
            throw APIError(status: .internalServerError, code: "evidence_file_missing",
                           message: "the file of evidence \(record.id.uuidString.lowercased()) is missing from the store; the service log has the details")
        }
        let etag = "\"\(record.sha256)\""
        var headers: HTTPFields = [
            .contentType: record.mediaType.mime,
            .eTag: etag,
            .cacheControl: "private, max-age=86400, immutable",
            .contentDisposition: "inline; filename=\"\(record.id.uuidString.lowercased()).\(record.mediaType.fileExtension)\"",
        ]
        // Named through HTTPFields' element type: the service imports Hummingbird, which exports HTTPFields only.
        if let nosniff = HTTPFields.Element.Name("X-Content-Type-Options") { headers[nosniff] = "nosniff" }
        if let digest = HTTPFields.Element.Name("Repr-Digest"), let raw = Data(hexPairs: record.sha256) {
            headers[digest] = "sha-256=:\(raw.base64EncodedString()):"
        }
        if request.headers[.ifNoneMatch].map({ $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains(etag) }) == true {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The problem bodies of a refused upload.
    enum Problem {
        static func notMultipart(_ contentType: String?) -> APIError {
            APIError(status: .unsupportedMediaType, code: "multipart_required",
                     message: "send the file as multipart/form-data with a part named 'file' (got \(contentType ?? "no Content-Type"))")
        }

        static func malformed(_ reason: String, field: String? = nil) -> APIError {
            APIError(status: .badRequest, code: "malformed_multipart", message: "the multipart form cannot be read: \(reason)",
                     details: field.map { [APIError.FieldProblem(field: $0, problem: reason)] } ?? [])
        }

        static func unsupported(_ found: MediaType?, accepted: Set<MediaType>) -> APIError {
            let list = accepted.map(\.rawValue).sorted().joined(separator: ", ")
            let what = found.map { "\($0.rawValue) is not accepted" } ?? "the file is none of the accepted types (judged by its content)"
            return APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: "\(what); accepted: \(list)",
                            details: [.init(field: "file", problem: "must be one of \(list)")])
        }

        static func tooLarge(_ message: String) -> APIError {
            APIError(status: .contentTooLarge, code: "evidence_too_large", message: message,
                     details: [.init(field: "file", problem: "too large")])
        }
    }
}

extension Data {
    /// Bytes from lowercase hex pairs; nil for anything else.
    init?(hexPairs text: String) {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
            index += 2
        }
        self.init(bytes)
    }
}
