import CityGridModel
import CityGridPlatform
import Foundation

/// What the public GeoReport list may show (公开): reports from public channels only, with
/// personal data masked in the text, and a Chinese status note with the outcome. A report that
/// came in through the 12345 / 12319 hotlines or 110 linkage is the caller's conversation with the
/// government, not a public post: it never appears, by id or in a list, whatever its state.
struct Open311Disclosure: Sendable, Equatable {
    /// Channels whose reports are public (`CITYGRID_OPEN311_PUBLIC_CHANNELS`, default `open311,app`).
    var publicChannels: Set<ReportChannel>

    static let defaultChannels: Set<ReportChannel> = [.open311, .app]
    /// Never public, whatever the configuration says: the caller spoke to a hotline or the police.
    static let neverPublic: Set<ReportChannel> = [.hotline12345, .hotline12319, .police110]

    /// Reads `CITYGRID_OPEN311_PUBLIC_CHANNELS` (comma-separated channel names); an unknown name
    /// or a hotline / 110 channel stops the service rather than widening the list by mistake.
    static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> Open311Disclosure {
        let name = "CITYGRID_OPEN311_PUBLIC_CHANNELS"
        guard let text = values[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return Open311Disclosure(publicChannels: defaultChannels)
        }
        var channels: Set<ReportChannel> = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let channel = ReportChannel(rawValue: part) else {
                throw ConfigurationError(variable: name, problem: "unknown channel '\(part)' (known: \(ReportChannel.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard !neverPublic.contains(channel) else {
                throw ConfigurationError(variable: name, problem: "\(part) reports are never public (hotline and 110 callers did not publish them)")
            }
            channels.insert(channel)
        }
        return Open311Disclosure(publicChannels: channels)
    }

    /// The channels as the store filters them.
    var channelNames: [String] { publicChannels.map(\.rawValue).sorted() }

    // MARK: Status notes

    /// The status note a citizen reads, in Chinese: where the case stands, and for an ended case
    /// its outcome with the (masked) reason the centre gave.
    static func statusNote(state: String?, reason: String?, duplicateOfNumber: String?) -> String? {
        if let duplicateOfNumber { return "与编号 \(duplicateOfNumber) 的诉求为同一问题，已合并办理。" }
        guard let state, let known = CaseState(rawValue: state) else { return nil }
        let why = reason.map(PersonalDataMask.mask).flatMap { $0.isEmpty ? nil : "（\($0)）" } ?? ""
        switch known {
        case .reported, .awaitingAccept: return "已收到，等待受理。"
        case .awaitingVerify: return "已受理，等待监督员现场核实。"
        case .awaitingFile: return "已核实，等待立案。"
        case .awaitingDispatch, .manualDispatch: return "已立案，正在派遣处置部门。"
        case .inHandling: return "已派遣至处置部门，正在处置。"
        case .suspended: return "因客观原因暂缓处置（挂账），条件具备后恢复处置。"
        case .awaitingCheck: return "处置部门已反馈完成，等待监督员现场核查。"
        case .awaitingClose: return "已核查通过，等待结案。"
        case .selfHandledPending: return "监督员已现场处置，等待审核。"
        case .closed: return "已办结：问题已处置并经现场核查。"
        case .voided: return "已作废\(why)。"
        case .notAccepted: return "不予受理\(why)。"
        case .notFiled: return "经核实不予立案\(why)。"
        }
    }
}
