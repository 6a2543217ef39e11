import Foundation

/// A character n-gram text classifier: TF-IDF vectors of character 1-, 2- and 3-grams, compared
/// by cosine with one centroid per label (nearest centroid, "Rocchio").
///
/// Why this and not naive Bayes: with five to ten texts per class, a multinomial naive Bayes over
/// 1–3-grams was dominated by the callers' filler (喂, 那个, 就是, 你好 …) and by how long each
/// class's texts happened to be; on the held-out texts it ranked the right class first for about
/// a third of them. IDF weighting discounts the filler every class shares, and normalising each
/// text and each centroid takes length out, which roughly doubled top-1 on the same split. Each
/// n-gram order is normalised on its own and weighted (1-grams 1, 2-grams ½, 3-grams ¼): the
/// longer grams are sparse at this size, so they refine the ranking rather than lead it.
///
/// Pure and deterministic: trained once in `init`, then read-only.
public struct CharNGramClassifier<Label: Hashable & Sendable & Comparable>: Sendable {
    /// The n-gram orders and their weights.
    public let orders: [(n: Int, weight: Double)]
    /// The labels seen in training, sorted.
    public let labels: [Label]
    /// How many texts trained it.
    public let trainingCount: Int

    struct Feature: Sendable {
        var index: Int
        var idf: Double
    }
    private let features: [String: Feature]
    private let centroids: [Label: [Int: Double]]

    /// Trains on labelled texts.
    public init(training: [(text: String, label: Label)], orders: [(n: Int, weight: Double)] = [(1, 1), (2, 0.5), (3, 0.25)]) {
        self.orders = orders
        trainingCount = training.count
        let grams = training.map { Self.grams(of: $0.text, orders: orders) }
        var documentFrequency: [String: Int] = [:]
        for document in grams {
            for gram in Set(document.flatMap { $0 }) { documentFrequency[gram, default: 0] += 1 }
        }
        let n = Double(training.count)
        var features: [String: Feature] = [:]
        for (gram, df) in documentFrequency.sorted(by: { $0.key < $1.key }) {
            // Smoothed IDF: a gram in every text keeps weight 1, never 0.
            features[gram] = Feature(index: features.count, idf: log((n + 1) / (Double(df) + 1)) + 1)
        }
        self.features = features
        var sums: [Label: [Int: Double]] = [:]
        for (document, item) in zip(grams, training) {
            let vector = Self.vector(document, orders: orders, features: features)
            sums[item.label, default: [:]].merge(vector, uniquingKeysWith: +)
        }
        centroids = sums.mapValues(Self.unit)
        labels = sums.keys.sorted()
    }

    /// Every label with the cosine similarity (0…1) of `text` to its centroid, best first (ties by label).
    public func similarities(_ text: String) -> [(label: Label, similarity: Double)] {
        let vector = Self.vector(Self.grams(of: text, orders: orders), orders: orders, features: features)
        return labels.map { label in
            let centroid = centroids[label] ?? [:]
            var dot = 0.0
            for (index, value) in vector { dot += value * (centroid[index] ?? 0) }
            return (label: label, similarity: dot)
        }
        .sorted { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.label < $1.label }
    }

    /// The similarities as shares that sum to 1: a softmax with `temperature` (cosines of close
    /// classes differ by hundredths, so a small temperature is what separates them).
    public func shares(_ text: String, temperature: Double = 0.05) -> [(label: Label, share: Double)] {
        let ranked = similarities(text)
        guard let top = ranked.first?.similarity else { return [] }
        let exps = ranked.map { exp(($0.similarity - top) / temperature) }
        let total = exps.reduce(0, +)
        return zip(ranked, exps).map { (label: $0.label, share: $1 / total) }
    }

    // MARK: Vectors

    /// The grams of each order, of the text prepared with digits folded.
    static func grams(of text: String, orders: [(n: Int, weight: Double)]) -> [[String]] {
        let scalars = SuggestionText.normalise(text, foldDigits: true)
        return orders.map { order in
            guard scalars.count >= order.n else { return [] }
            return (0...(scalars.count - order.n)).map { SuggestionText.string(scalars[$0..<($0 + order.n)]) }
        }
    }

    /// Sublinear TF × IDF per order, each order scaled to length `weight`, over known grams only.
    static func vector(_ grams: [[String]], orders: [(n: Int, weight: Double)], features: [String: Feature]) -> [Int: Double] {
        var vector: [Int: Double] = [:]
        for (order, list) in zip(orders, grams) {
            var counts: [Int: (count: Int, idf: Double)] = [:]
            for gram in list {
                guard let feature = features[gram] else { continue }
                counts[feature.index, default: (0, feature.idf)].count += 1
            }
            var part: [Int: Double] = [:]
            for (index, entry) in counts { part[index] = (1 + log(Double(entry.count))) * entry.idf }
            let norm = part.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { continue }
            for (index, value) in part { vector[index, default: 0] += order.weight * value / norm }
        }
        return vector
    }

    static func unit(_ vector: [Int: Double]) -> [Int: Double] {
        let norm = vector.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.mapValues { $0 / norm } : vector
    }
}
