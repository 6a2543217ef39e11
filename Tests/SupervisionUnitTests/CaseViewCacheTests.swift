import CityGridModel
import Foundation
@testable import SupervisionService
import Testing

/// The list's views from ``CaseViewCache``: the same bytes as encoding the views, cached or not,
/// and never an old view of a case that changed.
@Suite("Case view cache")
struct CaseViewCacheTests {
    /// The list page as it was encoded before the cache: `MessageCoding.encoder()` over the views.
    struct EncodedPage: Encodable {
        var items: [CaseView]
        var nextCursor: String?
    }

    static func text(_ stored: StoredCase) throws -> StoredCaseText {
        StoredCaseText(id: stored.record.id, facts: String(decoding: try CaseStore.encoder.encode(stored.facts), as: UTF8.self),
                       record: String(decoding: try CaseStore.encoder.encode(stored.record), as: UTF8.self),
                       duplicateCount: stored.duplicateCount)
    }

    static func cases() -> [StoredCase] {
        (0..<6).map { i in
            var stored = CaseExportTests.stored(description: "井盖丢了 \(i) \"引号\" / 斜线 \\ 反斜线\n换行")
            stored.record = CaseRecord(id: UUID(), caseNumber: "20261125-00\(i)", state: [.reported, .inHandling, .awaitingCheck, .closed, .suspended, .awaitingAccept][i],
                                       reportedAt: CaseExportTests.reportedAt.addingTimeInterval(Double(i) * 61.037), requiresVerification: i % 2 == 0)
            if i == 1 {
                stored.record.currentDepartment = "SZGY"
                stored.record.dispatchIds = [UUID()]
                stored.record.clock = StageClock(stage: .handle, startedAt: CaseExportTests.reportedAt, deadline: CaseExportTests.reportedAt.addingTimeInterval(7200.5))
                stored.record.handlingDeadline = CaseExportTests.reportedAt.addingTimeInterval(7200.5)
                stored.record.returnedBy = ["B", "A"]
            }
            if i == 2 { stored.record.checkRequestedAt = CaseExportTests.reportedAt.addingTimeInterval(3600) }
            stored.duplicateCount = i
            return stored
        }
    }

    @Test("a page is the bytes the encoder wrote for the views, whether cached or not, for every role")
    func sameBytes() throws {
        let cases = Self.cases()
        let texts = try cases.map(Self.text)
        let cache = CaseViewCache(capacity: 100)
        for role in Role.allCases.map(Optional.some) + [nil] {
            let expected = try MessageCoding.encoder().encode(EncodedPage(items: cases.map { CaseView($0, for: role) }, nextCursor: "MjAyNi0xMS0yNSAxMDowMDowMCswMHwz-_"))
            let last = try MessageCoding.encoder().encode(EncodedPage(items: cases.map { CaseView($0, for: role) }, nextCursor: nil))
            for _ in 0..<2 {   // made, then from the cache
                let items = try cache.json(of: texts, for: role)
                #expect(Array(CaseListPage(items: items, nextCursor: "MjAyNi0xMS0yNSAxMDowMDowMCswMHwz-_").json.readableBytesView) == [UInt8](expected))
                #expect(Array(CaseListPage(items: items, nextCursor: nil).json.readableBytesView) == [UInt8](last))
            }
            let uncached = try CaseViewCache(capacity: 0).json(of: texts, for: role)
            #expect(Array(CaseListPage(items: uncached, nextCursor: nil).json.readableBytesView) == [UInt8](last))
        }
        #expect(Array(CaseListPage(items: [], nextCursor: nil).json.readableBytesView) == [UInt8](try MessageCoding.encoder().encode(EncodedPage(items: []))))
    }

    @Test("a case that changed is made anew: its record, its facts, its duplicate count")
    func changedCase() throws {
        let cache = CaseViewCache(capacity: 100)
        var stored = Self.cases()[1]
        let before = try cache.json(of: [Self.text(stored)], for: .shiftLeader)
        stored.record.state = .awaitingCheck
        stored.record.version += 1
        let afterRecord = try cache.json(of: [Self.text(stored)], for: .shiftLeader)
        #expect(afterRecord != before)
        #expect(afterRecord[0] == [UInt8](try MessageCoding.encoder().encode(CaseView(stored, for: .shiftLeader))))
        stored.facts.address = "新华大街2号"
        #expect(try cache.json(of: [Self.text(stored)], for: .shiftLeader)[0] == [UInt8](try MessageCoding.encoder().encode(CaseView(stored, for: .shiftLeader))))
        stored.duplicateCount += 1
        #expect(try cache.json(of: [Self.text(stored)], for: .shiftLeader)[0] == [UInt8](try MessageCoding.encoder().encode(CaseView(stored, for: .shiftLeader))))
        #expect(cache.count == 1)
    }

    @Test("bounded: the least recently used cases go first")
    func bounded() throws {
        let cache = CaseViewCache(capacity: 8)
        let cases = try (0..<5).flatMap { _ in Self.cases() }.map { stored -> StoredCaseText in
            var copy = stored
            copy.record = CaseRecord(id: UUID(), caseNumber: stored.record.caseNumber, state: stored.record.state, reportedAt: stored.record.reportedAt)
            return try Self.text(copy)
        }
        for chunk in stride(from: 0, to: cases.count, by: 3) { _ = try cache.json(of: Array(cases[chunk..<min(chunk + 3, cases.count)]), for: .auditor) }
        #expect(cache.count <= 8)
        let off = CaseViewCache(capacity: 0)
        _ = try off.json(of: cases, for: .auditor)
        #expect(off.count == 0)
    }

    @Test("near: the bytes the encoder wrote for [NearCase]")
    func nearBytes() throws {
        let cases = Self.cases()
        let distances: [Double] = [0, 0.1, 12.3, 29.9, 100, 1234.5, 49_999.9]
        let texts = try cases.map(Self.text)
        let encoder = MessageCoding.encoder()
        let cache = CaseViewCache(capacity: 100)
        for _ in 0..<2 {
            let views = try cache.json(of: texts, for: .supervisor)
            let answer = NearCasesAnswer(items: try zip(views, distances).map { ($0, [UInt8](try encoder.encode($1))) })
            let expected = try encoder.encode(zip(cases, distances).map { NearCase(distanceMeters: $1, case: CaseView($0, for: .supervisor)) })
            #expect(Array(answer.json.readableBytesView) == [UInt8](expected))
        }
        #expect(Array(NearCasesAnswer(items: []).json.readableBytesView) == [UInt8](try encoder.encode([NearCase]())))
    }
}
