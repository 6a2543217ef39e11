import CityGridModel
import Foundation
import Testing

// The contract of the notices to the reporting channel: routing keys a hotline binds, the
// return-address reference data, the reason codes of a case sent back, and what the workflow
// records for them.

@Suite("Channel notices: routing, return addresses, reason codes")
struct ChannelNoticeContractTests {
    static let referenceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shared/reference-data")

    @Test("routing keys are <address>.case.<kind>; a hotline's <address>.# takes all of its own and none of another's or of citygrid.events")
    func routingKeys() {
        #expect(MessagingNames.outboundExchange == "citygrid.outbound")
        #expect(ChannelNotice.routingKey(address: "12345", kind: .signedFor) == "12345.case.signed-for")
        #expect(ChannelNotice.routingKey(address: "110", kind: .notAccepted) == "110.case.not-accepted")
        #expect(ChannelNotice.bindingPattern(address: "12345") == "12345.#")
        let own = ChannelNoticeKind.allCases.map { ChannelNotice.routingKey(address: "12345", kind: $0) }
        let other = ChannelNoticeKind.allCases.map { ChannelNotice.routingKey(address: "12319", kind: $0) }
        #expect(own.allSatisfy { MessagingNames.topicMatches("12345.#", $0) })
        #expect(!other.contains { MessagingNames.topicMatches("12345.#", $0) })
        #expect(!MessagingNames.topicMatches("12345.#", "supervision.case.transitioned"))
        #expect(Set(own).count == ChannelNoticeKind.allCases.count)
    }

    @Test("the demo's return addresses: 12345, 12319 and 110; the other channels hear nothing")
    func demoAddresses() throws {
        let addresses = try ReturnAddresses.load(from: Self.referenceDirectory)
        #expect(addresses.address(of: .hotline12345) == "12345")
        #expect(addresses.address(of: .hotline12319) == "12319")
        #expect(addresses.address(of: .police110) == "110")
        for channel in [ReportChannel.supervisor, .app, .open311, .video] {
            #expect(addresses.address(of: channel) == nil, "\(channel)")
        }
    }

    @Test("a bad return-address file names every problem by line and field")
    func badAddresses() {
        let text = """
            channel,address,name,source
            hotline_12345,12345,热线,domain
            hotline_12345,99,again,domain
            app,12.3,app,city
            open311,12345,open,city
            fax,fax,传真,city
            video,video,,guess
            """
        guard case .failure(let errors) = ReturnAddresses.parse(text) else {
            Issue.record("a bad file loaded")
            return
        }
        let found = errors.errors.map { "\($0.line):\($0.field ?? "")" }
        #expect(found == ["3:channel", "4:address", "5:address", "6:channel", "7:name", "7:source"], "\(errors)")
        guard case .failure(let header) = ReturnAddresses.parse("channel,name\nhotline_12345,热线\n") else {
            Issue.record("a file without an address column loaded")
            return
        }
        #expect(header.description.contains("missing column(s) address, source"))
        #expect(ReturnAddresses.isValidAddress("UTIL_110-a") && !ReturnAddresses.isValidAddress("12345.#") && !ReturnAddresses.isValidAddress(""))
    }

    @Test("outside_city_management needs a competent body; a competent body needs that code; unknown codes are named")
    func reasonCodes() {
        #expect(NotHandledReason.problems(reasonCode: nil, competentBody: nil).isEmpty)
        #expect(NotHandledReason.problems(reasonCode: "outside_city_management", competentBody: "辖区派出所").isEmpty)
        #expect(NotHandledReason.problems(reasonCode: nil, competentBody: "  ").isEmpty, "a blank name is no name")
        #expect(NotHandledReason.problems(reasonCode: "outside_city_management", competentBody: " ").map(\.field) == ["competentBody"])
        #expect(NotHandledReason.problems(reasonCode: nil, competentBody: "市场监督管理局").map(\.field) == ["competentBody"])
        #expect(NotHandledReason.problems(reasonCode: "not_ours", competentBody: nil).map(\.field) == ["reasonCode"])
        #expect(NotHandledReason.problems(reasonCode: "not_ours", competentBody: "x").map(\.field) == ["reasonCode", "competentBody"])
        #expect(NotHandledReason.problems(reasonCode: "outside_city_management", competentBody: String(repeating: "局", count: 201))
            .map(\.field) == ["competentBody"])
    }

    @Test("an approved extension, suspension or return records the department's reason")
    func requestReasonOnApproval() throws {
        let at = Date(timeIntervalSince1970: 1_795_000_000)
        var record = CaseRecord(id: UUID(), caseNumber: "20261125-0042", state: .inHandling, reportedAt: at)
        record.currentDepartment = "SZGY"
        record.dispatchIds = [UUID()]
        record.handlingDeadline = at.addingTimeInterval(86_400)
        record.clock = StageClock(stage: .handle, startedAt: at, deadline: record.handlingDeadline)
        let department = CaseActor.department("SZGY", id: "clerk")
        let leader = CaseActor(id: "lead", role: .shiftLeader)
        let dispatcher = CaseActor(id: "disp", role: .dispatcher)
        let cases: [(CaseCommand, CaseCommand, CaseActor, String)] = [
            (.requestExtension(until: at.addingTimeInterval(2 * 86_400), reason: "需订购专用井盖"), .approveExtension(until: at.addingTimeInterval(2 * 86_400)),
             leader, "需订购专用井盖"),
            (.requestSuspension(reason: "需市政府协调"), .approveSuspension, leader, "需市政府协调"),
            (.requestReturn(reason: "不属本单位职责"), .approveReturn(deadline: nil), dispatcher, "不属本单位职责"),
        ]
        for (request, decision, decider, reason) in cases {
            let asked = try #require(CaseWorkflow.apply(request, to: record, actor: department, at: at.addingTimeInterval(60)).transition)
            let decided = try #require(CaseWorkflow.apply(decision, to: asked.record, actor: decider, at: at.addingTimeInterval(120)).transition)
            #expect(decided.entry.detail(.requestReason) == reason, "\(decision.action)")
        }
    }
}
