import Foundation

/// The one rule for personal data in free text (a report's description or address as a citizen
/// gave it), used wherever such text leaves the centre's own screens: the public Open311 list
/// (intake) and exports for auditors (supervision).
public enum PersonalDataMask {
    /// Masks what identifies a person in free text: mobile and landline numbers, resident ID
    /// numbers, e-mail addresses, and a name given after 我叫 / 我是 / 姓名 / 联系人. Digits that
    /// are not one of those (house numbers, plate numbers, dates) stay. The rule errs on masking.
    public static func mask(_ text: String) -> String {
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
}
