import Foundation

/// Finds gazetteer places named anywhere in a free text ("就在胜利东小区南门往东一百米", "海拉尔东路23号
/// 门口", "人民广场那边"): roads, POIs and areas by their current or former names, house numbers as
/// `<road><digits>号`, and names with one wrong character ("大昭寺" for 大召寺, "海拉儿东路").
///
/// Unlike grid-routing's geocoder, which reads an address field that is all place, this reads a
/// whole call: it looks for names inside the text instead of matching the text as a name. It
/// suggests; routing still locates the case from its address.
///
/// Pure: the gazetteer is given, the answer depends on nothing else.
public struct PlaceSpotter: Sendable {
    /// A place found in a text.
    public struct Match: Sendable, Equatable {
        public var entry: GazetteerEntry
        /// The prepared text that matched (a former name, or a name with a typo, as written).
        public var matched: String
        /// `false` when one character differed.
        public var exact: Bool
        /// Where in the prepared text the match starts.
        public var offset: Int
        /// 0…1, see ``score(kind:exact:)``.
        public var score: Double
    }

    private let entries: [GazetteerEntry]
    /// Prepared current and former names of roads, POIs and areas → entry indices.
    private let byName: [String: [Int]]
    /// The lengths (in characters) of those names, longest first.
    private let lengths: [Int]
    /// A name with one character replaced by a wildcard → entry indices, for one-typo matches.
    private let byWildcard: [String: [Int]]
    /// `<current road name>|<number>` → house-number entry index.
    private let houses: [String: Int]
    private static let wildcard: Unicode.Scalar = "\u{FFFD}"

    public init(gazetteer: [GazetteerEntry]) {
        entries = gazetteer
        var byName: [String: [Int]] = [:]
        var byWildcard: [String: [Int]] = [:]
        var houses: [String: Int] = [:]
        for (index, entry) in gazetteer.enumerated() {
            if entry.kind == .houseNumber {
                if let road = entry.road, let number = entry.houseNumber {
                    houses["\(SuggestionText.normalisedString(road, foldDigits: false))|\(Self.trimmedNumber(number))"] = index
                }
                continue
            }
            for name in [entry.name] + entry.historicalNames {
                let scalars = SuggestionText.normalise(name, foldDigits: false)
                guard scalars.count >= 2 else { continue }
                byName[SuggestionText.string(scalars[...]), default: []].append(index)
                for position in Self.typoPositions(length: scalars.count, kind: entry.kind) {
                    var variant = scalars
                    variant[position] = Self.wildcard
                    byWildcard[SuggestionText.string(variant[...]), default: []].append(index)
                }
            }
        }
        self.byName = byName
        self.byWildcard = byWildcard
        self.houses = houses
        lengths = Set(byName.keys.map { $0.unicodeScalars.count }).sorted(by: >)
    }

    /// Where a typo may be forgiven. Two-character names never (too many accidental matches);
    /// three-character names only for POIs and never in the first character (大昭寺 → 大召寺, but
    /// not 公主府 from any "X主府"); longer names anywhere.
    static func typoPositions(length: Int, kind: GazetteerKind) -> Range<Int> {
        if length >= 4 { return 0..<length }
        if length == 3 && kind == .poi { return 1..<3 }
        return 0..<0
    }

    /// A house number has the most exact point, then a POI, an area (a community's centre), and a
    /// road (its representative point is one of many); one wrong character costs a fifth.
    public static func score(kind: GazetteerKind, exact: Bool) -> Double {
        let base: Double = switch kind {
        case .houseNumber: 1.0
        case .poi: 0.9
        case .area: 0.8
        case .road: 0.6
        }
        return exact ? base : base * 0.8
    }

    /// The places named in `text`, best first (by score, then first mentioned), one per gazetteer
    /// entry, at most `limit`. Overlapping names keep the longest (a house number over its road,
    /// 内蒙古师范大学 over 内蒙古大学's one-typo reading of part of it); exact names win over one-typo ones.
    public func spot(_ text: String, limit: Int = 3) -> [Match] {
        let scalars = SuggestionText.normalise(text, foldDigits: false)
        var candidates: [(start: Int, end: Int, match: Match)] = []
        for start in scalars.indices {
            for length in lengths where start + length <= scalars.count {
                let window = scalars[start..<(start + length)]
                let key = SuggestionText.string(window)
                if let indices = byName[key] {
                    for index in indices {
                        let entry = entries[index]
                        if entry.kind == .road, let found = houseNumber(after: start + length, in: scalars, road: entry) {
                            candidates.append((start, found.end, Match(entry: found.entry, matched: SuggestionText.string(scalars[start..<found.end]),
                                                                       exact: true, offset: start, score: Self.score(kind: .houseNumber, exact: true))))
                        }
                        candidates.append((start, start + length, Match(entry: entry, matched: key, exact: true, offset: start,
                                                                        score: Self.score(kind: entry.kind, exact: true))))
                    }
                    continue
                }
                for position in 0..<length {
                    var variant = Array(window)
                    variant[position] = Self.wildcard
                    guard let indices = byWildcard[SuggestionText.string(variant[...])] else { continue }
                    for index in indices {
                        let entry = entries[index]
                        candidates.append((start, start + length, Match(entry: entry, matched: key, exact: false, offset: start,
                                                                        score: Self.score(kind: entry.kind, exact: false))))
                    }
                }
            }
        }
        // Longest span first, then exact, then the better kind; a span overlapping a chosen one is dropped.
        candidates.sort { a, b in
            let la = a.end - a.start, lb = b.end - b.start
            if la != lb { return la > lb }
            if a.match.exact != b.match.exact { return a.match.exact }
            if a.match.score != b.match.score { return a.match.score > b.match.score }
            return a.start < b.start
        }
        var taken: [(Int, Int)] = []
        var chosen: [Match] = []
        var seen: Set<String> = []
        for candidate in candidates {
            if taken.contains(where: { candidate.start < $0.1 && $0.0 < candidate.end }) { continue }
            taken.append((candidate.start, candidate.end))
            if seen.insert(candidate.match.entry.id).inserted { chosen.append(candidate.match) }
        }
        return Array(chosen.sorted { $0.score != $1.score ? $0.score > $1.score : $0.offset < $1.offset }.prefix(limit))
    }

    /// `<digits>号` right after a road's name, when the gazetteer has that number on the road.
    private func houseNumber(after position: Int, in scalars: [Unicode.Scalar], road: GazetteerEntry) -> (entry: GazetteerEntry, end: Int)? {
        var end = position
        while end < scalars.count, scalars[end].value >= 48, scalars[end].value <= 57 { end += 1 }
        guard end > position, end < scalars.count, scalars[end] == "号" || scalars[end] == "號" else { return nil }
        let number = Self.trimmedNumber(SuggestionText.string(scalars[position..<end]))
        guard let index = houses["\(SuggestionText.normalisedString(road.name, foldDigits: false))|\(number)"] else { return nil }
        return (entry: entries[index], end: end + 1)
    }

    /// `023` → `23`.
    static func trimmedNumber(_ number: String) -> String {
        let trimmed = number.drop { $0 == "0" }
        return trimmed.isEmpty ? number : String(trimmed)
    }
}
