import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// A report that hears what happens to a case: the case's own report, or a report linked to it
/// as a repeat. Only reports from channels with a return address are recipients.
public struct NoticeRecipient: Sendable, Equatable {
    /// The report's own case id and number at intake.
    public var caseId: UUID
    public var caseNumber: String
    public var channel: ReportChannel
    public var channelReference: String?
    /// The report was linked to the case as a repeat (its notices then name the case's number).
    public var linked: Bool
    /// Added to the sequence of the notices a report hears of another case: a report linked after
    /// it had become a case of its own (`link_duplicate`) heard its own case's steps up to the
    /// link, so the case it joined continues after that (the link's sequence). 0 otherwise.
    public var sequenceOffset: Int

    public init(caseId: UUID, caseNumber: String, channel: ReportChannel, channelReference: String?, linked: Bool, sequenceOffset: Int = 0) {
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.channel = channel
        self.channelReference = channelReference
        self.linked = linked
        self.sequenceOffset = sequenceOffset
    }
}

/// Which timeline entries the reporting channel hears of, and what each notice says (pure).
///
/// The channel hears of the steps a caller asks a hotline about: filed, dispatched (to whom, by
/// when), extended, suspended and resumed, how it ended, and a reopening after its return visit. Everything else (acceptance,
/// verification, warnings, requests a department made and the centre refused, rework) stays
/// inside the centre.
public enum ChannelNotices {
    /// The notice a timeline entry makes, or `nil` when the channel does not hear of it.
    public static func kind(of entry: TimelineEntry) -> ChannelNoticeKind? {
        // Ended as a repeat of an open case: the channel hears where its ticket went, not "voided".
        if entry.action == .linkDuplicate, entry.from != entry.to { return .linked }
        if entry.from != entry.to {
            switch entry.to {
            case .closed:
                return .closed
            case .notAccepted, .notFiled, .voided:
                if entry.detail(.reasonCode) == NotHandledReason.outsideCityManagement.rawValue { return .returned }
                return entry.to == .notAccepted ? .notAccepted : entry.to == .notFiled ? .notFiled : .voided
            default:
                break
            }
        }
        switch entry.action {
        case .file: return .filed
        case .dispatch: return .dispatched
        case .approveExtension: return .extended
        case .approveSuspension: return .suspended
        case .resume: return .resumed
        case .reopen: return .reopened
        default: return nil
        }
    }

    /// The notice `event` makes for `recipient`, or `nil` when the channel does not hear of it.
    /// - Parameters:
    ///   - address: the recipient channel's return address.
    ///   - departmentName: a department's name by code (the reference data's), if known.
    public static func notice(for event: CaseTransitioned, to recipient: NoticeRecipient, address: String, noticeId: UUID,
                              departmentName: (String) -> String?) -> ChannelNotice? {
        let entry = event.entry
        guard let kind = kind(of: entry) else { return nil }
        // The report's own case's steps keep their sequence; another case's continue after the link.
        let sequence = entry.sequence + (entry.caseId == recipient.caseId ? 0 : recipient.sequenceOffset)
        var notice = ChannelNotice(noticeId: noticeId, kind: kind, channel: recipient.channel, address: address,
                                   channelReference: recipient.channelReference, caseId: recipient.caseId, caseNumber: recipient.caseNumber,
                                   linkedCaseNumber: recipient.linked ? event.caseNumber : nil, sequence: sequence,
                                   occurredAt: entry.at, state: entry.to)
        let department = entry.department.map { ChannelNotice.Department(code: $0, name: departmentName($0)) }
        switch kind {
        case .dispatched, .resumed:
            notice.department = department
            notice.deadline = entry.startedClock?.deadline
        case .reopened:
            notice.department = department
            notice.deadline = entry.startedClock?.deadline
            notice.reason = entry.reason
        case .extended:
            notice.department = department
            notice.deadline = entry.date(.deadline)
            notice.previousDeadline = entry.date(.previousDeadline)
            notice.reason = entry.detail(.requestReason)
        case .suspended:
            notice.department = department
            notice.reason = entry.detail(.requestReason)
        case .closed:
            notice.department = department
            // A close published before resolutions travelled: the entry's own text is all there is.
            notice.result = event.resolution?.summary ?? entry.reason
            notice.photos = event.resolution?.photos ?? []
        case .notAccepted, .notFiled, .voided:
            notice.reason = entry.reason
        case .returned:
            notice.reason = entry.reason
            notice.reasonCode = .outsideCityManagement
            notice.competentBody = entry.detail(.competentBody)
        case .linked:
            // The report's own case ended in the link: the case it joined is named, and its state
            // follows in the later notices.
            notice.linkedCaseNumber = entry.detail(.duplicateOfNumber)
            notice.reason = entry.reason
            notice.state = nil
        case .signedFor, .filed:
            break
        }
        return notice
    }

    /// 签收: the report was received as case `report.caseNumber`, or linked to the open case
    /// `linkedCaseNumber`.
    public static func signedFor(_ report: NoticeRecipient, address: String, linkedCaseNumber: String?, noticeId: UUID, at: Date) -> ChannelNotice {
        ChannelNotice(noticeId: noticeId, kind: .signedFor, channel: report.channel, address: address, channelReference: report.channelReference,
                      caseId: report.caseId, caseNumber: report.caseNumber, linkedCaseNumber: linkedCaseNumber, sequence: 0,
                      occurredAt: at, state: linkedCaseNumber == nil ? .reported : nil)
    }
}

/// Writes the channel notices into intake's outbox, in the caller's transaction: each report
/// gets at most one notice per step (`intake.channel_notices` is unique per report and
/// sequence), so a transition applied a second time publishes nothing new.
public struct ChannelNoticeWriter: Sendable {
    public let returnAddresses: ReturnAddresses
    let departmentNames: [String: String]

    public init(returnAddresses: ReturnAddresses, departments: [Department]) {
        self.returnAddresses = returnAddresses
        departmentNames = Dictionary(departments.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// Notices `event` makes for the case's report and the reports linked to it. Returns how many went out.
    @discardableResult
    public func transitioned(_ event: CaseTransitioned, connection: PGConnection, outbox: OutboxWriter) throws -> Int {
        guard ChannelNotices.kind(of: event.entry) != nil, !returnAddresses.entries.isEmpty else { return 0 }
        var sent = 0
        for recipient in try NoticeStore.recipients(of: event.entry.caseId, channels: returnAddresses.channels, on: connection) {
            guard let address = returnAddresses.address(of: recipient.channel),
                  let notice = ChannelNotices.notice(for: event, to: recipient, address: address, noticeId: UUID(),
                                                     departmentName: { departmentNames[$0] })
            else { continue }
            if try publish(notice, connection: connection, outbox: outbox) { sent += 1 }
        }
        return sent
    }

    /// 签收 for a report just stored, when its channel has a return address.
    public func signedFor(_ report: StoredReport, linkedCaseNumber: String?, at: Date, connection: PGConnection, outbox: OutboxWriter) throws {
        guard let channel = ReportChannel(rawValue: report.channel), let address = returnAddresses.address(of: channel) else { return }
        let recipient = NoticeRecipient(caseId: report.caseId, caseNumber: report.caseNumber, channel: channel,
                                        channelReference: report.channelReference, linked: linkedCaseNumber != nil)
        let notice = ChannelNotices.signedFor(recipient, address: address, linkedCaseNumber: linkedCaseNumber, noticeId: UUID(), at: at)
        try publish(notice, connection: connection, outbox: outbox)
    }

    /// Records the notice and writes it to the outbox; `false` if the report already had one for this step.
    @discardableResult
    func publish(_ notice: ChannelNotice, connection: PGConnection, outbox: OutboxWriter) throws -> Bool {
        guard try NoticeStore.record(notice, on: connection) else { return false }
        try outbox.publish(notice, subject: notice.caseId.uuidString.lowercased(), at: notice.occurredAt, id: notice.noticeId,
                           exchange: MessagingNames.outboundExchange)
        return true
    }
}
