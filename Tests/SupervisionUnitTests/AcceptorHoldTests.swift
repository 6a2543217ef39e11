import CityGridModel
import Foundation
@testable import SupervisionService
import Testing

/// What supervision keeps of a report's hotline category and suggestions, and what its case view
/// shows (pure, no I/O).
@Suite("Supervision: cases left for the acceptor")
struct AcceptorHoldTests {
    static let suggestions = ReportSuggestions(
        classes: [.init(kind: .component, classCode: "0102", score: 0.61, classifier: 0.4, dictionary: 0.82, terms: ["污水井", "井盖"])],
        places: [.init(name: "友谊南小区", matched: "友谊南小区", kind: .poi, longitude: 111.66, latitude: 40.83, gridCode: "150103001001001",
                       districtCode: "150103", score: 0.9)],
        basis: .init(corpusVersion: "2026.1", trainingTexts: 240, terms: 285))

    static func reported(outcome: HotlineCategoryDecision.Outcome, source: ClassSource?) -> CaseReported {
        var report = CaseReported(caseId: UUID(), caseNumber: "20261125-0007", channel: .hotline12345, channelReference: "12345-7",
                                  reporterId: nil, reporterContact: nil, kind: .component, classCode: "0102", conditionId: nil,
                                  componentCode: nil, location: ReportedLocation(address: "友谊南小区东门"), description: "污水井盖没了",
                                  photos: [], reportedAt: Date(), requiresVerification: true)
        report.hotlineCategory = HotlineCategoryDecision(code: outcome == .notOurs ? "040101" : "019999", path: nil, tablePath: nil,
                                                         outcome: outcome, reason: outcome == .unmapped ? .unknownCode : nil,
                                                         decidedBy: nil, mappingVersion: "2026.1",
                                                         competentBody: outcome == .notOurs ? "市人力资源和社会保障局" : nil)
        report.classSource = source
        report.suggestions = suggestions
        return report
    }

    @Test("facts keep the category, the class source and the suggestions; the hold follows the one rule")
    func facts() {
        let held = CaseFacts(report: Self.reported(outcome: .unmapped, source: .suggestion))
        #expect(held.awaitsAcceptor && held.suggestions == Self.suggestions && held.hotlineCategory?.code == "019999")
        #expect(CaseFacts(report: Self.reported(outcome: .notOurs, source: .reporter)).awaitsAcceptor)
        #expect(!CaseFacts(report: Self.reported(outcome: .mapped, source: .hotlineMapping)).awaitsAcceptor)
        #expect(SupervisionConsumers.holdReason(held).contains("019999"))
        let notOurs = CaseFacts(report: Self.reported(outcome: .notOurs, source: .suggestion))
        #expect(SupervisionConsumers.holdReason(notOurs).contains("市人力资源和社会保障局"))
        let details = SupervisionConsumers.holdDetails(notOurs)
        #expect(details[.hotlineOutcome] == "not_ours" && details[.classSource] == "suggestion" && details[.mappingVersion] == "2026.1")
    }

    @Test("facts stored before hotline categories decode, and are not held")
    func oldFacts() throws {
        let facts = try MessageCoding.decoder().decode(CaseFacts.self, from: Data("""
            {"channel": "hotline_12345", "kind": "event", "classCode": "0104", "description": "x", "photos": [],
             "reportedAt": "2026-11-30T02:00:00Z"}
            """.utf8))
        #expect(facts.hotlineCategory == nil && facts.classSource == nil && facts.suggestions == nil && !facts.awaitsAcceptor)
    }

    @Test("the case view shows suggestions only in the single case's view; awaitsAcceptor only before acceptance")
    func view() {
        let facts = CaseFacts(report: Self.reported(outcome: .unmapped, source: .suggestion))
        var record = CaseRecord(id: UUID(), caseNumber: "20261125-0007", state: .awaitingAccept, reportedAt: Date())
        let waiting = StoredCase(facts: facts, record: record, duplicateCount: 0)
        let detail = CaseView(waiting, for: .acceptor, detail: true)
        #expect(detail.suggestions == Self.suggestions && detail.awaitsAcceptor && detail.classSource == .suggestion)
        #expect(detail.hotlineCategory?.outcome == .unmapped)
        let listed = CaseView(waiting, for: .acceptor)
        #expect(listed.suggestions == nil && listed.awaitsAcceptor && listed.hotlineCategory != nil)
        record.state = .awaitingVerify
        #expect(!CaseView(StoredCase(facts: facts, record: record, duplicateCount: 0), for: .acceptor, detail: true).awaitsAcceptor)
    }
}
