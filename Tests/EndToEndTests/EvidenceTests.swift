import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// Evidence (photos) through all five services as separate processes, on a scratch database and
/// vhost and a store folder of the suite's own: uploads to supervision's evidence store, the
/// returned URLs sent with a supervisor's report, a repeat report, a department's completion, a
/// hotline case's verification and the supervisor's check; each photo stored once, hashed, and
/// shown with its hash on the timeline entry that brought it; viewers outside the case's district
/// refused; refused uploads store nothing; orphans collected after the grace period while
/// referenced files stay.
@Suite("End to end: evidence uploads, attachment, scope and the orphan sweep", .serialized)
final class EvidenceTests {
    /// Monday 7 December 2026, 09:00 Beijing time.
    static let cityStart = RFC3339.parse("2026-12-07T09:00:00+08:00")!
    static let street = "STREET-150105002"
    /// The photo limit the suite runs with, so an oversized upload stays small.
    static let maxPhotoBytes = 300_000

    var city: InjectedCity?
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-evidence-\(UUID().uuidString)")

    deinit {
        city?.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    func start(_ name: String) async throws {
        city = try await InjectedCity.start(name, at: Self.cityStart, extraEnvironment: [
            "CITYGRID_EVIDENCE_DIR": folder.path,
            "CITYGRID_EVIDENCE_MAX_PHOTO_BYTES": String(Self.maxPhotoBytes),
            "CITYGRID_EVIDENCE_SWEEP_SECONDS": "0.5",
            // Repeats within 30 m are linked to the open case (the injected city turns linking off).
            "CITYGRID_DUPLICATE_RADIUS_M": "30",
        ])
    }

    func token(_ role: Role, _ scope: AccessScope = .city, sub: String) -> String { city!.token(role, scope, sub: sub) }
    var supervisor: String { token(.supervisor, AccessScope(level: .district, code: "150105"), sub: "sup-evidence") }
    var auditor: String { token(.auditor, sub: "auditor-evidence") }

    // MARK: Talking to the services

    struct Upload {
        var status: Int
        var json: [String: Any]
        var id: String { json["id"] as? String ?? "" }
        var url: String { json["url"] as? String ?? "" }
        var sha256: String { json["sha256"] as? String ?? "" }
    }

    /// `POST /api/v1/evidence` on supervision with one file part.
    func upload(_ bytes: [UInt8], name: String = "photo.jpg", declared: String = "image/jpeg", token: String) async throws -> Upload {
        try await uploadBody(MultipartBody.form([("file", name, declared, bytes)]), contentType: MultipartBody.contentType, token: token)
    }

    func uploadBody(_ body: Data, contentType: String, token: String) async throws -> Upload {
        let process = try #require(city?.services["supervision"])
        let (status, data) = try await process.http("POST", "/api/v1/evidence", body: body,
                                                     headers: ["Authorization": "Bearer \(token)", "Content-Type": contentType])
        return Upload(status: status, json: (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    /// `GET /api/v1/evidence/{id}`: status, bytes, content type.
    func fetch(_ id: String, token: String) async throws -> (Int, Data) {
        let process = try #require(city?.services["supervision"])
        return try await process.http("GET", "/api/v1/evidence/\(id)", headers: ["Authorization": "Bearer \(token)"])
    }

    @discardableResult
    func post(_ service: String, _ path: String, _ body: [String: Any] = [:], token: String, expect: Int = 200,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let running = try #require(city)
        let answer = try await running.request("POST", service, path, body: body, token: token)
        #expect(answer.status == expect, "POST \(path): \(answer.text)", sourceLocation: sourceLocation)
        return answer.json
    }

    struct Detail {
        var fields: [String: Any]
        var timeline: [[String: Any]]
        var state: String { fields["state"] as? String ?? "?" }
        var actions: [String] { timeline.map { $0["action"] as? String ?? "?" } }
        func last(_ action: String) -> [String: Any]? { timeline.last { $0["action"] as? String == action } }
        func photos(_ action: String) -> [[String: Any]] { last(action)?["photos"] as? [[String: Any]] ?? [] }
    }

    func detail(_ caseId: String) async throws -> Detail? {
        let running = try #require(city)
        let answer = try await running.request("GET", "supervision", "/api/v1/cases/\(caseId)", token: auditor)
        guard answer.status == 200, let fields = answer.json["case"] as? [String: Any] else { return nil }
        return Detail(fields: fields, timeline: answer.json["timeline"] as? [[String: Any]] ?? [])
    }

    @discardableResult
    func waitFor(_ caseId: String, _ what: String, _ condition: (Detail) -> Bool) async throws -> Detail {
        var last: Detail?
        do {
            try await eventually(timeout: .seconds(30), "case \(caseId): \(what)") {
                last = try await detail(caseId)
                return last.map(condition) ?? false
            }
        } catch {
            throw TestSetupError("\(error); last seen: \(last?.state ?? "nothing") \(last?.actions ?? [])")
        }
        return last!
    }

    func taskPath(_ dispatchId: UUID) -> String { "/api/v1/tasks/\(dispatchId.uuidString.lowercased())" }

    /// The suite's database, read as the admin.
    func count(_ sql: String) async throws -> Int {
        let pool = try #require(city).scratch.adminPool()
        defer { Task { await pool.closeAll() } }
        return try await pool.withConnection { try $0.query(sql).first?.int("n") ?? -1 }
    }

    /// Every regular file in the store's folder (temporary files included).
    func storedFiles() -> [String] {
        let walker = FileManager.default.enumerator(atPath: folder.path)
        var files: [String] = []
        while let path = walker?.nextObject() as? String {
            var directory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &directory), !directory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }

    /// SHA-256 of `bytes` as the system's `sha256sum` computes it (not the code under test).
    func sha256(_ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-hash-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try runTool(["sha256sum", file.path])
        #expect(status == 0)
        return String(output.prefix(64))
    }

    func storedPath(_ hash: String) -> String {
        let h = Array(hash)
        return "sha256/\(String(h[0...1]))/\(String(h[2...3]))/\(hash)"
    }

    /// A JPEG with EXIF whose bytes differ per `salt` (appended after the image's end).
    static func jpeg(_ salt: String) -> [UInt8] { ExifFixture.jpeg(littleEndian: false) + Array(salt.utf8) }

    static func point() -> [String: Double] {
        ["longitude": 111.6983394 + Double.random(in: -0.00005...0.00005), "latitude": 40.8169077 + Double.random(in: -0.00005...0.00005)]
    }

    // MARK: Round trip

    @Test("a report's photo, a repeat's, the department's completion photos and the check's are stored, hashed and on their entries")
    func roundTrip() async throws {
        try await start("evidence_trip")
        let tap = try #require(city?.tap)

        // 1. The supervisor uploads the report photo first: stored, hashed, its EXIF read.
        let reportBytes = Self.jpeg("report")
        let reportPhoto = try await upload(reportBytes, name: "IMG_0001.JPG", declared: "application/octet-stream", token: supervisor)
        #expect(reportPhoto.status == 201, "\(reportPhoto.json)")
        let reportHash = try sha256(reportBytes)
        #expect(reportPhoto.sha256 == reportHash)
        #expect(reportPhoto.json["mediaType"] as? String == "image/jpeg", "typed by content, not by the declared type")
        #expect(reportPhoto.json["sizeBytes"] as? Int == reportBytes.count)
        #expect((reportPhoto.json["capturedAt"] as? String).flatMap(RFC3339.parse) == RFC3339.parse("2026-12-07T09:30:15+08:00"))
        let exifPlace = try #require(reportPhoto.json["location"] as? [String: Double])
        #expect(abs((exifPlace["latitude"] ?? 0) - 40.816908) < 1e-5 && abs((exifPlace["longitude"] ?? 0) - 111.698339) < 1e-5)
        #expect(reportPhoto.json["uploadedBy"] as? String == "sup-evidence")
        #expect(reportPhoto.url.hasSuffix("/api/v1/evidence/\(reportPhoto.id)") && reportPhoto.url.hasPrefix("http://"))
        #expect(FileManager.default.contents(atPath: folder.appendingPathComponent(storedPath(reportHash)).path) == Data(reportBytes))

        // 2. The report refers to it by URL, typed as the report's photo.
        let place = Self.point()
        let created = try await post("intake", "/api/v1/reports", [
            "channel": "supervisor", "reporterId": "sup-evidence", "kind": "event", "classCode": "0102", "location": place,
            "description": "路边垃圾堆放", "photos": [["url": reportPhoto.url, "purpose": "report"]],
        ], token: supervisor, expect: 201)
        let caseId = try #require(created["caseId"] as? String)
        let task = try await tap.nextEnvelope(TaskDispatched.self, subject: caseId)
        #expect(task.departmentCode == Self.street)
        var seen = try await waitFor(caseId, "in handling") { $0.state == "in_handling" }
        let onReport = seen.photos("report")
        #expect(onReport.count == 1)
        #expect(onReport.first?["evidenceId"] as? String == reportPhoto.id)
        #expect(onReport.first?["sha256"] as? String == reportHash)
        #expect(onReport.first?["purpose"] as? String == "report")
        #expect(onReport.first?["href"] as? String == "/api/v1/evidence/\(reportPhoto.id)")
        #expect(onReport.first?["capturedAt"] != nil)

        // 3. A citizen repeats it through 12345 with a photo of their own: kept on the duplicate_linked annotation.
        let repeatBytes = Self.jpeg("repeat")
        let repeatPhoto = try await upload(repeatBytes, token: token(.acceptor, sub: "hotline-agent"))
        #expect(repeatPhoto.status == 201)
        let repeated = try await post("intake", "/api/v1/reports", [
            "channel": "hotline_12345", "channelReference": "12345-\(UUID().uuidString.prefix(8))", "kind": "event", "classCode": "0102",
            "location": place, "description": "市民来电：路边垃圾", "reporterContact": "138****0000", "photos": [repeatPhoto.url],
        ], token: token(.acceptor, sub: "hotline-agent"), expect: 201)
        #expect((repeated["duplicateOf"] as? String)?.lowercased() == caseId.lowercased(), "\(repeated)")
        seen = try await waitFor(caseId, "the repeat linked with its photo") { $0.photos("duplicate_linked").count == 1 }
        #expect(seen.photos("duplicate_linked").first?["sha256"] as? String == (try sha256(repeatBytes)))

        // 4. The department uploads two completion photos and completes with them.
        let department = try #require(city).department(Self.street)
        let completionBytes = [Self.jpeg("completion-1"), Self.jpeg("completion-2")]
        var completionPhotos: [Upload] = []
        for bytes in completionBytes {
            let uploaded = try await upload(bytes, token: department)
            #expect(uploaded.status == 201)
            completionPhotos.append(uploaded)
        }
        try await eventually("task in the inbox") {
            try await city!.request("GET", "disposal", taskPath(task.dispatchId), token: department).status == 200
        }
        try await post("disposal", taskPath(task.dispatchId) + "/accept", ["note": "已签收"], token: department)
        try await post("disposal", taskPath(task.dispatchId) + "/complete", ["result": "已清运", "photos": completionPhotos.map(\.url)],
                       token: department)
        seen = try await waitFor(caseId, "awaiting check") { $0.state == "awaiting_check" }
        let onCompletion = seen.photos("complete")
        #expect(onCompletion.map { $0["evidenceId"] as? String } == completionPhotos.map(\.id))
        #expect(onCompletion.map { $0["purpose"] as? String } == ["completion", "completion"])
        #expect(onCompletion.map { $0["sha256"] as? String } == (try completionBytes.map(sha256)))

        // 5. The supervisor checks with a photo; a reference to an upload that does not exist is refused first.
        try await post("supervision", "/api/v1/cases/\(caseId)/check",
                       ["passed": true, "photos": ["http://127.0.0.1:1/api/v1/evidence/\(UUID().uuidString.lowercased())"]],
                       token: supervisor, expect: 422)
        let checkBytes = Self.jpeg("check")
        let checkPhoto = try await upload(checkBytes, token: supervisor)
        try await post("supervision", "/api/v1/cases/\(caseId)/check",
                       ["passed": true, "note": "已清理", "photos": [checkPhoto.url, "https://photos.example/hotline-copy.jpg"]], token: supervisor)
        seen = try await waitFor(caseId, "awaiting close") { $0.state == "awaiting_close" }
        let onCheck = seen.photos("check_passed")
        #expect(onCheck.count == 2)
        let checkHash = try sha256(checkBytes)
        #expect(onCheck.first?["evidenceId"] as? String == checkPhoto.id)
        #expect(onCheck.first?["sha256"] as? String == checkHash)
        #expect(onCheck.last?["url"] as? String == "https://photos.example/hotline-copy.jpg" && onCheck.last?["evidenceId"] == nil,
                "an external URL stays accepted, as it is")

        // 6. Who may see a photo: the city, the case's district; not another district.
        let (cityStatus, cityBytes) = try await fetch(reportPhoto.id, token: auditor)
        #expect(cityStatus == 200 && cityBytes == Data(reportBytes))
        let sameDistrict = token(.acceptor, AccessScope(level: .district, code: "150105"), sub: "acceptor-150105")
        #expect(try await fetch(completionPhotos[0].id, token: sameDistrict).0 == 200)
        let otherDistrict = token(.supervisor, AccessScope(level: .district, code: "150102"), sub: "sup-150102")
        let (refused, refusal) = try await fetch(reportPhoto.id, token: otherDistrict)
        #expect(refused == 404)
        #expect(String(decoding: refusal, as: UTF8.self).contains("\"code\":\"not_found\""))
        // An upload no entry shows yet: its uploader and the city only.
        let pending = try await upload(Self.jpeg("pending"), token: supervisor)
        #expect(try await fetch(pending.id, token: supervisor).0 == 200)
        #expect(try await fetch(pending.id, token: sameDistrict).0 == 404)

        // 7. Stored once each; attached where referenced; the pending one is not yet.
        // Report, repeat, two completion photos, check, pending: six uploads of six contents.
        #expect(try await count("SELECT count(*) AS n FROM supervision.evidence") == 6)
        #expect(try await count("SELECT count(*) AS n FROM supervision.evidence WHERE attached_at IS NOT NULL") == 5)
        #expect(storedFiles().count == 6)
        #expect(storedFiles().allSatisfy { !$0.contains(".tmp-") })
    }

    // MARK: Refusals, verification, the sweep

    @Test("oversized and wrong-type uploads store nothing; verification photos are kept; orphans go after the grace period")
    func refusalsAndSweep() async throws {
        try await start("evidence_sweep")
        let tooLarge = try await upload(Self.jpeg("big") + [UInt8](repeating: 0x42, count: Self.maxPhotoBytes), token: supervisor)
        #expect(tooLarge.status == 413)
        #expect((tooLarge.json["error"] as? [String: Any])?["code"] as? String == "evidence_too_large")
        let gif = try await upload(Array("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8), name: "a.jpg", token: supervisor)
        #expect(gif.status == 415)
        #expect((gif.json["error"] as? [String: Any])?["code"] as? String == "unsupported_media_type")
        let truncated = try await uploadBody(MultipartBody.form([("file", "a.jpg", nil, Self.jpeg("t"))], close: false),
                                             contentType: MultipartBody.contentType, token: supervisor)
        #expect(truncated.status == 400)
        #expect((truncated.json["error"] as? [String: Any])?["code"] as? String == "malformed_multipart")
        #expect(try await count("SELECT count(*) AS n FROM supervision.evidence") == 0)
        #expect(storedFiles().isEmpty, "nothing refused reaches the store: \(storedFiles())")

        // A hotline case verified on site with a photo (such photos used to be dropped).
        let created = try await post("intake", "/api/v1/reports", [
            "channel": "hotline_12345", "channelReference": "12345-\(UUID().uuidString.prefix(8))", "kind": "event", "classCode": "0104",
            "location": Self.point(), "description": "市民来电：垃圾桶满溢", "reporterContact": "139****0000",
        ], token: token(.acceptor, sub: "hotline-agent"), expect: 201)
        let caseId = try #require(created["caseId"] as? String)
        try await waitFor(caseId, "awaiting verification") { $0.state == "awaiting_verify" }
        let keptBytes = Self.jpeg("verification")
        let kept = try await upload(keptBytes, token: supervisor)
        let sameBytes = try await upload(keptBytes, token: supervisor)
        #expect(kept.sha256 == sameBytes.sha256 && kept.id != sameBytes.id, "the same bytes twice: two records")
        let orphanBytes = Self.jpeg("orphan")
        let orphan = try await upload(orphanBytes, token: supervisor)
        #expect(storedFiles().count == 2, "one file per content: \(storedFiles())")
        try await post("supervision", "/api/v1/cases/\(caseId)/verification", ["result": "confirmed", "photos": [kept.url]], token: supervisor)
        let verified = try await waitFor(caseId, "verified") { $0.last("verification_confirmed") != nil }
        let onVerification = verified.photos("verification_confirmed")
        #expect(onVerification.first?["evidenceId"] as? String == kept.id && onVerification.first?["purpose"] as? String == "verification")
        #expect((verified.last("verification_confirmed")?["details"] as? [String: String])?["verification_photos"] == kept.url)

        // Within the grace period nothing goes.
        try await Task.sleep(for: .seconds(2))
        #expect(try await count("SELECT count(*) AS n FROM supervision.evidence") == 3)

        // A day and an hour later: the two unreferenced uploads go; the orphan's file goes with
        // its record, the copy's file stays because the referenced upload holds the same bytes.
        try #require(city).setClock(Self.cityStart.addingTimeInterval(25 * 3600))
        try await eventually(timeout: .seconds(20), "orphans collected") {
            try await count("SELECT count(*) AS n FROM supervision.evidence") == 1
        }
        #expect(try await count("SELECT count(*) AS n FROM supervision.evidence WHERE id = '\(kept.id)'") == 1)
        #expect(storedFiles() == [storedPath(try sha256(keptBytes))])
        #expect(try await fetch(kept.id, token: auditor).0 == 200)
        #expect(try await fetch(orphan.id, token: auditor).0 == 404)
        #expect(try await fetch(sameBytes.id, token: auditor).0 == 404)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(storedPath(try sha256(orphanBytes))).path))
    }
}
