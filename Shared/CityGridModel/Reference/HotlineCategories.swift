import Foundation

/// The version of a versioned table: dot-separated non-negative integers (`2025.1`, `2026.1`,
/// `2026.10`), compared part by part as numbers, so `2026.10` is newer than `2026.9`.
public struct TableVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The numbers, most significant first.
    public let parts: [Int]
    /// The text as written.
    public let description: String

    /// Parses `N(.N)*`; `nil` for anything else.
    public init?(_ text: String) {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !pieces.isEmpty, pieces.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 9 && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } })
        else { return nil }
        parts = pieces.map { Int($0)! }
        description = text
    }

    public static func < (lhs: TableVersion, rhs: TableVersion) -> Bool {
        for (a, b) in zip(lhs.parts, rhs.parts) where a != b { return a < b }
        return lhs.parts.count < rhs.parts.count
    }
}

/// What CityGrid does with tickets of one category of the hotline's own tree
/// (`disposition` column of `hotline-categories.csv`).
public enum HotlineCategoryDisposition: String, Sendable, Codable, CaseIterable {
    /// The category is one CityGrid class (and, when the row names one, one filing condition).
    case mapped
    /// Outside city management (劳动保障, 医疗卫生 …): the acceptor sends the ticket back to the
    /// hotline with the competent body. It also covers every category below it that has no row of
    /// its own.
    case notOurs = "not_ours"
    /// Ours, but the category does not tell the class (井盖: the cover's marking does; a coarse
    /// inner node): the acceptor classifies.
    case acceptor
    /// The platform dropped the category in a later tree; a ticket that still carries it waits
    /// for the acceptor.
    case retired
}

/// One row of `hotline-categories.csv`: a node of the hotline's category tree as of a version.
/// A later version's row for the same code replaces the earlier one; rows never change after
/// their version ships, so the file is the tree's history.
public struct HotlineCategoryRow: Hashable, Sendable, Codable {
    /// The table version the row belongs to (`2025.1`).
    public var version: String
    /// The hotline's code: 2 digits per level (`01` 城乡建设, `0101` 市容环卫, `010101` 道路不洁).
    public var code: String
    /// The hotline's name of this node (not the path: the path is made from the ancestors).
    public var name: String
    public var disposition: HotlineCategoryDisposition
    /// The CityGrid class (mapped rows only).
    public var classKey: ClassKey?
    /// The filing condition (mapped rows, optional: without one the class's conditions apply).
    public var conditionId: String?
    /// Who handles it instead (not-ours rows), named in the return to the hotline.
    public var competentBody: String?
    public var note: String
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(version: String, code: String, name: String, disposition: HotlineCategoryDisposition, classKey: ClassKey? = nil,
                conditionId: String? = nil, competentBody: String? = nil, note: String = "", source: ReferenceSource = .demo) {
        self.version = version
        self.code = code
        self.name = name
        self.disposition = disposition
        self.classKey = classKey
        self.conditionId = conditionId
        self.competentBody = competentBody
        self.note = note
        self.source = source
    }

    /// The parent's code (`010101` → `0101`); `nil` at the top level.
    public var parentCode: String? { code.count > 2 ? String(code.dropLast(2)) : nil }

    /// Two, four, six or eight ASCII digits.
    public static func isValidCode(_ code: String) -> Bool {
        [2, 4, 6, 8].contains(code.utf8.count) && code.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}

/// The hotline's category tree and what each category means here, as of the newest version in the
/// file: for each code the row of the highest version wins.
///
/// Pure: built from rows, answers lookups. ``resolve(code:path:)`` is the one place that decides
/// what a ticket's category means for its class.
public struct HotlineCategoryTable: Sendable {
    /// Every row of every version, as loaded.
    public let rows: [HotlineCategoryRow]
    /// The newest version among the rows; `nil` for an empty table.
    public let version: String?
    private let current: [String: HotlineCategoryRow]

    public init(rows: [HotlineCategoryRow]) {
        self.rows = rows
        var newest: [String: (TableVersion, HotlineCategoryRow)] = [:]
        var top: TableVersion?
        for row in rows {
            guard let v = TableVersion(row.version) else { continue }
            if top.map({ v > $0 }) ?? true { top = v }
            if let held = newest[row.code], held.0 >= v { continue }
            newest[row.code] = (v, row)
        }
        current = newest.mapValues { $0.1 }
        version = top?.description
    }

    /// An empty table: every category is unknown.
    public static let empty = HotlineCategoryTable(rows: [])

    /// The current row of a code (its newest version), retired rows included.
    public func entry(_ code: String) -> HotlineCategoryRow? { current[code] }

    /// Every current code, sorted.
    public var codes: [String] { current.keys.sorted() }

    /// The names from the top of the tree down to `code` (`城乡建设 > 市容环卫 > 道路不洁`), over the
    /// ancestors the table knows; `nil` when it knows neither the code nor any ancestor.
    public func path(of code: String) -> String? {
        let names = stride(from: 2, through: code.count, by: 2).compactMap { current[String(code.prefix($0))]?.name }
        return names.isEmpty ? nil : names.joined(separator: " > ")
    }

    /// What a ticket's category means: the category's own row decides (mapped, not ours, the
    /// acceptor's, retired); a code the table does not list is not ours when its nearest listed
    /// ancestor is not ours, and unknown otherwise. Only `mapped` gives the ticket a class.
    public func resolve(code rawCode: String, path sentPath: String? = nil) -> HotlineCategoryDecision {
        let code = rawCode.trimmingCharacters(in: .whitespaces)
        var decision = HotlineCategoryDecision(code: code, path: sentPath, tablePath: path(of: code), outcome: .unmapped,
                                               reason: .unknownCode, decidedBy: nil, mappingVersion: version)
        if let own = current[code] {
            decision.decidedBy = own.code
            switch own.disposition {
            case .mapped:
                decision.outcome = .mapped
                decision.reason = nil
                decision.kind = own.classKey?.kind
                decision.classCode = own.classKey?.code
                decision.conditionId = own.conditionId
            case .notOurs:
                decision.outcome = .notOurs
                decision.reason = nil
                decision.competentBody = own.competentBody
            case .acceptor:
                decision.reason = .acceptor
            case .retired:
                decision.reason = .retired
            }
            return decision
        }
        var ancestor = code
        while ancestor.count > 2 {
            ancestor = String(ancestor.dropLast(2))
            guard let row = current[ancestor] else { continue }
            if row.disposition == .notOurs {
                decision.outcome = .notOurs
                decision.reason = nil
                decision.decidedBy = row.code
                decision.competentBody = row.competentBody
            }
            break
        }
        return decision
    }
}

/// One row of `class-terms.csv`: a word callers use for a class (井盖, 烧烤, 小广告), with a
/// weight. The suggester counts the weights of the terms a text contains.
public struct ClassTerm: Hashable, Sendable, Codable {
    public var term: String
    public var classKey: ClassKey
    /// Positive; 3 for a word that nearly names the class, 1 for a loose hint.
    public var weight: Double
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(term: String, classKey: ClassKey, weight: Double, source: ReferenceSource = .demo) {
        self.term = term
        self.classKey = classKey
        self.weight = weight
        self.source = source
    }
}

/// One row of `citizen-texts.csv`: what a caller said to the hotline, labelled with the class an
/// acceptor gave it. Held-out texts are never used for training: they measure the classifier.
public struct LabelledCitizenText: Hashable, Sendable, Codable {
    public var id: String
    /// The corpus version the text was added in.
    public var version: String
    public var classKey: ClassKey
    public var heldOut: Bool
    public var text: String
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(id: String, version: String, classKey: ClassKey, heldOut: Bool, text: String, source: ReferenceSource = .demo) {
        self.id = id
        self.version = version
        self.classKey = classKey
        self.heldOut = heldOut
        self.text = text
        self.source = source
    }
}
