import Foundation

/// What a notice to the reporting channel says happened to the report (回复 to the hotline).
///
/// Raw values are stable snake_case words; the routing key writes them with `-` for `_`.
public enum ChannelNoticeKind: String, Codable, Sendable, CaseIterable {
    /// 签收: the report was received and is case `caseNumber` (or was linked to an open case).
    case signedFor = "signed_for"
    /// 立案: the centre filed the case.
    case filed
    /// 派遣: the case went to `department`, to be handled by `deadline`.
    case dispatched
    /// 延期: the department's handling deadline moved to `deadline` (from `previousDeadline`).
    case extended
    /// 挂账: handling is suspended (`reason`); no deadline runs until `resumed`.
    case suspended
    /// The suspended case is handled again, by `deadline`.
    case resumed
    /// 结案: the case is closed; `result` says what was done, `photos` show it.
    case closed
    /// 重办: after the citizen's 不满意 the closed case went back to `department`, to be handled
    /// again by `deadline`; `reason` carries the citizen's words. A later `closed` ends it again.
    case reopened
    /// 不予受理: the centre did not accept the report (`reason`).
    case notAccepted = "not_accepted"
    /// 不予立案: the centre did not file the case (`reason`).
    case notFiled = "not_filed"
    /// 作废: the case was voided (`reason`), e.g. not found on site or a repeat.
    case voided
    /// 并案: the report had become a case of its own, and once located it turned out to repeat the
    /// open case `linkedCaseNumber` (same problem, same place, or the same caller again): it is
    /// handled as part of that case, and the later notices tell what happens to it (`reason`
    /// says why it was linked).
    case linked
    /// 退回: not a city-management matter; sent back to the channel with `reason` and the
    /// suggested competent body (`competentBody`, 有权处理单位). The case ended without handling.
    case returned

    /// The kind as a routing-key word (`signed-for`).
    public var routingWord: String { rawValue.replacingOccurrences(of: "_", with: "-") }
}

/// `<address>.case.<kind>` on ``MessagingNames/outboundExchange`` — intake tells the channel a
/// report came from (a hotline platform, 110 linkage, or any channel with a return address in
/// `return-addresses.csv`) what became of it, under the channel's own ticket reference.
///
/// One notice per report and timeline entry at most: `noticeId` (also the envelope id) is the
/// receiver's idempotency key, and `sequence` orders the notices of one report. Intake owns the
/// channel and its reference; what happened comes from supervision's `CaseTransitioned`.
public struct ChannelNotice: DomainEvent, Equatable {
    public static let eventType = "citygrid.channel.notice.v1"
    /// The routing key of a notice of `kind` to the channel at `address`.
    public static func routingKey(address: String, kind: ChannelNoticeKind) -> String { "\(address).case.\(kind.routingWord)" }
    /// Binds every notice to the channel at `address` (a hotline binds its own queue with it).
    public static func bindingPattern(address: String) -> String { "\(address).#" }
    public var routingKey: String { Self.routingKey(address: address, kind: kind) }

    /// The department a notice names: its code and, when the reference data knows it, its name.
    public struct Department: Codable, Sendable, Equatable {
        public var code: String
        public var name: String?

        public init(code: String, name: String?) {
            self.code = code
            self.name = name
        }
    }

    /// Unique per notice; the same on every redelivery (it is the envelope id too).
    public var noticeId: UUID
    public var kind: ChannelNoticeKind
    /// The channel the report came from.
    public var channel: ReportChannel
    /// The channel's return address (`12345`, `12319`, `110`), the first word of the routing key.
    public var address: String
    /// The channel's own ticket reference, as it sent the report; absent only for a report that
    /// came without one (over HTTP).
    public var channelReference: String?
    /// The report's case id at intake.
    public var caseId: UUID
    /// The report's case number (the one read to the caller).
    public var caseNumber: String
    /// When the report was linked to an open case as a repeat: that case's number. The notices
    /// after `signed_for` then tell what happens to that case.
    public var linkedCaseNumber: String?
    /// Orders the notices of one report: 0 for `signed_for`, then the position of the reported
    /// step in the case's timeline.
    public var sequence: Int
    /// When it happened at the centre.
    public var occurredAt: Date
    /// The case's state after the step: `reported` for a new case signed for; absent when a
    /// report linked to an open case is signed for.
    public var state: CaseState?
    /// `dispatched`, `extended`, `suspended`, `resumed`, `closed`: the department handling it.
    public var department: Department?
    /// `dispatched`, `resumed`: the handling deadline; `extended`: the new one.
    public var deadline: Date?
    /// `extended`: the deadline it replaces.
    public var previousDeadline: Date?
    /// Why: the department's reason for an extension or suspension the centre approved, the
    /// centre's reason for not accepting, not filing, voiding or returning.
    public var reason: String?
    /// `returned`: the machine-readable reason (`outside_city_management`).
    public var reasonCode: NotHandledReason?
    /// `returned`: the body the centre suggests is competent (有权处理单位).
    public var competentBody: String?
    /// `closed`: what was done (the department's result, or the hotline agent's at once).
    public var result: String?
    /// `closed`: photos that show the result, each with its purpose (`completion`, `check`, `after`).
    public var photos: [Photo]?

    public init(noticeId: UUID, kind: ChannelNoticeKind, channel: ReportChannel, address: String, channelReference: String?, caseId: UUID,
                caseNumber: String, linkedCaseNumber: String? = nil, sequence: Int, occurredAt: Date, state: CaseState?,
                department: Department? = nil, deadline: Date? = nil, previousDeadline: Date? = nil, reason: String? = nil,
                reasonCode: NotHandledReason? = nil, competentBody: String? = nil, result: String? = nil, photos: [Photo]? = nil) {
        self.noticeId = noticeId
        self.kind = kind
        self.channel = channel
        self.address = address
        self.channelReference = channelReference
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.linkedCaseNumber = linkedCaseNumber
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.state = state
        self.department = department
        self.deadline = deadline
        self.previousDeadline = previousDeadline
        self.reason = reason
        self.reasonCode = reasonCode
        self.competentBody = competentBody
        self.result = result
        self.photos = photos
    }
}
