import CityGridModel
import Foundation
@testable import IntakeService
import Testing

/// What the reporting channel hears when its ticket, already a case, is linked to an open case
/// once located (`link_duplicate`): 并案 naming that case instead of a bare 作废, then that case's
/// steps, numbered after the link (pure: real workflow transitions, no I/O).
@Suite("Notices for a ticket linked after locating (pure)")
struct LinkedAfterLocatingNoticeTests {
    typealias Walk = ChannelNoticeTests.Walk
    static func t(_ minutes: Double) -> Date { ChannelNoticeTests.t(minutes) }

    @Test("the ticket hears 并案 with the case it joined and why; a shift leader's void stays 作废")
    func linkedNotice() throws {
        var walk = Walk()
        walk.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        walk.apply(.requestVerification(deadline: Self.t(61)), .acceptor, at: 1)
        let original = UUID()
        let link = walk.apply(.linkDuplicate(of: original, caseNumber: "20261125-0001", originalOpen: true,
                                             reason: "地址定位后与编号20261125-0001的案件同类、同地点：作为重复上报并入该案件办理"), .system, at: 2)
        #expect(link.action == .linkDuplicate && link.to == .voided && link.detail(.duplicateOfNumber) == "20261125-0001")
        #expect(ChannelNotices.kind(of: link) == .linked)
        // By the time the notice is written intake has linked the report (followLink runs first).
        var ticket = ChannelNoticeTests.ticket
        ticket.linked = true
        ticket.sequenceOffset = link.sequence
        let notice = try #require(ChannelNoticeTests.notice(ChannelNoticeTests.event(link), to: ticket))
        #expect(notice.kind == .linked && notice.routingKey == "12345.case.linked")
        #expect(notice.caseNumber == "20261125-0042" && notice.caseId == ticket.caseId && notice.channelReference == "RX20261125-0137")
        #expect(notice.linkedCaseNumber == "20261125-0001", "it names the case it joined, not its own number")
        #expect(notice.sequence == link.sequence, "the ticket's own steps keep their sequence")
        #expect(notice.state == nil && notice.reason?.contains("20261125-0001") == true)

        var voided = Walk()
        voided.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        let void = voided.apply(.void(reason: "重复上报", duplicateOf: original), .shiftLeader, at: 3)
        #expect(ChannelNotices.kind(of: void) == .voided)
    }

    @Test("after the link the ticket hears the case it joined, numbered after the link, under its own reference")
    func laterNoticesContinue() throws {
        var joined = Walk()
        joined.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        joined.apply(.requestVerification(deadline: Self.t(61)), .acceptor, at: 1)
        joined.apply(.verificationConfirmed(deadline: Self.t(90)), .supervisor, at: 30)
        joined.apply(.file(conditionId: "0102-01", deadline: Self.t(120)), .shiftLeader, at: 31)
        let dispatch = joined.apply(.dispatch(dispatchId: UUID(), department: "SZGY", deadline: Self.t(2880)), .system, at: 35)
        // Another ticket (its own case id), linked at its 4th entry.
        let ticket = NoticeRecipient(caseId: UUID(), caseNumber: "20261125-0050", channel: .hotline12345, channelReference: "RX-50",
                                     linked: true, sequenceOffset: 4)
        var event = ChannelNoticeTests.event(dispatch)
        event.caseNumber = "20261125-0001"
        let notice = try #require(ChannelNoticeTests.notice(event, to: ticket))
        #expect(notice.kind == .dispatched && notice.department?.code == "SZGY")
        #expect(notice.sequence == dispatch.sequence + 4, "after the link's own sequence")
        #expect(notice.caseNumber == "20261125-0050" && notice.linkedCaseNumber == "20261125-0001" && notice.channelReference == "RX-50")
        // A ticket linked at submission has no offset: the case's own sequence, as before.
        let atSubmission = NoticeRecipient(caseId: UUID(), caseNumber: "20261125-0051", channel: .hotline12345, channelReference: "RX-51",
                                           linked: true)
        #expect(try #require(ChannelNoticeTests.notice(event, to: atSubmission)).sequence == dispatch.sequence)
    }
}
