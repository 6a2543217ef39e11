import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SupervisionService
import TestSupport
import Testing

/// The evidence routes in process, over a store folder of the test's own and a database that
/// points nowhere: everything refused is refused before a byte is written or a row is read.
@Suite("evidence routes (in process)")
struct EvidenceRouteTests {
    let routes: InProcessRoutes
    let api: EvidenceAPI
    let folder: URL

    init() throws {
        routes = try InProcessRoutes(service: "supervision")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-routes-\(UUID().uuidString)")
        let limits = EvidenceLimits(accepted: [.jpeg, .png, .mp4], maxPhotoBytes: 4096, maxVideoBytes: 8192)
        let settings = EvidenceSettings(directory: folder, baseURL: "http://127.0.0.1:8084", limits: limits, orphanGrace: 3600,
                                        sweepInterval: .seconds(60))
        let store = ContentStore(root: folder)
        try store.prepare()
        api = EvidenceAPI(env: routes.env, settings: settings, store: store, cityTimeZone: TimeZone(identifier: "Asia/Shanghai")!)
    }

    func add(_ router: ServiceRouter) { api.register(router) }

    /// Every regular file under the store's folder.
    func storedFiles() -> [String] {
        let walker = FileManager.default.enumerator(atPath: folder.path)
        var files: [String] = []
        while let path = walker?.nextObject() as? String {
            var directory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &directory), !directory.boolValue {
                files.append(path)
            }
        }
        return files
    }

    static let multipart = "multipart/form-data; boundary=\(EvidenceLogicTests.boundary)"

    func upload(_ client: any TestClientProtocol, body: Data, contentType: String? = EvidenceRouteTests.multipart,
                headers: HTTPFields) async throws -> TestResponse {
        var fields = headers
        if let contentType { fields[.contentType] = contentType }
        return try await client.execute(uri: "/api/v1/evidence", method: .post, headers: fields, body: ByteBuffer(bytes: body))
    }

    @Test("a token first; auditors read only")
    func access() async throws {
        let jpeg = EvidenceLogicTests.form([("file", "a.jpg", "image/jpeg", ExifFixture.jpeg(littleEndian: true))])
        try await routes.test(add) { client in
            #expect(try await upload(client, body: jpeg, headers: [:]).status == .unauthorized)
            let auditor = try await upload(client, body: jpeg, headers: routes.bearer(.auditor))
            #expect(auditor.status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/evidence/\(UUID())", method: .get).status == .unauthorized)
            // Not a UUID: no such evidence, before anything is read.
            let bogus = try await client.execute(uri: "/api/v1/evidence/not-an-id", method: .get, headers: routes.bearer(.auditor))
            #expect(bogus.status == .notFound)
            #expect(try ErrorBody(bogus).code == "not_found")
        }
        #expect(storedFiles().isEmpty)
    }

    @Test("oversized, wrong type and malformed uploads answer 413, 415 and 400 with a problem body, and store nothing")
    func refusals() async throws {
        let jpeg = ExifFixture.jpeg(littleEndian: true)
        let supervisor = routes.bearer(.supervisor, "district:150105", sub: "sup-1")
        try await routes.test(add) { client in
            let cases: [(String, Data, String?, HTTPFields, HTTPResponse.Status, String)] = [
                ("photo over 4096 bytes", EvidenceLogicTests.form([("file", "a.jpg", "image/jpeg", jpeg + [UInt8](repeating: 1, count: 5000))]),
                 Self.multipart, [:], .contentTooLarge, "evidence_too_large"),
                ("body over the request limit", Data(count: 8192 + EvidenceLimits.framingAllowance + 1), Self.multipart, [:], .contentTooLarge,
                 "evidence_too_large"),
                ("declared length over the limit", Data(), Self.multipart, [.contentLength: "999999999"], .contentTooLarge, "evidence_too_large"),
                ("a GIF", EvidenceLogicTests.form([("file", "a.gif", "image/gif", Array("GIF89a\u{1}\u{0}".utf8))]), Self.multipart, [:],
                 .unsupportedMediaType, "unsupported_media_type"),
                ("HTML called a JPEG", EvidenceLogicTests.form([("file", "a.jpg", "image/jpeg", Array("<html><script>".utf8))]), Self.multipart, [:],
                 .unsupportedMediaType, "unsupported_media_type"),
                ("JSON instead of a form", Data("{\"url\":\"x\"}".utf8), "application/json", [:], .unsupportedMediaType, "multipart_required"),
                ("no Content-Type", Data(jpeg), nil, [:], .unsupportedMediaType, "multipart_required"),
                ("truncated form", EvidenceLogicTests.form([("file", "a.jpg", nil, jpeg)], close: false), Self.multipart, [:], .badRequest,
                 "malformed_multipart"),
                ("no file part", EvidenceLogicTests.form([("photo", "a.jpg", nil, jpeg)]), Self.multipart, [:], .badRequest, "malformed_multipart"),
            ]
            for (what, body, contentType, extra, status, code) in cases {
                var headers = supervisor
                for field in extra { headers[field.name] = field.value }
                let response = try await upload(client, body: body, contentType: contentType, headers: headers)
                #expect(response.status == status, "\(what)")
                #expect((try? ErrorBody(response).code) == code, "\(what): \(String(buffer: response.body))")
            }
        }
        #expect(storedFiles().isEmpty, "nothing refused reaches the store")
    }
}
