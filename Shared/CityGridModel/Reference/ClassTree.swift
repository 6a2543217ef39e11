/// Where a reference-data row comes from (`source` column).
public enum ReferenceSource: String, Sendable, Codable, CaseIterable {
    /// Taken from the domain research (national/city standards as documented in `domain.md`).
    case domain
    /// Demo value: plausible, generated or chosen by us; a real city replaces it with its own.
    case demo
    /// A city's own data.
    case city
}

/// The two families of the class tree: 部件 (components, physical objects) and 事件 (events,
/// behaviour and occurrences). Their codes overlap ("0101" is both 上水井盖 and 私搭乱建), so a
/// class is always identified by kind *and* code: see ``ClassKey``.
public enum ClassKind: String, Sendable, Codable, CaseIterable {
    /// 部件: public facilities.
    case component
    /// 事件: occurrences that damage the city environment or order.
    case event
}

/// Identifies a node of the class tree: kind plus code ("01" major, "0101" sub-class,
/// "010101" third level). Written `component:0101` in CSV lists and messages.
public struct ClassKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// Component (部件) or event (事件).
    public var kind: ClassKind
    /// The code (digits, as a string).
    public var code: String

    /// Creates a value as given; validation is the loader's job.
    public init(_ kind: ClassKind, _ code: String) {
        self.kind = kind
        self.code = code
    }

    /// Parses `kind:code`, e.g. `event:0504`; returns `nil` if malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let kind = ClassKind(rawValue: String(parts[0])), ClassKey.isValidCode(String(parts[1])) else { return nil }
        self.init(kind, String(parts[1]))
    }

    /// Level in the tree: 1 major (大类), 2 sub-class (小类), 3 third level (细类).
    public var level: Int { code.count / 2 }

    /// The two-digit major code.
    public var majorCode: String { String(code.prefix(2)) }

    /// The key of the parent node, `nil` for a major class.
    public var parent: ClassKey? { code.count > 2 ? ClassKey(kind, String(code.dropLast(2))) : nil }

    /// `kind:code`.
    public var description: String { "\(kind.rawValue):\(code)" }

    public static func < (lhs: ClassKey, rhs: ClassKey) -> Bool {
        (lhs.kind.rawValue, lhs.code) < (rhs.kind.rawValue, rhs.code)
    }

    /// Two, four or six ASCII digits.
    public static func isValidCode(_ code: String) -> Bool {
        [2, 4, 6].contains(code.utf8.count) && code.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}

/// One node of the component/event class tree (`classes.csv`).
///
/// The tree has two or three levels: major class (大类, "01"), sub-class (小类, "0101"), and
/// optionally a third level (细类, "050401"). Cases are classified at level 2 or 3; filing
/// conditions and responsibility rules hang off those levels. Majors "21" are local extensions.
public struct CaseClass: Hashable, Sendable, Codable {
    /// Component (部件) or event (事件).
    public var kind: ClassKind
    /// Full code: 2, 4 or 6 digits.
    public var code: String
    /// Chinese name, e.g. 上水井盖.
    public var nameZh: String
    /// English name.
    public var nameEn: String
    /// `true` for classes a city added to the national tree (扩展部件/扩展事件).
    public var isLocalExtension: Bool
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(kind: ClassKind, code: String, nameZh: String, nameEn: String, isLocalExtension: Bool, source: ReferenceSource) {
        self.kind = kind
        self.code = code
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.isLocalExtension = isLocalExtension
        self.source = source
    }

    /// Kind and code.
    public var key: ClassKey { ClassKey(kind, code) }
    /// 1 major, 2 sub-class, 3 third level.
    public var level: Int { key.level }
    /// Parent code, `nil` for a major class.
    public var parentCode: String? { key.parent?.code }
}
