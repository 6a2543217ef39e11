import CityGridModel
import Foundation

/// A place found for an address text.
public struct GeocodeMatch: Sendable, Equatable {
    /// The gazetteer entry (house number, POI, road or area).
    public var entry: GazetteerEntry
    /// The name that matched (may be a former name, or the corrected spelling of a typo).
    public var matchedName: String
    /// How it was found.
    public var method: LocationMethod
    /// 1 for exact matches, the similarity for fuzzy ones.
    public var score: Double
}

/// Outcome of geocoding one address text.
public enum GeocodeOutcome: Sendable, Equatable {
    case located(GeocodeMatch)
    /// Nothing in the gazetteer is similar enough; a dispatcher must place the case by hand.
    case unlocatable(normalised: String)
}

/// Turns free address text (地址描述) into a gazetteer place (CJ/T 215 基本地点).
///
/// Order: `<road><number>号` on a current or former road name (house number, else the road);
/// then the longest prefix of the text that is exactly a place name (current or former);
/// then a fuzzy match of the text, stripped of position words (门口, 附近, 西侧…), against all
/// place names. Below ``threshold`` the address is ``GeocodeOutcome/unlocatable(normalised:)``.
/// Pure and deterministic: no I/O, same answer for the same gazetteer.
public struct Geocoder: Sendable {
    /// Minimum similarity for a fuzzy match.
    public let threshold: Double
    private let entries: [GazetteerEntry]
    /// Normalised current and former names of roads, POIs and areas → entry indices.
    private let byName: [String: [Int]]
    /// `(normalised name, entry index)` of every road, POI and area name, for fuzzy search.
    private let fuzzyNames: [(name: [Character], text: String, index: Int)]
    /// `road current name|number` → house-number entry index.
    private let houses: [String: Int]

    /// Position words reporters append to a place; stripped before matching (longest first).
    static let positionSuffixes: [String] = [
        "停车场入口", "东侧人行道", "西侧人行道", "南侧人行道", "北侧人行道", "前方路面", "人行道", "附近", "旁边", "门口", "门前",
        "对面", "周边", "周围", "一带", "东侧", "西侧", "南侧", "北侧", "南门", "北门", "东门", "西门", "正门", "后门", "大门",
        "入口", "出口", "路口", "路面", "旁", "前", "后", "内", "里", "边", "处", "外",
    ].sorted { $0.count > $1.count }

    public init(gazetteer: [GazetteerEntry], threshold: Double = 0.6) {
        self.threshold = threshold
        entries = gazetteer
        var byName: [String: [Int]] = [:]
        var fuzzy: [(name: [Character], text: String, index: Int)] = []
        var houses: [String: Int] = [:]
        for (i, entry) in gazetteer.enumerated() {
            if entry.kind == .houseNumber {
                if let road = entry.road, let number = entry.houseNumber {
                    houses["\(Geocoder.normalise(road))|\(Geocoder.normaliseNumber(number))"] = i
                }
                continue
            }
            for name in [entry.name] + entry.historicalNames {
                let key = Geocoder.normalise(name)
                guard !key.isEmpty else { continue }
                byName[key, default: []].append(i)
                fuzzy.append((Array(key), key, i))
            }
        }
        self.byName = byName
        fuzzyNames = fuzzy
        self.houses = houses
    }

    /// Geocodes one address text.
    public func geocode(_ address: String) -> GeocodeOutcome {
        let text = Geocoder.normalise(address)
        guard !text.isEmpty else { return .unlocatable(normalised: text) }
        if let (road, number) = Geocoder.parseHouseNumber(text), let match = houseNumber(road: road, number: number) {
            return .located(match)
        }
        if let match = longestExactPrefix(text) { return .located(match) }
        if let match = fuzzy(Geocoder.stripPosition(text)) { return .located(match) }
        return .unlocatable(normalised: text)
    }

    // MARK: Steps

    private func houseNumber(road: String, number: String) -> GeocodeMatch? {
        var roads: [(Int, Double)] = (byName[road] ?? []).filter { entries[$0].kind == .road }.map { ($0, 1.0) }
        if roads.isEmpty, let best = bestFuzzy(road, kinds: [.road]) { roads = [(best.index, best.score)] }
        for (index, score) in roads {
            let roadEntry = entries[index]
            if let house = houses["\(Geocoder.normalise(roadEntry.name))|\(number)"] {
                return GeocodeMatch(entry: entries[house], matchedName: entries[house].name, method: .houseNumber, score: score)
            }
        }
        // A number the gazetteer does not know: the road itself is the best we can say.
        guard let (index, score) = roads.first else { return nil }
        return GeocodeMatch(entry: entries[index], matchedName: entries[index].name, method: .road, score: score)
    }

    private func longestExactPrefix(_ text: String) -> GeocodeMatch? {
        let characters = Array(text)
        var length = characters.count
        while length >= 2 {
            let prefix = String(characters[0..<length])
            if let indices = byName[prefix], let index = preferred(indices) {
                return GeocodeMatch(entry: entries[index], matchedName: displayName(of: entries[index], key: prefix),
                                    method: Geocoder.method(for: entries[index].kind), score: 1)
            }
            length -= 1
        }
        return nil
    }

    private func fuzzy(_ core: String) -> GeocodeMatch? {
        // Two characters ("市里", "河边") are too little to correct safely.
        guard core.count >= 3, let best = bestFuzzy(core, kinds: [.poi, .area, .road]) else { return nil }
        let entry = entries[best.index]
        return GeocodeMatch(entry: entry, matchedName: displayName(of: entry, key: best.name), method: Geocoder.method(for: entry.kind),
                            score: best.score)
    }

    private func bestFuzzy(_ query: String, kinds: Set<GazetteerKind>) -> (index: Int, name: String, score: Double)? {
        let q = Array(query)
        var best: (index: Int, name: String, score: Double)?
        for candidate in fuzzyNames where kinds.contains(entries[candidate.index].kind) {
            let score = Geocoder.similarity(q, candidate.name)
            if score > (best?.score ?? 0) { best = (candidate.index, candidate.text, score) }
        }
        guard let best, best.score >= threshold else { return nil }
        return best
    }

    /// POIs and areas name a spot; roads are long, so they lose ties.
    private func preferred(_ indices: [Int]) -> Int? {
        indices.first { entries[$0].kind != .road } ?? indices.first
    }

    private func displayName(of entry: GazetteerEntry, key: String) -> String {
        ([entry.name] + entry.historicalNames).first { Geocoder.normalise($0) == key } ?? entry.name
    }

    static func method(for kind: GazetteerKind) -> LocationMethod {
        switch kind {
        case .houseNumber: .houseNumber
        case .poi: .poi
        case .road: .road
        case .area: .area
        }
    }

    // MARK: Text

    /// Full-width ASCII to half-width, no spaces or punctuation, lower case, `號`/`号楼` → `号`.
    public static func normalise(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            var s = scalar
            if (0xFF01...0xFF5E).contains(s.value), let half = Unicode.Scalar(s.value - 0xFEE0) { s = half }
            if s.properties.isWhitespace || CharacterSet.punctuationCharacters.contains(s) || CharacterSet.symbols.contains(s) { continue }
            scalars.append(s)
        }
        return String(scalars).lowercased().replacingOccurrences(of: "號", with: "号").replacingOccurrences(of: "号楼", with: "号")
    }

    /// `012` → `12`.
    static func normaliseNumber(_ number: String) -> String {
        let trimmed = number.drop { $0 == "0" }
        return trimmed.isEmpty ? number : String(trimmed)
    }

    /// Finds `<road><digits>号` in normalised text.
    public static func parseHouseNumber(_ text: String) -> (road: String, number: String)? {
        let characters = Array(text)
        var i = 0
        while i < characters.count {
            if characters[i].isASCII, characters[i].isNumber {
                var j = i
                while j < characters.count, characters[j].isASCII, characters[j].isNumber { j += 1 }
                if i > 0, j < characters.count, characters[j] == "号" {
                    return (String(characters[0..<i]), normaliseNumber(String(characters[i..<j])))
                }
                i = j
            } else {
                i += 1
            }
        }
        return nil
    }

    /// Removes trailing position words (`门口`, `西侧`, `停车场入口`…), repeatedly.
    public static func stripPosition(_ text: String) -> String {
        var current = text
        var changed = true
        while changed {
            changed = false
            for suffix in positionSuffixes where current.hasSuffix(suffix) && current.count > suffix.count + 1 {
                current = String(current.dropLast(suffix.count))
                changed = true
                break
            }
        }
        return current
    }

    /// Similarity in 0…1: the better of edit-distance similarity and an abbreviation score
    /// (the query's characters appear in order in the name, first character equal: 内师大 → 内蒙古师范大学).
    public static func similarity(_ a: [Character], _ b: [Character]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        let edit = 1 - Double(levenshtein(a, b)) / Double(max(a.count, b.count))
        var abbreviation = 0.0
        if a.count >= 3, a.count < b.count, a.first == b.first, isSubsequence(a, of: b) {
            abbreviation = 0.5 + 0.5 * Double(a.count) / Double(b.count)
        }
        return max(edit, abbreviation)
    }

    static func levenshtein(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    static func isSubsequence(_ a: [Character], of b: [Character]) -> Bool {
        var i = 0
        for c in b where i < a.count && c == a[i] { i += 1 }
        return i == a.count
    }
}
