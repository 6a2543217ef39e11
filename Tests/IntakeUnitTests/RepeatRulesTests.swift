import CityGridModel
import CityGridPlatform
import Foundation
@testable import IntakeService
import Testing

/// Repeats found after locating (issue 14, point 6), without servers: who a caller is (the
/// normalised number and its keyed hash), and when a located report repeats an earlier case.
@Suite("Repeat calls and duplicates after locating: the rules")
struct RepeatRulesTests {
    // MARK: The caller

    @Test("the same mobile number written the ways people write it is one caller")
    func mobileForms() {
        let forms = ["138 0000 1234", "+86 13800001234", "13800001234", "138-0000-1234", "+86-138-0000-1234", "0086 13800001234",
                     "(+86)138 0000 1234", "8613800001234", "张先生，电话13800001234", "手机：138 0000 1234（白天）"]
        for form in forms {
            #expect(CallerNumber.normalised(in: form) == "13800001234", "\(form)")
        }
        #expect(CallerNumber.normalised(in: "13800001235") == "13800001235")
    }

    @Test("landlines keep their area code with its 0; other digits are not a number")
    func landlinesAndNoise() {
        for form in ["0471-6912345", "(0471) 691 2345", "04716912345", "+86 471 6912345", "(+86)471-6912345", "0086 471 6912345"] {
            #expect(CallerNumber.normalised(in: form) == "04716912345", "\(form)")
        }
        #expect(CallerNumber.normalised(in: "010-12345678") == "01012345678")
        // No phone number: nothing to compare.
        for text in [nil, "", "张先生", "大南街29号", "12345", "2026-12-07", "138****1234", "15010519900101123X"] as [String?] {
            #expect(CallerNumber.normalised(in: text) == nil, "\(text ?? "nil")")
        }
        // The first number of several.
        #expect(CallerNumber.normalised(in: "13900001111 / 0471-6912345") == "13900001111")
    }

    @Test("the hash is HMAC-SHA256 under the configured secret, never the number")
    func keyedHash() throws {
        let key = CallerKey(secret: "citygrid-test-caller-secret")
        // Python: hmac.new(b"citygrid-test-caller-secret", b"13800001234", hashlib.sha256).hexdigest()
        #expect(key.hash(normalisedNumber: "13800001234") == "7fc5add7aae53d3ee8b68ae4419edf25dba54170f09b98ae59b37044d2ecd683")
        let hashes = Set(["138 0000 1234", "+86 13800001234", "13800001234"].compactMap { key.hash(contact: $0) })
        #expect(hashes.count == 1)
        let hash = try #require(hashes.first)
        #expect(!hash.contains("13800001234"))
        #expect(hash.count == 64 && hash.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // Another secret, another hash: a stolen table cannot be matched without the secret.
        #expect(CallerKey(secret: "another-caller-secret-16").hash(contact: "13800001234")
                == "5699ebb4f1524541a3e7500f223716944f5d70ea6c06d8b31f3446ca2d24b476")
        #expect(key.hash(contact: "13800001235") != hash)
        #expect(key.hash(contact: "没有留电话") == nil)
    }

    @Test("the secret comes from CITYGRID_CALLER_HASH_SECRET: at least 16 bytes, the development default when unset")
    func secretFromEnvironment() throws {
        #expect(try CallerKey.fromEnvironment([:]).isDevelopmentDefault)
        let configured = try CallerKey.fromEnvironment(["CITYGRID_CALLER_HASH_SECRET": "citygrid-test-caller-secret"])
        #expect(!configured.isDevelopmentDefault)
        #expect(configured.hash(normalisedNumber: "13800001234") == "7fc5add7aae53d3ee8b68ae4419edf25dba54170f09b98ae59b37044d2ecd683")
        #expect(throws: ConfigurationError.self) { try CallerKey.fromEnvironment(["CITYGRID_CALLER_HASH_SECRET": "short"]) }
        #expect(try RepeatRules.fromEnvironment(duplicates: DuplicatePolicy(), [:]).callWindow == 30 * 86_400)
        #expect(try RepeatRules.fromEnvironment(duplicates: DuplicatePolicy(), ["CITYGRID_REPEAT_CALL_WINDOW_D": "7"]).callWindow == 7 * 86_400)
        #expect(throws: ConfigurationError.self) {
            try RepeatRules.fromEnvironment(duplicates: DuplicatePolicy(), ["CITYGRID_REPEAT_CALL_WINDOW_D": "a month"])
        }
        #expect(throws: ConfigurationError.self) {
            try RepeatRules.fromEnvironment(duplicates: DuplicatePolicy(), ["CITYGRID_REPEAT_CALL_WINDOW_D": "400"])
        }
    }

    // MARK: The rules

    static let t = RFC3339.parse("2026-12-07T09:00:00+08:00")!
    static let here = GeoPoint(lon: 111.6983394, lat: 40.8169077)
    /// About 34 m east of `here`.
    static let near = GeoPoint(lon: 111.6987394, lat: 40.8169077)
    /// About 200 m east of `here`.
    static let far = GeoPoint(lon: 111.7007, lat: 40.8169077)
    let rules = RepeatRules(duplicates: DuplicatePolicy(radiusMeters: 50, window: 24 * 3600), callWindow: 30 * 86_400)

    func call(_ number: String, days: Double, point: GeoPoint? = near, grid: String? = "150105002005003", open: Bool,
              kind: ClassKind = .event, classCode: String = "0102") -> RepeatRules.EarlierCall {
        RepeatRules.EarlierCall(reportedAt: Self.t.addingTimeInterval(-days * 86_400), kind: kind, classCode: classCode,
                                place: .init(point: point, gridCode: grid), repeatOf: CaseReference(caseId: UUID(), caseNumber: number),
                                caseOpen: open)
    }

    let place = RepeatRules.Place(point: here, gridCode: "150105002005003")

    @Test("an address-only report, once located, duplicates the nearest open case of its class in radius and window")
    func placeDuplicate() throws {
        let a = DuplicatePolicy.Candidate(caseId: UUID(), caseNumber: "A", point: Self.near, reportedAt: Self.t.addingTimeInterval(-3600))
        let b = DuplicatePolicy.Candidate(caseId: UUID(), caseNumber: "B", point: Self.here, reportedAt: Self.t.addingTimeInterval(-7200))
        let decision = try #require(rules.placeDuplicate(point: Self.here, gridCode: "150105002005003", at: Self.t, among: [a, b],
                                                         grids: [b.caseId: "150105002005003"]))
        #expect(decision == RepeatRules.Decision(repeatOf: CaseReference(caseId: b.caseId, caseNumber: "B"), relation: .duplicate,
                                                 basis: .samePlace, distanceMeters: 0, sameGrid: true))
        let farAway = DuplicatePolicy.Candidate(caseId: UUID(), caseNumber: "C", point: Self.far, reportedAt: Self.t)
        #expect(rules.placeDuplicate(point: Self.here, gridCode: nil, at: Self.t, among: [farAway]) == nil)
        let old = DuplicatePolicy.Candidate(caseId: UUID(), caseNumber: "D", point: Self.here, reportedAt: Self.t.addingTimeInterval(-25 * 3600))
        #expect(rules.placeDuplicate(point: Self.here, gridCode: nil, at: Self.t, among: [old]) == nil)
        // Radius 0 turns duplicate linking off, after locating as at submission.
        let off = RepeatRules(duplicates: DuplicatePolicy(radiusMeters: 0), callWindow: 86_400)
        #expect(off.placeDuplicate(point: Self.here, gridCode: nil, at: Self.t, among: [b]) == nil)
    }

    @Test("a repeat call about an open case is its duplicate; about an ended one, a repeat complaint")
    func repeatCallRelation() throws {
        let open = call("OPEN", days: 3, open: true)
        let decision = try #require(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place, earlier: [open]))
        #expect(decision.relation == .duplicate && decision.basis == .sameCaller && decision.repeatOf.caseNumber == "OPEN")
        #expect(decision.sameGrid && abs((decision.distanceMeters ?? 0) - 33.7) < 0.3)

        let closed = call("CLOSED", days: 10, open: false)
        let complaint = try #require(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place, earlier: [closed]))
        #expect(complaint.relation == .repeatComplaint && complaint.repeatOf.caseNumber == "CLOSED")

        // An open case wins over a more recent ended one; among ended ones the most recent.
        let recentClosed = call("RECENT", days: 1, open: false)
        #expect(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place, earlier: [recentClosed, open])?.repeatOf.caseNumber
                == "OPEN")
        #expect(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place, earlier: [closed, recentClosed])?.repeatOf.caseNumber
                == "RECENT")
    }

    @Test("the same place is the same grid or within the radius; another class, a later or too old call are not repeats")
    func repeatCallPlaceClassAndWindow() {
        // Same grid, 200 m away: the same place.
        #expect(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place,
                                 earlier: [call("GRID", days: 2, point: Self.far, open: false)])?.sameGrid == true)
        // Another grid, but within the radius: the same place.
        let nearOtherGrid = rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place,
                                             earlier: [call("NEAR", days: 2, point: Self.near, grid: "150105002005004", open: false)])
        #expect(nearOtherGrid?.repeatOf.caseNumber == "NEAR" && nearOtherGrid?.sameGrid == false)
        // Another grid and 200 m away; or no point and no grid known: another place.
        #expect(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place,
                                 earlier: [call("FAR", days: 2, point: Self.far, grid: "150105002005004", open: false),
                                           call("NOWHERE", days: 2, point: nil, grid: nil, open: true)]) == nil)
        // Another class at the same place is another matter.
        #expect(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place,
                                 earlier: [call("OTHER", days: 2, open: true, classCode: "0104"),
                                           call("COMPONENT", days: 2, open: true, kind: .component)]) == nil)
        // Outside the window (30 days), or after this report: not a repeat of it.
        #expect(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place,
                                 earlier: [call("OLD", days: 31, open: false), call("LATER", days: -1, open: true)]) == nil)
        #expect(rules.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place,
                                 earlier: [call("EDGE", days: 30, open: false)])?.repeatOf.caseNumber == "EDGE")
        // A window of 0 turns repeat calls off.
        let off = RepeatRules(duplicates: DuplicatePolicy(), callWindow: 0)
        #expect(off.repeatCall(kind: .event, classCode: "0102", at: Self.t, place: place, earlier: [call("X", days: 1, open: true)]) == nil)
    }
}
