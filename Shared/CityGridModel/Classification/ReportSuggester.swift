import Foundation

/// Suggests a report's class and place from its free text, for the acceptor.
///
/// Class: the term dictionary (`class-terms.csv`) and the character n-gram classifier (trained on
/// the non-held-out rows of `citizen-texts.csv`) each give every class a share; the ranking is
/// `(1 − λ) · classifier + λ · dictionary`, with λ = ``dictionaryWeight`` when any term matched and
/// 0 otherwise. The dictionary knows words the few training texts may lack; the classifier reads
/// everything else the caller said. Place: ``PlaceSpotter`` over the gazetteer, each place with the
/// grid its point lies in.
///
/// Pure: built from reference data once (training takes milliseconds), then read-only.
public struct ReportSuggester: Sendable {
    /// λ: the dictionary's part of the ranking when it found a term.
    public static let dictionaryWeight = 0.5
    /// How many classes and places a suggestion carries.
    public static let limit = 3

    public let classifier: CharNGramClassifier<ClassKey>
    public let dictionary: ClassTermDictionary
    public let spotter: PlaceSpotter
    public let basis: ReportSuggestions.Basis
    private let gridIndex: GridIndex?

    /// Trains on `texts` that are not held out.
    public init(texts: [LabelledCitizenText], terms: [ClassTerm], gazetteer: [GazetteerEntry], gridIndex: GridIndex?) {
        let training = texts.filter { !$0.heldOut }
        classifier = CharNGramClassifier(training: training.map { ($0.text, $0.classKey) })
        dictionary = ClassTermDictionary(terms: terms)
        spotter = PlaceSpotter(gazetteer: gazetteer)
        self.gridIndex = gridIndex
        let newest = training.compactMap { TableVersion($0.version) }.max()
        basis = ReportSuggestions.Basis(corpusVersion: newest?.description, trainingTexts: training.count, terms: dictionary.count)
    }

    /// From a city's reference data (`citizen-texts.csv`, `class-terms.csv`, the gazetteer and grids).
    public init(reference: ReferenceData) {
        self.init(texts: reference.citizenTexts, terms: reference.classTerms, gazetteer: reference.gazetteer, gridIndex: reference.gridIndex)
    }

    /// Whether it can rank classes at all (it has training texts or terms).
    public var canSuggestClasses: Bool { !classifier.labels.isEmpty || dictionary.count > 0 }

    /// Every class either part knows, ranked best first (ties by class).
    public func rankClasses(_ text: String) -> [ReportSuggestions.ClassSuggestion] {
        let shares = Dictionary(classifier.shares(text).map { ($0.label, $0.share) }, uniquingKeysWith: +)
        let hits = dictionary.hits(in: text)
        let total = hits.reduce(0) { $0 + $1.weight }
        let lambda = total > 0 ? Self.dictionaryWeight : 0
        var byClass: [ClassKey: ReportSuggestions.ClassSuggestion] = [:]
        for (key, share) in shares {
            byClass[key] = .init(kind: key.kind, classCode: key.code, score: (1 - lambda) * share, classifier: share, dictionary: 0, terms: [])
        }
        for hit in hits {
            let part = hit.weight / total
            var entry = byClass[hit.classKey] ?? .init(kind: hit.classKey.kind, classCode: hit.classKey.code, score: 0, classifier: 0,
                                                       dictionary: 0, terms: [])
            entry.dictionary = part
            entry.score += lambda * part
            entry.terms = hit.terms
            byClass[hit.classKey] = entry
        }
        return byClass.values.sorted { $0.score != $1.score ? $0.score > $1.score : $0.classKey < $1.classKey }
    }

    /// The suggestions for a report: the best ``limit`` classes and places, scores rounded to three
    /// decimals (they are shown, not computed with). `date` picks the grid version of each place.
    public func suggest(_ text: String, on date: CivilDate?) -> ReportSuggestions {
        func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        let classes = rankClasses(text).prefix(Self.limit).map { suggestion -> ReportSuggestions.ClassSuggestion in
            var s = suggestion
            s.score = rounded(s.score)
            s.classifier = rounded(s.classifier)
            s.dictionary = rounded(s.dictionary)
            return s
        }
        let places = spotter.spot(text, limit: Self.limit).map { match in
            let point = match.entry.location
            let grid = gridIndex?.grid(containing: point, on: date)?.code
            return ReportSuggestions.PlaceSuggestion(name: match.entry.name, matched: match.matched, kind: match.entry.kind,
                                                     longitude: point.lon, latitude: point.lat, gridCode: grid,
                                                     districtCode: match.entry.districtCode, score: rounded(match.score))
        }
        return ReportSuggestions(classes: Array(classes), places: places, basis: basis)
    }
}
