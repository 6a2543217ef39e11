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

    // MARK: Masking

    /// Masks what identifies a person in free text: mobile and landline numbers, resident ID
    /// numbers, e-mail addresses, and a name given after 我叫 / 我是 / 姓名 / 联系人. Digits that
    /// are not one of those (house numbers, plate numbers, dates) stay. The rule errs on masking.
    static func mask(_ text: String) -> String {
        var result = text
        for (pattern, replace) in rules {
            result = replaceAll(pattern, in: result, with: replace)
        }
        return result
    }

    /// Ordered: ID numbers before phone numbers (an ID number contains phone-like runs).
    /// `nonisolated(unsafe)`: the expressions are immutable once made and NSRegularExpression
    /// matches from any thread; the closures capture nothing.
    nonisolated(unsafe) private static let rules: [(NSRegularExpression, ([String]) -> String)] = [
        // 18-digit resident ID (last may be X) and old 15-digit ones: keep the first 3 and last 2.
        (regex(#"(?<![0-9])([1-9][0-9]{2})[0-9]{12}([0-9]{2}[0-9Xx])(?![0-9Xx])"#), { "\($0[1])*************" + String($0[2].suffix(2)) }),
        (regex(#"(?<![0-9])([1-9][0-9]{2})[0-9]{10}([0-9]{2})(?![0-9])"#), { "\($0[1])**********\($0[2])" }),
        // Mobile numbers, optionally +86 and spaced or dashed 3-4-4: keep the first 3 and last 4.
        (regex(#"(?<![0-9])(?:\+?86[ -]?)?(1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})(?![0-9])"#), { "\($0[1])****\($0[2])" }),
        // Landlines: area code 0xx(x), then 7–8 digits: keep the area code and last 2.
        (regex(#"(?<![0-9])(0[1-9][0-9]{1,2})[ -]?[0-9]{5,6}([0-9]{2})(?![0-9])"#), { "\($0[1])-******\($0[2])" }),
        // E-mail addresses: the first character of the local part, then the domain.
        (regex(#"([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})"#), { "\($0[1])***@\($0[2])" }),
        // A name after a self-introduction or a label: keep the surname.
        // The name must end where the Chinese text does (or at 电话/手机/联系), so that
        // "我是幸福小区的住户" is not a name.
        (regex(#"(我叫|我是|本人|姓名[:：]?|联系人[:：]?|报案人[:：]?)\s*([\p{Han}])[\p{Han}]{1,2}(?=[^\p{Han}]|$|电话|手机|联系)"#),
         { "\($0[1])\($0[2])**" }),
    ]

    private static func regex(_ pattern: String) -> NSRegularExpression {
        // The patterns are constants of this file; a typo is a programming error caught by the tests.
        try! NSRegularExpression(pattern: pattern)
    }

    private static func replaceAll(_ expression: NSRegularExpression, in text: String, with replace: ([String]) -> String) -> String {
        let source = text as NSString
        var output = ""
        var last = 0
        for match in expression.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            output += source.substring(with: NSRange(location: last, length: match.range.location - last))
            let groups = (0..<match.numberOfRanges).map { index -> String in
                let range = match.range(at: index)
                return range.location == NSNotFound ? "" : source.substring(with: range)
            }
            output += replace(groups)
            last = match.range.location + match.range.length
        }
        output += source.substring(from: last)
        return output
    }

    // MARK: Status notes

    /// The status note a citizen reads, in Chinese: where the case stands, and for an ended case
    /// its outcome with the (masked) reason the centre gave.
    static func statusNote(state: String?, reason: String?, duplicateOfNumber: String?) -> String? {
        if let duplicateOfNumber { return "与编号 \(duplicateOfNumber) 的诉求为同一问题，已合并办理。" }
        guard let state, let known = CaseState(rawValue: state) else { return nil }
        let why = reason.map(mask).flatMap { $0.isEmpty ? nil : "（\($0)）" } ?? ""
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
