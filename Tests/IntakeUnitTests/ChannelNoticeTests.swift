import CityGridModel
import Foundation
@testable import IntakeService
import Testing

/// Which steps of a case the reporting channel hears of, and what each notice says: real
/// workflow transitions (CaseWorkflow, pure) mapped to notices, no I/O.
@Suite("Notices to the reporting channel (pure)")
struct ChannelNoticeTests {
    static let start = RFC3339.parse("2026-11-25T01:55:00Z")!
    static func t(_ minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }

    static let ticket = NoticeRecipient(caseId: UUID(), caseNumber: "20261125-0042", channel: .hotline12345,
                                        channelReference: "RX20261125-0137", linked: false)
    static let names = ["SZGY": "市政公用局"]

    /// A case walked through the workflow as supervision applies it, keeping every entry.
    struct Walk {
        var record: CaseRecord
        var entries: [TimelineEntry] = []

        init(requiresVerification: Bool = true) {
            let report = CaseReport(id: ChannelNoticeTests.ticket.caseId, caseNumber: "20261125-0042",
                                    requiresVerification: requiresVerification)
            let transition = try! CaseWorkflow.report(report, actor: CaseActor(id: "intake", role: .system), at: ChannelNoticeTests.t(0)).get()
            record = transition.record
            entries = [transition.entry]
        }

        /// Applies `command`; `details` are what supervision records beside the workflow's own (reason code, photos).
        @discardableResult
        mutating func apply(_ command: CaseCommand, _ role: Role, at minutes: Double, department: String? = nil,
                            details: [String: String] = [:]) -> TimelineEntry {
            let actor = department.map { CaseActor.department($0, id: "clerk") } ?? CaseActor(id: "\(role.rawValue)-1", role: role)
            guard case .applied(var transition) = CaseWorkflow.apply(command, to: record, actor: actor, at: ChannelNoticeTests.t(minutes)) else {
                Issue.record("\(command.action) was not applied in \(record.state)")
                return entries.last!
            }
            transition.entry.details.merge(details) { own, _ in own }
            record = transition.record
            entries.append(transition.entry)
            return transition.entry
        }
    }

    static func event(_ entry: TimelineEntry, resolution: CaseTransitioned.Resolution? = nil) -> CaseTransitioned {
        var event = CaseTransitioned(entry: entry, caseNumber: "20261125-0042", channel: .hotline12345, kind: .event, classCode: "0102",
                                     gridCode: "150104001005003", reporterId: nil)
        event.resolution = resolution
        return event
    }

    static func notice(_ event: CaseTransitioned, to recipient: NoticeRecipient = ticket) -> ChannelNotice? {
        ChannelNotices.notice(for: event, to: recipient, address: "12345", noticeId: UUID(), departmentName: { names[$0] })
    }

    @Test("a ticket's way from verification to closure makes filed, dispatched, extended, suspended, resumed and closed notices, nothing else")
    func mainPath() throws {
        var walk = Walk()
        let dispatchDeadline = Self.t(2 * 1440)
        let extendedDeadline = Self.t(3 * 1440)
        let resumedDeadline = Self.t(5 * 1440)
        walk.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        walk.apply(.requestVerification(deadline: Self.t(61)), .acceptor, at: 1)
        walk.apply(.verificationConfirmed(deadline: Self.t(90)), .supervisor, at: 30)
        walk.apply(.file(conditionId: "0102-01", deadline: Self.t(120)), .shiftLeader, at: 31)
        walk.apply(.dispatch(dispatchId: UUID(), department: "SZGY", deadline: dispatchDeadline), .system, at: 35)
        walk.apply(.acceptTask, .department, at: 40, department: "SZGY")
        walk.apply(.requestExtension(until: extendedDeadline, reason: "需订购专用井盖"), .department, at: 60, department: "SZGY")
        walk.apply(.markWarning(stage: .handle, deadline: dispatchDeadline), .system, at: 61)
        walk.apply(.approveExtension(until: extendedDeadline), .shiftLeader, at: 70)
        walk.apply(.urge(note: "请加快"), .dispatcher, at: 80)
        walk.apply(.requestSuspension(reason: "需市政府协调"), .department, at: 90, department: "SZGY")
        walk.apply(.approveSuspension, .shiftLeader, at: 100)
        walk.apply(.resume(deadline: resumedDeadline), .shiftLeader, at: 200)
        walk.apply(.complete(result: "已更换井盖", deadline: Self.t(230)), .department, at: 210, department: "SZGY",
                   details: ["completion_photos": "https://img.example/done.jpg"])
        walk.apply(.requestCheck(deadline: Self.t(300)), .acceptor, at: 210)
        walk.apply(.checkFailed(reason: "仍有缺口", deadline: Self.t(3000)), .supervisor, at: 240)
        walk.apply(.complete(result: "已更换井盖并恢复路面", deadline: Self.t(330)), .department, at: 300, department: "SZGY")
        walk.apply(.requestCheck(deadline: Self.t(400)), .acceptor, at: 300)
        walk.apply(.checkPassed(deadline: Self.t(430)), .supervisor, at: 320)
        let close = walk.apply(.close, .shiftLeader, at: 330)

        let photos = [Photo(url: "https://img.example/done.jpg", purpose: .completion), Photo(url: "https://img.example/check.jpg", purpose: .check)]
        let notices = walk.entries.compactMap { entry in
            Self.notice(Self.event(entry, resolution: entry == close ? .init(summary: "已更换井盖并恢复路面", photos: photos) : nil))
        }
        #expect(notices.map(\.kind) == [.filed, .dispatched, .extended, .suspended, .resumed, .closed])
        #expect(notices.allSatisfy { $0.channelReference == "RX20261125-0137" && $0.caseNumber == "20261125-0042" && $0.address == "12345" })
        #expect(notices.allSatisfy { $0.routingKey == "12345.case.\($0.kind.routingWord)" && $0.linkedCaseNumber == nil })
        #expect(zip(notices, notices.dropFirst()).allSatisfy { $0.sequence < $1.sequence }, "sequence orders them")
        let byKind = Dictionary(notices.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })

        let filed = try #require(byKind[.filed])
        #expect(filed.state == .awaitingDispatch && filed.department == nil && filed.deadline == nil)
        let dispatched = try #require(byKind[.dispatched])
        #expect(dispatched.department == .init(code: "SZGY", name: "市政公用局") && dispatched.deadline == dispatchDeadline)
        #expect(dispatched.state == .inHandling && dispatched.occurredAt == Self.t(35))
        let extended = try #require(byKind[.extended])
        #expect(extended.deadline == extendedDeadline && extended.previousDeadline == dispatchDeadline)
        #expect(extended.reason == "需订购专用井盖", "the department's reason, carried on the approval")
        let suspended = try #require(byKind[.suspended])
        #expect(suspended.state == .suspended && suspended.reason == "需市政府协调" && suspended.deadline == nil)
        let resumed = try #require(byKind[.resumed])
        #expect(resumed.deadline == resumedDeadline && resumed.department?.code == "SZGY")
        let closed = try #require(byKind[.closed])
        #expect(closed.state == .closed && closed.result == "已更换井盖并恢复路面" && closed.photos == photos)
        #expect(closed.department?.code == "SZGY")
    }

    @Test("after a return visit's 不满意 the hotline hears 重办 (department, new deadline, the citizen's words), then closed again; a visit alone is silent")
    func reopenedThenClosedAgain() throws {
        var walk = Walk(requiresVerification: false)
        walk.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        walk.apply(.accept(deadline: Self.t(60)), .acceptor, at: 2)
        walk.apply(.file(conditionId: "0102-01", deadline: Self.t(120)), .shiftLeader, at: 3)
        walk.apply(.dispatch(dispatchId: UUID(), department: "SZGY", deadline: Self.t(600)), .system, at: 4)
        walk.apply(.acceptTask, .department, at: 5, department: "SZGY")
        walk.apply(.complete(result: "已清运", deadline: Self.t(60)), .department, at: 30, department: "SZGY")
        walk.apply(.requestCheck(deadline: Self.t(90)), .acceptor, at: 30)
        walk.apply(.checkPassed(deadline: Self.t(120)), .supervisor, at: 40)
        walk.apply(.close, .shiftLeader, at: 50)
        let visit = ReturnVisit(key: "hotline_12345:HV-1", verdict: .dissatisfied, note: "垃圾又堆起来了", route: .hotline, visitedBy: "agent-7")
        let visitEntry = walk.apply(.returnVisit(visit, referral: nil), .system, at: 1440)
        let newDeadline = Self.t(1440 + 600)
        let reopen = walk.apply(.reopen(dispatchId: UUID(), department: "SZGY", deadline: newDeadline, reason: "垃圾又堆起来了"), .system, at: 1440)
        #expect(Self.notice(Self.event(visitEntry)) == nil, "the visit itself is the hotline's own news")
        let reopened = try #require(Self.notice(Self.event(reopen)))
        #expect(reopened.kind == .reopened && reopened.routingKey == "12345.case.reopened")
        #expect(reopened.state == .inHandling && reopened.department == .init(code: "SZGY", name: "市政公用局"))
        #expect(reopened.deadline == newDeadline && reopened.reason == "垃圾又堆起来了")
        walk.apply(.acceptTask, .department, at: 1450, department: "SZGY")
        walk.apply(.complete(result: "已再次清运并增设垃圾桶", deadline: Self.t(1500)), .department, at: 1460, department: "SZGY")
        walk.apply(.requestCheck(deadline: Self.t(1500)), .acceptor, at: 1460)
        walk.apply(.checkPassed(deadline: Self.t(1520)), .supervisor, at: 1470)
        let closedAgain = walk.apply(.close, .shiftLeader, at: 1480)
        let again = try #require(Self.notice(Self.event(closedAgain, resolution: .init(summary: "已再次清运并增设垃圾桶", photos: []))))
        #expect(again.kind == .closed && again.sequence > reopened.sequence && again.result == "已再次清运并增设垃圾桶")
    }

    @Test("steps inside the centre make no notice: acceptance, verification, requests, refusals, marks, urging, rework, recounts")
    func silentSteps() {
        for action in CaseAction.allCases {
            let entry = TimelineEntry(caseId: UUID(), sequence: 5, action: action, from: .inHandling, to: .inHandling, actorId: "x",
                                      actorRole: .system, actorDepartment: nil, at: Self.t(0), department: "SZGY", reason: nil, details: [:],
                                      stoppedClock: nil, startedClock: nil)
            let heard: Set<CaseAction> = [.file, .dispatch, .approveExtension, .approveSuspension, .resume, .reopen]
            #expect((ChannelNotices.kind(of: entry) != nil) == heard.contains(action), "\(action)")
        }
        // An annotation-like entry that does not move the state never ends the case twice.
        let mark = TimelineEntry(caseId: UUID(), sequence: 9, action: .markOverdue, from: .closed, to: .closed, actorId: "x",
                                 actorRole: .system, actorDepartment: nil, at: Self.t(0), department: nil, reason: nil, details: [:],
                                 stoppedClock: nil, startedClock: nil)
        #expect(ChannelNotices.kind(of: mark) == nil)
    }

    @Test("ends without handling: not accepted, not filed, voided with the reason; with outside_city_management they are 退回 with the competent body")
    func endsWithoutHandling() throws {
        var rejected = Walk()
        rejected.apply(.locate(gridCode: nil), .system, at: 1)
        let plain = try #require(Self.notice(Self.event(rejected.apply(.rejectAtAccept(reason: "重复举报"), .acceptor, at: 5))))
        #expect(plain.kind == .notAccepted && plain.state == .notAccepted && plain.reason == "重复举报" && plain.reasonCode == nil)

        var returned = Walk()
        returned.apply(.locate(gridCode: nil), .system, at: 1)
        let back = try #require(Self.notice(Self.event(returned.apply(
            .rejectAtAccept(reason: "邻里噪声纠纷，不属于城市管理事项"), .acceptor, at: 5,
            details: ["reason_code": "outside_city_management", "competent_body": "辖区派出所"]))))
        #expect(back.kind == .returned && back.state == .notAccepted && back.routingKey == "12345.case.returned")
        #expect(back.reason == "邻里噪声纠纷，不属于城市管理事项" && back.reasonCode == .outsideCityManagement && back.competentBody == "辖区派出所")

        var notFiled = Walk(requiresVerification: false)
        notFiled.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        notFiled.apply(.accept(deadline: Self.t(30)), .acceptor, at: 2)
        let refused = try #require(Self.notice(Self.event(notFiled.apply(.refuseFiling(reason: "不符合立案条件"), .shiftLeader, at: 5))))
        #expect(refused.kind == .notFiled && refused.reason == "不符合立案条件")

        var voided = Walk()
        voided.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        voided.apply(.requestVerification(deadline: Self.t(60)), .acceptor, at: 1)
        let notFound = try #require(Self.notice(Self.event(voided.apply(.verificationRefuted(reason: "现场未发现"), .supervisor, at: 20))))
        #expect(notFound.kind == .voided && notFound.state == .voided && notFound.reason == "现场未发现")

        var voidedBack = Walk()
        voidedBack.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        voidedBack.apply(.requestVerification(deadline: Self.t(60)), .acceptor, at: 1)
        let sentBack = try #require(Self.notice(Self.event(voidedBack.apply(
            .void(reason: "属市场监管事项", duplicateOf: nil), .shiftLeader, at: 20,
            details: ["reason_code": "outside_city_management", "competent_body": "市场监督管理局"]))))
        #expect(sentBack.kind == .returned && sentBack.state == .voided && sentBack.competentBody == "市场监督管理局")
    }

    @Test("a case resolved during the call closes with the agent's result; a close from before resolutions travelled still reads")
    func closedWithoutResolution() throws {
        var walk = Walk()
        let entry = walk.apply(.handleAtIntake(result: "已告知市民办理渠道"), .acceptor, at: 1)
        let older = try #require(Self.notice(Self.event(entry)))
        #expect(older.kind == .closed && older.result == "已告知市民办理渠道" && older.photos == [] && older.department == nil)
        let current = try #require(Self.notice(Self.event(entry, resolution: .init(summary: "已告知市民办理渠道", photos: []))))
        #expect(current.result == "已告知市民办理渠道")
    }

    @Test("a ticket linked to an open case as a repeat hears of that case under its own number and reference")
    func linkedTicket() throws {
        let linked = NoticeRecipient(caseId: UUID(), caseNumber: "20261125-0077", channel: .police110, channelReference: "110-0077", linked: true)
        var walk = Walk()
        walk.apply(.locate(gridCode: "150104001005003"), .system, at: 1)
        walk.apply(.requestVerification(deadline: Self.t(60)), .acceptor, at: 1)
        walk.apply(.verificationConfirmed(deadline: Self.t(90)), .supervisor, at: 30)
        let filed = try #require(ChannelNotices.notice(for: Self.event(walk.apply(.file(conditionId: "0102-01", deadline: nil), .shiftLeader, at: 31)),
                                                       to: linked, address: "110", noticeId: UUID(), departmentName: { _ in nil }))
        #expect(filed.caseNumber == "20261125-0077" && filed.linkedCaseNumber == "20261125-0042" && filed.caseId == linked.caseId)
        #expect(filed.channelReference == "110-0077" && filed.routingKey == "110.case.filed" && filed.channel == .police110)
    }

    @Test("签收 is sequence 0: a new case is reported; a linked report names the case it joined")
    func signedFor() {
        let report = ChannelNotices.signedFor(Self.recipient(number: "20261125-0042", reference: "RX-1"), address: "12345",
                                              linkedCaseNumber: nil, noticeId: UUID(), at: Self.t(0))
        #expect(report.kind == .signedFor && report.sequence == 0 && report.state == .reported && report.routingKey == "12345.case.signed-for")
        #expect(report.channelReference == "RX-1" && report.caseNumber == "20261125-0042" && report.occurredAt == Self.t(0))
        let linked = ChannelNotices.signedFor(Self.recipient(number: "20261125-0050", reference: "RX-2"), address: "12345",
                                              linkedCaseNumber: "20261125-0042", noticeId: UUID(), at: Self.t(1))
        #expect(linked.state == nil && linked.linkedCaseNumber == "20261125-0042" && linked.caseNumber == "20261125-0050")
    }

    @Test("notices encode without the fields their kind does not carry")
    func encodedShape() throws {
        let notice = ChannelNotices.signedFor(Self.recipient(number: "20261125-0042", reference: "RX-1"), address: "12345",
                                              linkedCaseNumber: nil, noticeId: UUID(), at: Self.t(0))
        let object = try JSONSerialization.jsonObject(with: MessageCoding.encoder().encode(notice)) as? [String: Any] ?? [:]
        #expect(Set(object.keys) == ["noticeId", "kind", "channel", "address", "channelReference", "caseId", "caseNumber", "sequence",
                                     "occurredAt", "state"])
        #expect(try MessageCoding.decoder().decode(ChannelNotice.self, from: MessageCoding.encoder().encode(notice)) == notice)
    }

    static func recipient(number: String, reference: String) -> NoticeRecipient {
        NoticeRecipient(caseId: UUID(), caseNumber: number, channel: .hotline12345, channelReference: reference, linked: false)
    }
}
