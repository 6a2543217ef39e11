import Foundation

/// The words callers use for each class (`class-terms.csv`): a text scores, for each class, the
/// sum of the weights of the class's terms it contains (each term once, however often it occurs).
///
/// Terms are matched on the prepared text (``SuggestionText``), so "消火栓" matches "消 火 栓" and
/// "KTV" matches "ktv". A term may belong to several classes (井盖 to every cover class): it then
/// adds to each, and the other words decide.
public struct ClassTermDictionary: Sendable {
    /// What the dictionary found for one class.
    public struct Hit: Sendable, Equatable {
        public var classKey: ClassKey
        /// Sum of the weights of the terms found.
        public var weight: Double
        /// The terms found, as written in the dictionary, in dictionary order.
        public var terms: [String]
    }

    private let entries: [(normalised: String, term: ClassTerm)]

    public init(terms: [ClassTerm]) {
        entries = terms.compactMap { term in
            let key = SuggestionText.normalisedString(term.term, foldDigits: false)
            return key.isEmpty ? nil : (normalised: key, term: term)
        }
    }

    /// How many terms it holds.
    public var count: Int { entries.count }

    /// The classes whose terms occur in `text`, heaviest first (ties by class).
    public func hits(in text: String) -> [Hit] {
        let prepared = SuggestionText.normalisedString(text, foldDigits: false)
        var byClass: [ClassKey: Hit] = [:]
        var seen: Set<String> = []
        for (key, term) in entries where prepared.contains(key) {
            // The same term listed twice for one class counts once.
            guard seen.insert("\(term.classKey)|\(key)").inserted else { continue }
            byClass[term.classKey, default: Hit(classKey: term.classKey, weight: 0, terms: [])].weight += term.weight
            byClass[term.classKey]!.terms.append(term.term)
        }
        return byClass.values.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.classKey < $1.classKey }
    }
}
