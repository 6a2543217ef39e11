import CityGridModel
import CityGridPlatform
import Foundation
@testable import IntakeService
import Testing

/// How the validator turns a 12345 ticket's own category into a class (pure, shipped reference data).
@Suite("Intake: hotline categories")
struct HotlineCategoryValidationTests {
    static func ticket(_ code: String?, path: String? = nil, channel: String = "hotline_12345", kind: String? = nil, classCode: String? = nil,
                       conditionId: String? = nil, text: String = "喂，胜利东小区南门那个路灯不亮好几天了，晚上黑乎乎的") -> ReportSubmission {
        ReportSubmission(channel: channel, channelReference: "12345-T", kind: kind, classCode: classCode, conditionId: conditionId,
                         location: .init(address: "胜利东小区南门"), description: text, reportedAt: "2026-11-25T09:55:00+08:00",
                         hotlineCategory: code.map { .init(code: $0, path: path) })
    }

    static func valid(_ s: ReportSubmission) throws -> ValidReport { try Fixtures.validator.validate(s, now: Fixtures.now).get() }

    static func problems(_ s: ReportSubmission) -> [String] {
        guard case .failure(let failure) = Fixtures.validator.validate(s, now: Fixtures.now) else { return [] }
        return failure.problems.map(\.field)
    }

    @Test("a mapped category gives the class and the filing condition; the case is not held")
    func mapped() throws {
        let report = try Self.valid(Self.ticket("010303", path: "城乡建设>市政设施>路灯不亮"))
        #expect(report.kind == .component && report.classCode == "0118" && report.conditionId == "0118-01")
        #expect(report.classSource == .hotlineMapping)
        #expect(report.hotlineCategory?.outcome == .mapped && report.hotlineCategory?.path == "城乡建设>市政设施>路灯不亮")
        #expect(report.hotlineCategory?.mappingVersion == Fixtures.reference.hotlineCategories.version)
        #expect(!report.awaitsAcceptor)
        // Suggestions travel with every ticket that has a category, mapped or not.
        let suggestions = try #require(report.suggestions)
        #expect(suggestions.classes.count == 3 && suggestions.classes.first?.classCode == "0118")
        #expect(suggestions.places.first?.name == "胜利东小区" && suggestions.places.first?.gridCode != nil)
    }

    @Test("an unmapped category takes the best suggestion as a provisional class and waits for the acceptor")
    func unmapped() throws {
        for code in ["019999", "010302", "01"] {  // unknown, the acceptor's category (covers), a coarse node
            let report = try Self.valid(Self.ticket(code, text: "那个井盖没了，就剩个大窟窿，上面写着污水，在友谊南小区东门"))
            #expect(report.hotlineCategory?.outcome == .unmapped, "\(code)")
            #expect(report.classSource == .suggestion)
            let best = try #require(report.suggestions?.classes.first)
            #expect(report.kind == best.kind && report.classCode == best.classCode && report.conditionId == nil)
            #expect(report.awaitsAcceptor)
        }
    }

    @Test("a category outside city management is marked not ours with the competent body, and waits for the acceptor")
    func notOurs() throws {
        let report = try Self.valid(Self.ticket("040101", path: "劳动保障>劳动报酬>拖欠工资", text: "老板拖欠工资三个月了，在大学东街那个工地"))
        let decision = try #require(report.hotlineCategory)
        #expect(decision.outcome == .notOurs && decision.competentBody?.contains("人力资源和社会保障局") == true)
        #expect(report.classSource == .suggestion && report.awaitsAcceptor)
        // An agent who also chose a class does not make the matter ours.
        let chosen = try Self.valid(Self.ticket("040101", kind: "event", classCode: "0304"))
        #expect(chosen.classSource == .reporter && chosen.classCode == "0304" && chosen.awaitsAcceptor)
    }

    @Test("a class the agent gave stands beside the category; a report without a category is as before")
    func agentClass() throws {
        let report = try Self.valid(Self.ticket("019999", kind: "event", classCode: "0510", conditionId: "0510-01"))
        #expect(report.classCode == "0510" && report.conditionId == "0510-01" && report.classSource == .reporter)
        #expect(report.hotlineCategory?.outcome == .unmapped && !report.awaitsAcceptor)
        let plain = try Self.valid(Self.ticket(nil, kind: "component", classCode: "0118"))
        #expect(plain.hotlineCategory == nil && plain.suggestions == nil && plain.classSource == .reporter)
    }

    @Test("bad categories are named: empty or odd code, long path, another channel, a condition without a class; no class and no category")
    func badInput() {
        #expect(Self.problems(Self.ticket("")) == ["hotlineCategory.code"])
        #expect(Self.problems(Self.ticket("01 01")) == ["hotlineCategory.code"])
        #expect(Self.problems(Self.ticket(String(repeating: "1", count: 33))) == ["hotlineCategory.code"])
        #expect(Self.problems(Self.ticket("010303", path: String(repeating: "路", count: 201))) == ["hotlineCategory.path"])
        #expect(Self.problems(Self.ticket("010303", channel: "hotline_12319")) == ["hotlineCategory"])
        #expect(Self.problems(Self.ticket("010303", conditionId: "0118-01")) == ["conditionId"])
        #expect(Set(Self.problems(Self.ticket(nil))) == ["kind", "classCode"])
    }

    @Test("the inbound message shape: a ticket without kind and class, with its category, decodes and validates")
    func inboundShape() throws {
        let json = """
            {"channel": "hotline_12345", "channelReference": "12345-20261125-0099",
             "hotlineCategory": {"code": "010101", "path": "城乡建设 > 市容环卫 > 道路不洁"},
             "location": {"address": "大学东街"}, "description": "大学东街早上八点多了路面还是脏的"}
            """
        let message = try MessageCoding.decoder().decode(HotlineReport.self, from: Data(json.utf8))
        #expect(message.kind == nil && message.classCode == nil && message.hotlineCategory?.code == "010101")
        let report = try Fixtures.validator.validate(ReportSubmission(message), now: Fixtures.now).get()
        #expect(report.kind == .event && report.classCode == "0104" && report.conditionId == "0104-01")
        // An old ticket (kind and class, no category) still decodes as before.
        let old = """
            {"channel": "hotline_12345", "channelReference": "x", "kind": "event", "classCode": "0502",
             "location": {"address": "新华广场"}, "description": "乞讨"}
            """
        let earlier = try MessageCoding.decoder().decode(HotlineReport.self, from: Data(old.utf8))
        #expect(earlier.kind == .event && earlier.hotlineCategory == nil)
    }
}
