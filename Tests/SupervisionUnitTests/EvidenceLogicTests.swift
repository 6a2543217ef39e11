import CityGridModel
import CityGridPlatform
import Foundation
@testable import SupervisionService
import TestSupport
import Testing

/// The evidence store's pure parts: content address and layout, type sniffing, limits, the
/// multipart parser, EXIF (on crafted JPEGs, and on hostile bytes that must never trap), photo
/// references and the upload's whole decision. No file and no database is touched.
@Suite("evidence: pure logic")
struct EvidenceLogicTests {
    // MARK: Content address

    @Test("SHA-256 of known bytes, and the layout sha256/ab/cd/<hash>")
    func contentAddress() {
        let address = ContentAddress(of: Data("abc".utf8))
        #expect(address.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(address.relativePath == "sha256/ba/78/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(address.relativeFolder == "sha256/ba/78")
        #expect(ContentAddress(of: Data()).sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentAddress(hex: address.sha256) == address)
        #expect(ContentAddress(hex: address.sha256.uppercased()) == nil)
        #expect(ContentAddress(hex: "ba7816bf") == nil)
        #expect(ContentAddress(hex: "../../" + String(repeating: "a", count: 58)) == nil, "a stored hash can never name a path outside the store")
        #expect(Data(hexPairs: "00ff10")! == Data([0, 255, 16]))
    }

    // MARK: Types

    @Test("types are told by their first bytes")
    func sniffing() {
        #expect(MediaType.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .jpeg)
        #expect(MediaType.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]) == .png)
        #expect(MediaType.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(MediaType.sniff([0, 0, 0, 0x18] + Array("ftypisom".utf8) + [0, 0, 2, 0]) == .mp4)
        #expect(MediaType.sniff([0, 0, 0, 0x18] + Array("ftypmp42".utf8)) == .mp4)
        #expect(MediaType.sniff([0, 0, 0, 0x14] + Array("ftypqt  ".utf8)) == .quicktime)
        #expect(MediaType.sniff([0, 0, 0, 0x18] + Array("ftypheic".utf8)) == .heic)
        #expect(MediaType.sniff(Array("GIF89a".utf8)) == nil)
        #expect(MediaType.sniff(Array("%PDF-1.7".utf8)) == nil)
        #expect(MediaType.sniff(Array("<html>".utf8)) == nil)
        #expect(MediaType.sniff([0xFF, 0xD8]) == nil, "too short to be a JPEG")
        #expect(MediaType.sniff([UInt8]()) == nil)
        #expect(MediaType.sniff([0, 0, 0, 0x18] + Array("ftypXXXX".utf8)) == nil, "an unknown brand is not guessed")
        #expect(MediaType.jpeg.kind == .photo && MediaType.mp4.kind == .video)
    }

    @Test("limits: accepted types and a size per kind, from configuration")
    func limits() throws {
        let limits = try EvidenceLimits.read(EnvironmentReader([:]))
        #expect(limits.accepted == [.jpeg, .png, .webp, .mp4])
        #expect(limits.maxPhotoBytes == 15_000_000 && limits.maxVideoBytes == 50_000_000)
        #expect(limits.maxRequestBytes == 50_000_000 + EvidenceLimits.framingAllowance)
        #expect(limits.judge(.jpeg, size: 15_000_000) == nil)
        #expect(limits.judge(.jpeg, size: 15_000_001) == .tooLarge(.jpeg, limit: 15_000_000))
        #expect(limits.judge(.mp4, size: 20_000_000) == nil)
        #expect(limits.judge(.quicktime, size: 10) == .unsupported(.quicktime))
        #expect(limits.judge(nil, size: 10) == .unsupported(nil))

        let narrow = try EvidenceLimits.read(EnvironmentReader(["CITYGRID_EVIDENCE_TYPES": "image/jpeg, video/quicktime",
                                                                "CITYGRID_EVIDENCE_MAX_PHOTO_BYTES": "2048",
                                                                "CITYGRID_EVIDENCE_MAX_VIDEO_BYTES": "4096"]))
        #expect(narrow.accepted == [.jpeg, .quicktime])
        #expect(narrow.judge(.png, size: 10) == .unsupported(.png))
        #expect(narrow.judge(.quicktime, size: 4097) == .tooLarge(.quicktime, limit: 4096))
        #expect(narrow.maxRequestBytes == 4096 + EvidenceLimits.framingAllowance)
        #expect(throws: ConfigurationError.self) { try EvidenceLimits.read(EnvironmentReader(["CITYGRID_EVIDENCE_TYPES": "image/gif"])) }
        #expect(throws: ConfigurationError.self) { try EvidenceLimits.read(EnvironmentReader(["CITYGRID_EVIDENCE_TYPES": " , "])) }
        #expect(throws: ConfigurationError.self) { try EvidenceLimits.read(EnvironmentReader(["CITYGRID_EVIDENCE_MAX_PHOTO_BYTES": "12"])) }
    }

    @Test("settings: the store's folder defaults to the state folder; the base URL to the service's address")
    func settings() throws {
        let checkout = "/srv/citygrid/Shared/reference-data"
        #expect(EvidenceSettings.defaultDirectory(EnvironmentReader(["CITYGRID_EVIDENCE_DIR": "/data/evidence"]), referenceDataPath: checkout)
                == "/data/evidence")
        #expect(EvidenceSettings.defaultDirectory(EnvironmentReader(["CITYGRID_STATE_DIR": "/work/state"]), referenceDataPath: checkout)
                == "/work/state/evidence")
        #expect(EvidenceSettings.defaultDirectory(EnvironmentReader([:]), referenceDataPath: checkout) == "/srv/citygrid/.state/evidence")
        #expect(EvidenceSettings.defaultDirectory(EnvironmentReader([:]), referenceDataPath: "/usr/share/citygrid/reference-data")
                == "/var/lib/citygrid/evidence")
        #expect(try EvidenceSettings.baseURL(EnvironmentReader([:]), host: "127.0.0.1", port: 8084) == "http://127.0.0.1:8084")
        #expect(try EvidenceSettings.baseURL(EnvironmentReader([:]), host: "0.0.0.0", port: 9000) == "http://127.0.0.1:9000")
        #expect(try EvidenceSettings.baseURL(EnvironmentReader(["CITYGRID_EVIDENCE_BASE_URL": "https://city.example/supervision/"]),
                                             host: "0.0.0.0", port: 1) == "https://city.example/supervision")
        #expect(throws: ConfigurationError.self) {
            try EvidenceSettings.baseURL(EnvironmentReader(["CITYGRID_EVIDENCE_BASE_URL": "ftp://x"]), host: "h", port: 1)
        }
    }

    // MARK: Photo references

    @Test("a photo URL names an upload by its last two segments, evidence/{uuid}")
    func references() {
        let id = UUID()
        let text = id.uuidString.lowercased()
        #expect(EvidenceReference.path(id) == "/api/v1/evidence/\(text)")
        #expect(EvidenceReference.id(in: "http://127.0.0.1:8084/api/v1/evidence/\(text)") == id)
        #expect(EvidenceReference.id(in: "https://city.example/supervision/api/v1/evidence/\(id.uuidString)") == id)
        #expect(EvidenceReference.id(in: "/api/v1/evidence/\(text)") == id)
        #expect(EvidenceReference.id(in: "/api/supervision/evidence/\(text)") == id, "through the console")
        #expect(EvidenceReference.id(in: "https://photos.example/e2e-1.jpg") == nil)
        #expect(EvidenceReference.id(in: "https://x/api/v1/evidence/\(text)/extra") == nil)
        #expect(EvidenceReference.id(in: "https://x/api/v1/evidence/\(text)?size=small") == nil)
        #expect(EvidenceReference.id(in: "https://x/api/v1/evidence/not-a-uuid") == nil)
        #expect(EvidenceReference.id(in: "") == nil)
    }

    // MARK: Multipart

    static let boundary = MultipartBody.boundary

    static func form(_ parts: [(String, String?, String?, [UInt8])], preamble: String = "", close: Bool = true) -> Data {
        MultipartBody.form(parts, preamble: preamble, close: close)
    }

    @Test("the boundary is read from the Content-Type, quoted or not")
    func boundaries() {
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(MultipartForm.boundary(contentType: "Multipart/Form-Data;boundary=\"a b;c\"") == nil, "a quoted ; splits the header; refused")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=\"x y\"") == "x y")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data") == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=") == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "a", count: 71)) == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/mixed; boundary=abc") == nil)
        #expect(MultipartForm.boundary(contentType: "application/json") == nil)
        #expect(MultipartForm.boundary(contentType: nil) == nil)
    }

    @Test("parts are found with their names, file names and exact bytes, CRLFs and near-boundaries inside included")
    func parse() throws {
        // Binary content that holds CR LF, dashes and most of the boundary without being one.
        let tricky: [UInt8] = [0xFF, 0xD8, 0xFF, 0x0D, 0x0A, 0x2D, 0x2D] + Array("----CityGridBoundary7MA4YWxkTrZu0g".utf8) + [0x0D, 0x0A, 0, 1]
        let body = Self.form([("note", nil, nil, Array("现场照片".utf8)), ("file", "IMG_0001.JPG", "image/jpeg", tricky)],
                             preamble: "ignored preamble\r\n")
        let parts = try MultipartForm.parse(body, boundary: Self.boundary)
        #expect(parts.map(\.name) == ["note", "file"])
        #expect(parts[0].filename == nil)
        #expect(String(decoding: body.subdata(in: parts[0].range), as: UTF8.self) == "现场照片")
        #expect(parts[1].filename == "IMG_0001.JPG" && parts[1].contentType == "image/jpeg")
        #expect(Array(body.subdata(in: parts[1].range)) == tricky)

        let extended = Data(("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"; filename*=UTF-8''%E7%85%A7%E7%89%87.jpg\r\n"
                             + "\r\nabc\r\n--b--").utf8)
        #expect(try MultipartForm.parse(extended, boundary: "b").first?.filename == "照片.jpg")
        let empty = Data("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--b--".utf8)
        #expect(try MultipartForm.parse(empty, boundary: "b").first?.range.isEmpty == true)
    }

    @Test("malformed forms are refused with a reason, never trusted")
    func malformed() {
        let part = Array("Content-Disposition: form-data; name=\"file\"\r\n\r\nabc".utf8)
        let cases: [(String, Data)] = [
            ("no boundary at all", Data("just some bytes".utf8)),
            ("unclosed (truncated)", Data(Array("--b\r\n".utf8) + part)),
            ("no CRLF after the boundary", Data("--bXContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--b--".utf8)),
            ("a part without headers", Data("--b\r\n\r\nabc\r\n--b--".utf8)),
            ("no Content-Disposition", Data("--b\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n--b--".utf8)),
            ("not form-data", Data("--b\r\nContent-Disposition: attachment; name=\"file\"\r\n\r\nabc\r\n--b--".utf8)),
            ("no name", Data("--b\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nabc\r\n--b--".utf8)),
            ("a header without colon", Data("--b\r\nContent-Disposition form-data\r\n\r\nabc\r\n--b--".utf8)),
            ("headers too long", Data(Array("--b\r\nContent-Disposition: form-data; name=\"f\"\r\nX: ".utf8)
                                      + Array(repeating: UInt8(ascii: "a"), count: 9000) + Array("\r\n\r\nabc\r\n--b--".utf8))),
            ("too many parts", Data(Array((0...MultipartForm.maxParts).map { _ in "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n" }
                                        .joined().utf8) + Array("--b--".utf8))),
        ]
        for (what, body) in cases {
            #expect(throws: MultipartError.self, "\(what)") { try MultipartForm.parse(body, boundary: "b") }
        }
    }

    @Test("hostile forms: every prefix and random bytes are answered, never trapped on")
    func hostileForms() {
        let body = Self.form([("file", "a.jpg", "image/jpeg", Array(ExifFixture.jpeg(littleEndian: true)))])
        for length in 0...body.count {
            _ = try? MultipartForm.parse(body.prefix(length), boundary: Self.boundary)
        }
        var random = SeededBytes(seed: 0x5EED)
        for _ in 0..<300 {
            var mutated = Array(body)
            for _ in 0..<8 { mutated[random.index(below: mutated.count)] = random.byte() }
            _ = try? MultipartForm.parse(Data(mutated), boundary: Self.boundary)
            _ = try? MultipartForm.parse(Data(random.bytes(200)), boundary: "b")
        }
    }

    // MARK: EXIF

    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let utc = TimeZone(secondsFromGMT: 0)!

    @Test("capture time with its offset and GPS from a crafted JPEG, in both byte orders")
    func exif() throws {
        for littleEndian in [true, false] {
            let jpeg = ExifFixture.jpeg(littleEndian: littleEndian)
            let found = ExifReader.read(jpeg: jpeg, defaultTimeZone: Self.utc)
            #expect(found.capturedAt == RFC3339.parse("2026-12-07T09:30:15+08:00"), "little endian: \(littleEndian)")
            let latitude = try #require(found.latitude), longitude = try #require(found.longitude)
            #expect(abs(latitude - (40 + 49.0 / 60 + 0.87 / 3600)) < 1e-9)
            #expect(abs(longitude - (111 + 41.0 / 60 + 54.02 / 3600)) < 1e-9)
        }
        let southWest = ExifReader.read(jpeg: ExifFixture.jpeg(littleEndian: true, latitudeRef: "S", longitudeRef: "W"), defaultTimeZone: Self.utc)
        #expect((southWest.latitude ?? 0) < 0 && (southWest.longitude ?? 0) < 0)
        // Without OffsetTimeOriginal the time is the city's.
        let local = ExifReader.read(jpeg: ExifFixture.jpeg(littleEndian: false, offset: nil), defaultTimeZone: Self.shanghai)
        #expect(local.capturedAt == RFC3339.parse("2026-12-07T09:30:15+08:00"))
        // Nothing to read: no EXIF, no GPS, zero GPS, an impossible date.
        #expect(ExifReader.read(jpeg: [0xFF, 0xD8, 0xFF, 0xD9], defaultTimeZone: Self.utc).isEmpty)
        #expect(ExifReader.read(jpeg: ExifFixture.jpeg(littleEndian: true, gps: false), defaultTimeZone: Self.utc).latitude == nil)
        #expect(ExifReader.read(jpeg: ExifFixture.jpeg(littleEndian: true, zeroGPS: true), defaultTimeZone: Self.utc).latitude == nil)
        let badDate = ExifReader.read(jpeg: ExifFixture.jpeg(littleEndian: true, date: "2026:02:30 10:00:00"), defaultTimeZone: Self.utc)
        #expect(badDate.capturedAt == nil && badDate.latitude != nil)
        #expect(ExifReader.read(jpeg: ExifFixture.jpeg(littleEndian: true, date: "0000:00:00 00:00:00"), defaultTimeZone: Self.utc).capturedAt == nil)
        #expect(ExifDate.zone(offset: "-05:30")?.secondsFromGMT() == -(5 * 3600 + 1800))
        #expect(ExifDate.zone(offset: "+8") == nil)
    }

    @Test("hostile EXIF: truncations, mutations, loops and huge counts never trap")
    func hostileExif() {
        let jpeg = ExifFixture.jpeg(littleEndian: true)
        for length in 0...jpeg.count {
            _ = ExifReader.read(jpeg: Array(jpeg.prefix(length)), defaultTimeZone: Self.utc)
        }
        var random = SeededBytes(seed: 42)
        for _ in 0..<2000 {
            var mutated = jpeg
            for _ in 0..<(1 + random.index(below: 6)) { mutated[random.index(below: mutated.count)] = random.byte() }
            _ = ExifReader.read(jpeg: mutated, defaultTimeZone: Self.utc)
        }
        for _ in 0..<300 {
            _ = ExifReader.read(jpeg: [0xFF, 0xD8] + random.bytes(random.index(below: 400)), defaultTimeZone: Self.utc)
        }
        // An IFD whose GPS pointer points back at IFD0 and whose entry counts are huge.
        var looping = ExifFixture.tiffHeader(littleEndian: true)
        looping += [0xFF, 0xFF]                                          // 65535 entries claimed
        looping += ExifFixture.entry(0x8825, type: 4, count: 1, value: 8, littleEndian: true)
        looping += ExifFixture.entry(0x8769, type: 4, count: 0xFFFF_FFFF, value: 0xFFFF_FFF0, littleEndian: true)
        _ = ExifReader.read(jpeg: ExifFixture.wrap(tiff: looping), defaultTimeZone: Self.utc)
        // A segment length past the end, and one below 2.
        _ = ExifReader.read(jpeg: [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x45], defaultTimeZone: Self.utc)
        _ = ExifReader.read(jpeg: [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0x45], defaultTimeZone: Self.utc)
    }

    // MARK: The upload's decision

    static let limits = EvidenceLimits(accepted: [.jpeg, .png, .mp4], maxPhotoBytes: 4096, maxVideoBytes: 8192)

    func accept(_ body: Data, contentType: String? = "multipart/form-data; boundary=\(EvidenceLogicTests.boundary)") throws(APIError)
        -> EvidenceAPI.Accepted {
        try EvidenceAPI.accept(body: body, contentType: contentType, limits: Self.limits, timeZone: Self.shanghai)
    }

    func refusal(_ body: Data, contentType: String? = "multipart/form-data; boundary=\(EvidenceLogicTests.boundary)") -> APIError? {
        do throws(APIError) {
            _ = try accept(body, contentType: contentType)
            return nil
        } catch {
            return error
        }
    }

    @Test("an upload: one file part, sniffed, hashed, EXIF read; refusals are 400, 413 and 415 with their codes")
    func uploadDecision() throws {
        let jpeg = ExifFixture.jpeg(littleEndian: true)
        let accepted = try accept(Self.form([("purpose", nil, nil, Array("check".utf8)), ("file", "IMG 1.JPG", "application/octet-stream", jpeg)]))
        #expect(accepted.type == .jpeg, "the client's Content-Type is not believed")
        #expect(Array(accepted.bytes) == jpeg)
        #expect(accepted.address == ContentAddress(of: Data(jpeg)))
        #expect(accepted.fileName == "IMG 1.JPG")
        #expect(accepted.exif.capturedAt == RFC3339.parse("2026-12-07T09:30:15+08:00"))
        let video = [0, 0, 0, 0x18] + Array("ftypisom".utf8) + [UInt8](repeating: 7, count: 5000)
        #expect(try accept(Self.form([("file", "v.mp4", "video/mp4", video)])).type == .mp4, "5000 bytes: over the photo limit, under the video one")

        let cases: [(String, APIError?, Int, String)] = [
            ("GIF", refusal(Self.form([("file", "a.gif", "image/jpeg", Array("GIF89a...".utf8))])), 415, "unsupported_media_type"),
            ("PNG named .jpg? no: WebP not accepted", refusal(Self.form([("file", "a.jpg", "image/jpeg", Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8))])),
             415, "unsupported_media_type"),
            ("empty file", refusal(Self.form([("file", "a.jpg", "image/jpeg", [])])), 415, "unsupported_media_type"),
            ("photo over its limit", refusal(Self.form([("file", "a.jpg", "image/jpeg", jpeg + [UInt8](repeating: 0, count: 4096))])), 413,
             "evidence_too_large"),
            ("no file part", refusal(Self.form([("photo", "a.jpg", "image/jpeg", jpeg)])), 400, "malformed_multipart"),
            ("two file parts", refusal(Self.form([("file", "a.jpg", nil, jpeg), ("file", "b.jpg", nil, jpeg)])), 400, "malformed_multipart"),
            ("truncated", refusal(Self.form([("file", "a.jpg", nil, jpeg)], close: false)), 400, "malformed_multipart"),
            ("JSON", refusal(Data("{}".utf8), contentType: "application/json"), 415, "multipart_required"),
            ("no boundary", refusal(Data(), contentType: "multipart/form-data"), 415, "multipart_required"),
        ]
        for (what, error, status, code) in cases {
            #expect(error?.status.code == status, "\(what): \(String(describing: error))")
            #expect(error?.code == code, "\(what)")
        }
    }
}

/// A deterministic stream of bytes for the hostile-input tests (splitmix64).
struct SeededBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func index(below bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
}
