import CityGridPlatform
import Crypto
import Foundation

/// Who called, as far as repeat calls (重复来电) need to know: the phone number in a report's
/// contact text, normalised, and a keyed hash of it. The hash is what intake stores and compares;
/// the number itself is never stored for this, and the hash never leaves intake (no message, no
/// API carries it).
public enum CallerNumber {
    /// The first phone number in `contact`, in its national form: an 11-digit mobile number
    /// (`13800001234`), or a landline with its area code and leading 0 (`04716912345`). The
    /// forms people write are the same caller: `138 0000 1234`, `138-0000-1234`,
    /// `+86 13800001234`, `0086 138 0000 1234`, `(+86)13800001234`; `0471-6912345`,
    /// `(0471) 691 2345`, `+86 471 6912345`. `nil` when the text holds no phone number.
    public static func normalised(in contact: String?) -> String? {
        guard let contact, !contact.isEmpty else { return nil }
        let text = contact as NSString
        let whole = NSRange(location: 0, length: text.length)
        // Mobile numbers first: a landline pattern would also read a mobile with its prefix.
        if let match = mobile.firstMatch(in: contact, range: whole) {
            return digits(of: match, in: text)
        }
        if let match = landline.firstMatch(in: contact, range: whole) {
            return "0" + digits(of: match, in: text)
        }
        return nil
    }

    /// The captured digit groups of a match, joined (an alternative that did not take part is skipped).
    private static func digits(of match: NSTextCheckingResult, in text: NSString) -> String {
        (1..<match.numberOfRanges).map { match.range(at: $0) }.filter { $0.location != NSNotFound }
            .map { text.substring(with: $0) }.joined()
    }

    /// A mainland mobile number: optional country code (`+86`, `0086`, `86`, in brackets or not),
    /// then 1[3-9]x, with spaces or dashes in the usual 3-4-4 places.
    private static let mobile = pattern(
        #"(?<![0-9])(?:(?:\+|00)?\(?\+?86\)?[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])"#)
    /// A landline: optional country code, then the area code (with its leading 0 at home, without
    /// it after +86; in brackets or not), then 7–8 digits, possibly split 3-4 or 4-4.
    private static let landline = pattern(
        #"(?<![0-9])(?:(?:(?:\+|00)\(?86\)?|\(\+86\))[ -]?\(?([1-9][0-9]{1,2})\)?|\(?0([1-9][0-9]{1,2})\)?)[ -]?([0-9]{3,4})[ -]?([0-9]{4})(?![0-9])"#)

    private static func pattern(_ text: String) -> NSRegularExpression {
        // Constants of this file; a typo is a programming error the unit tests catch.
        try! NSRegularExpression(pattern: text)
    }
}

/// The keyed hash of a caller's number: HMAC-SHA256 under a secret from the configuration, so
/// that the stored value cannot be turned back into the number by hashing the ~10⁹ possible
/// numbers (a plain hash could). The same secret must be kept for as long as earlier reports
/// should be recognised: a new secret starts the comparison afresh (docs/runbook.md).
public struct CallerKey: Sendable {
    private let key: SymmetricKey
    /// True while the development default is in use (logged at start-up).
    public let isDevelopmentDefault: Bool

    public static let developmentSecret = "citygrid-dev-caller-secret-not-for-production"

    public init(secret: String) {
        key = SymmetricKey(data: Data(secret.utf8))
        isDevelopmentDefault = secret == Self.developmentSecret
    }

    /// Reads `CITYGRID_CALLER_HASH_SECRET` (at least 16 bytes; the development default when unset).
    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> CallerKey {
        let name = "CITYGRID_CALLER_HASH_SECRET"
        let secret = values[name].flatMap { $0.isEmpty ? nil : $0 } ?? developmentSecret
        guard secret.utf8.count >= 16 else { throw ConfigurationError(variable: name, problem: "must be at least 16 bytes long") }
        return CallerKey(secret: secret)
    }

    /// The hash of a normalised number (``CallerNumber/normalised(in:)``), 64 lowercase hex digits.
    public func hash(normalisedNumber number: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(number.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    /// The hash of the caller in a contact text, or `nil` when it holds no phone number.
    public func hash(contact: String?) -> String? {
        CallerNumber.normalised(in: contact).map { hash(normalisedNumber: $0) }
    }
}
