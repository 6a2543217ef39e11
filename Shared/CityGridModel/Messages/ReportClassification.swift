import Foundation

// Parts of the intake messages about how a report got its class: the hotline's own category
// (`HotlineReport.hotlineCategory`), what the mapping table made of it, and the suggestions shown
// to the acceptor (`CaseReported.hotlineCategory`, `.classSource`, `.suggestions`). All optional
// additions to v1; docs/asyncapi.yaml has their schemas.

/// A ticket's category in the hotline's own tree, as the platform sends it.
public struct HotlineCategory: Codable, Sendable, Hashable {
    /// The platform's code (`010101`).
    public var code: String
    /// The platform's names down to the category (`城乡建设 > 市容环卫 > 道路不洁`), as it sends them.
    public var path: String?

    public init(code: String, path: String? = nil) {
        self.code = code
        self.path = path
    }
}

/// What intake made of a ticket's hotline category with the mapping table
/// (``HotlineCategoryTable/resolve(code:path:)``).
public struct HotlineCategoryDecision: Codable, Sendable, Hashable {
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        /// The table maps the category to a class (and maybe a filing condition).
        case mapped
        /// The table gives no class: unknown code, a category the acceptor classifies, or a retired one.
        case unmapped
        /// Outside city management: the acceptor sends it back to the hotline (退回).
        case notOurs = "not_ours"
    }

    /// Why a category is unmapped.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// Neither the code nor a not-ours ancestor is in the table.
        case unknownCode = "unknown_code"
        /// The table says the acceptor classifies tickets of this category.
        case acceptor
        /// The platform retired the category in a later version of its tree.
        case retired
    }

    /// The code as the hotline sent it.
    public var code: String
    /// The path as the hotline sent it.
    public var path: String?
    /// The table's names for the code and its known ancestors.
    public var tablePath: String?
    public var outcome: Outcome
    /// For `unmapped`.
    public var reason: Reason?
    /// The table code whose row decided: the code itself, or the not-ours ancestor.
    public var decidedBy: String?
    /// The table version that decided (its newest version).
    public var mappingVersion: String?
    /// The mapping (`mapped` only).
    public var kind: ClassKind?
    public var classCode: String?
    public var conditionId: String?
    /// Who handles a not-ours ticket instead, for the return to the hotline.
    public var competentBody: String?

    public init(code: String, path: String?, tablePath: String?, outcome: Outcome, reason: Reason?, decidedBy: String?,
                mappingVersion: String?, kind: ClassKind? = nil, classCode: String? = nil, conditionId: String? = nil,
                competentBody: String? = nil) {
        self.code = code
        self.path = path
        self.tablePath = tablePath
        self.outcome = outcome
        self.reason = reason
        self.decidedBy = decidedBy
        self.mappingVersion = mappingVersion
        self.kind = kind
        self.classCode = classCode
        self.conditionId = conditionId
        self.competentBody = competentBody
    }
}

/// Where a case's class came from.
public enum ClassSource: String, Codable, Sendable, CaseIterable {
    /// The reporter chose it (a supervisor, an app, a hotline agent naming a CityGrid class). Also
    /// what a report without this field means.
    case reporter
    /// The hotline's category, through the mapping table.
    case hotlineMapping = "hotline_mapping"
    /// Nobody chose it: the best suggestion from the text, provisional until the acceptor decides.
    case suggestion
    /// The acceptor chose it when accepting the case (supervision; never sent by intake).
    case acceptor
}

/// Whether a new case waits in the acceptor's queue (待受理) instead of being accepted by the
/// centre's standing policy once located. One rule, read by intake (it does not link such a
/// report to an open case as a duplicate: that would decide its class) and applied by supervision.
public enum AcceptorHold {
    /// A class that came from a suggestion is only a guess, and a category outside city management
    /// must be sent back by a person: both wait for the acceptor.
    public static func required(classSource: ClassSource?, hotlineCategory: HotlineCategoryDecision?) -> Bool {
        classSource == .suggestion || hotlineCategory?.outcome == .notOurs
    }
}

/// Suggestions of class and place from a report's free text, for the acceptor. They never decide
/// alone: a case whose class had to come from them waits for the acceptor (``AcceptorHold``).
public struct ReportSuggestions: Codable, Sendable, Hashable {
    /// A class with its combined score and the two parts it came from.
    public struct ClassSuggestion: Codable, Sendable, Hashable {
        public var kind: ClassKind
        public var classCode: String
        /// 0…1: the share of this class in the combined ranking.
        public var score: Double
        /// The n-gram classifier's share (0…1).
        public var classifier: Double
        /// The term dictionary's share (0…1; 0 when no term matched).
        public var dictionary: Double
        /// The dictionary terms found in the text for this class.
        public var terms: [String]

        public init(kind: ClassKind, classCode: String, score: Double, classifier: Double, dictionary: Double, terms: [String]) {
            self.kind = kind
            self.classCode = classCode
            self.score = score
            self.classifier = classifier
            self.dictionary = dictionary
            self.terms = terms
        }

        public var classKey: ClassKey { ClassKey(kind, classCode) }
    }

    /// A gazetteer place named in the text.
    public struct PlaceSuggestion: Codable, Sendable, Hashable {
        /// The place's current name (a former name in the text still gives the current one).
        public var name: String
        /// The words of the text that matched (normalised).
        public var matched: String
        public var kind: GazetteerKind
        public var longitude: Double
        public var latitude: Double
        /// The unit grid the place's point lies in on the report's date.
        public var gridCode: String?
        public var districtCode: String
        /// 0…1: house numbers over POIs over areas over roads; a match with one wrong character scores less.
        public var score: Double

        public init(name: String, matched: String, kind: GazetteerKind, longitude: Double, latitude: Double, gridCode: String?,
                    districtCode: String, score: Double) {
            self.name = name
            self.matched = matched
            self.kind = kind
            self.longitude = longitude
            self.latitude = latitude
            self.gridCode = gridCode
            self.districtCode = districtCode
            self.score = score
        }
    }

    /// What the suggestions were made with.
    public struct Basis: Codable, Sendable, Hashable {
        /// Newest version among the training texts.
        public var corpusVersion: String?
        /// How many texts trained the classifier (held-out texts never do).
        public var trainingTexts: Int
        /// How many dictionary terms there are.
        public var terms: Int

        public init(corpusVersion: String?, trainingTexts: Int, terms: Int) {
            self.corpusVersion = corpusVersion
            self.trainingTexts = trainingTexts
            self.terms = terms
        }
    }

    /// The best classes, best first (at most three in messages).
    public var classes: [ClassSuggestion]
    /// The places named in the text, best first (at most three).
    public var places: [PlaceSuggestion]
    public var basis: Basis

    public init(classes: [ClassSuggestion], places: [PlaceSuggestion], basis: Basis) {
        self.classes = classes
        self.places = places
        self.basis = basis
    }
}
