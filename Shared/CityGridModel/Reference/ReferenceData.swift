import Foundation

/// Everything a city configures, loaded and validated: class tree, filing conditions and stage
/// limits, departments, responsibility rules, working calendar, districts → streets → communities
/// → unit grids, the component register, the gazetteer and the labelled demo reports; and for the
/// hotline, its category mapping, the class terms and the labelled citizen texts.
///
/// Values only; the single piece of I/O is ``load(from:progress:)``. Lookups are dictionary-based.
public struct ReferenceData: Sendable {
    /// Content of the `VERSION` file, e.g. `2026.1-demo`.
    public let version: String
    /// The city (`city.csv`).
    public let city: CityInfo
    /// The class tree, every level.
    public let classes: [CaseClass]
    /// All filing conditions.
    public let filingConditions: [FilingCondition]
    /// The limits of the stage clocks.
    public let stageLimits: [StageLimit]
    /// What a return visit does to a closed case (`return-visit-policy.csv`).
    public let returnVisitPolicy: ReturnVisitPolicy
    /// Departments, utilities, street offices, district governments.
    public let departments: [Department]
    /// The routing rules.
    public let responsibilityRules: [ResponsibilityRule]
    /// The working-time calendar in the city's zone, as it stands now: an imported notice
    /// replaces it in a running service (see ``liveCalendar``).
    public var calendar: WorkingCalendar { liveCalendar.current }
    /// The calendar every copy of this value shares. Services hold reference data by value in
    /// many places; sharing one box lets an import reach all of them at once.
    public let liveCalendar: LiveCalendar
    /// Districts.
    public let districts: [District]
    /// Streets.
    public let streets: [Street]
    /// Communities.
    public let communities: [Community]
    /// All grid versions, current and retired.
    public let grids: [UnitGrid]
    /// The component register.
    public let components: [ComponentRecord]
    /// Roads, house numbers, POIs and areas.
    public let gazetteer: [GazetteerEntry]
    /// Demo reports with expected dispatch (may be empty).
    public let labelledReports: [LabelledReport]
    /// The 12345 hotline's category tree mapped to classes (`hotline-categories.csv`; empty when absent).
    public let hotlineCategories: HotlineCategoryTable
    /// Words callers use for classes (`class-terms.csv`; may be empty).
    public let classTerms: [ClassTerm]
    /// Labelled citizen texts that train and test the class suggestions (`citizen-texts.csv`; may be empty).
    public let citizenTexts: [LabelledCitizenText]
    /// The rules as a ready resolver.
    public let resolver: ResponsibilityResolver
    /// Point-in-grid index over all grid versions.
    public let gridIndex: GridIndex

    private let classByKey: [ClassKey: CaseClass]
    private let conditionsByClass: [ClassKey: [FilingCondition]]
    private let conditionById: [String: FilingCondition]
    private let stageLimitByStage: [TimedStage: StageLimit]
    private let departmentByCode: [String: Department]
    private let districtByCode: [String: District]
    private let streetByCode: [String: Street]
    private let communityByCode: [String: Community]
    private let gridByCode: [String: UnitGrid]
    private let componentByCode: [String: ComponentRecord]
    private let gazetteerByName: [String: [Int]]
    private let houseNumberIndex: [String: Int]

    /// Builds the lookups over already validated data. ``load(from:progress:)`` is the usual way in.
    public init(version: String, city: CityInfo, classes: [CaseClass], filingConditions: [FilingCondition], stageLimits: [StageLimit],
                returnVisitPolicy: ReturnVisitPolicy, departments: [Department], responsibilityRules: [ResponsibilityRule],
                calendar: WorkingCalendar, districts: [District], streets: [Street], communities: [Community], grids: [UnitGrid],
                components: [ComponentRecord], gazetteer: [GazetteerEntry], labelledReports: [LabelledReport],
                hotlineCategories: [HotlineCategoryRow] = [], classTerms: [ClassTerm] = [], citizenTexts: [LabelledCitizenText] = []) {
        self.version = version
        self.city = city
        self.classes = classes
        self.filingConditions = filingConditions
        self.stageLimits = stageLimits
        self.returnVisitPolicy = returnVisitPolicy
        self.departments = departments
        self.responsibilityRules = responsibilityRules
        self.liveCalendar = LiveCalendar(calendar)
        self.districts = districts
        self.streets = streets
        self.communities = communities
        self.grids = grids
        self.components = components
        self.gazetteer = gazetteer
        self.labelledReports = labelledReports
        self.hotlineCategories = HotlineCategoryTable(rows: hotlineCategories)
        self.classTerms = classTerms
        self.citizenTexts = citizenTexts
        resolver = ResponsibilityResolver(rules: responsibilityRules, departmentCodes: Set(departments.map(\.code)))
        gridIndex = GridIndex(grids)

        classByKey = Dictionary(classes.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        conditionsByClass = Dictionary(grouping: filingConditions, by: \.classKey)
        conditionById = Dictionary(filingConditions.map { ("\($0.kind.rawValue):\($0.id)", $0) }, uniquingKeysWith: { first, _ in first })
        stageLimitByStage = Dictionary(stageLimits.map { ($0.stage, $0) }, uniquingKeysWith: { first, _ in first })
        departmentByCode = Dictionary(departments.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        districtByCode = Dictionary(districts.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        streetByCode = Dictionary(streets.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        communityByCode = Dictionary(communities.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        gridByCode = Dictionary(grids.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        componentByCode = Dictionary(components.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        var byName: [String: [Int]] = [:]
        var houses: [String: Int] = [:]
        for (i, entry) in gazetteer.enumerated() {
            for name in [entry.name] + entry.historicalNames { byName[name, default: []].append(i) }
            if entry.kind == .houseNumber, let road = entry.road, let number = entry.houseNumber {
                houses["\(road)|\(number)"] = i
            }
        }
        gazetteerByName = byName
        houseNumberIndex = houses
    }

    // MARK: Classes and conditions

    /// A node of the class tree (any level).
    public func caseClass(_ key: ClassKey) -> CaseClass? { classByKey[key] }

    /// A sub-class (level 2) or third-level class; `nil` for majors and unknown codes.
    public func subclass(_ kind: ClassKind, _ code: String) -> CaseClass? {
        guard code.count >= 4 else { return nil }
        return classByKey[ClassKey(kind, code)]
    }

    /// Direct children of a node, by code.
    public func children(of key: ClassKey) -> [CaseClass] {
        classes.filter { $0.key.parent == key }.sorted { $0.code < $1.code }
    }

    /// The filing conditions of a class, by id. A third-level class without its own conditions
    /// inherits those of its sub-class.
    public func filingConditions(for key: ClassKey) -> [FilingCondition] {
        if let own = conditionsByClass[key], !own.isEmpty { return own.sorted { $0.id < $1.id } }
        guard key.level == 3, let parent = key.parent else { return [] }
        return filingConditions(for: parent)
    }

    /// A filing condition by kind and id (`0101-01`).
    public func filingCondition(_ kind: ClassKind, id: String) -> FilingCondition? {
        conditionById["\(kind.rawValue):\(id)"]
    }

    /// The limit of one stage's clock.
    public func stageLimit(_ stage: TimedStage) -> StageLimit? { stageLimitByStage[stage] }

    // MARK: Departments and areas

    /// A department, street office, utility or district government by code.
    public func department(_ code: String) -> Department? { departmentByCode[code] }
    /// A district by its 6-digit code.
    public func district(_ code: String) -> District? { districtByCode[code] }
    /// A street by its 9-digit code.
    public func street(_ code: String) -> Street? { streetByCode[code] }
    /// A community by its 12-digit code.
    public func community(_ code: String) -> Community? { communityByCode[code] }

    /// A grid version by its 15-digit code.
    public func grid(_ code: String) -> UnitGrid? { gridByCode[code] }

    /// The grids valid on `date`, by code.
    public func grids(validOn date: CivilDate) -> [UnitGrid] { grids.filter { $0.isValid(on: date) } }

    /// The grid valid on `date` that contains `point`, if any.
    public func grid(containing point: GeoPoint, on date: CivilDate) -> UnitGrid? {
        gridIndex.grid(containing: point, on: date)
    }

    /// The administrative chain of a grid and its territorial handlers.
    public struct Territory: Hashable, Sendable, Codable {
        /// The grid (15 digits).
        public var gridCode: String
        /// Community (12 digits).
        public var communityCode: String
        /// Street (9 digits).
        public var streetCode: String
        /// District (6 digits).
        public var districtCode: String
        /// Street-office department code (属地).
        public var streetOffice: String
        /// District-government department code (fallback).
        public var districtGovernment: String
    }

    /// Community, street, district and their handlers for a grid code.
    public func territory(ofGrid code: String) -> Territory? {
        guard let grid = gridByCode[code], let street = streetByCode[grid.streetCode], let district = districtByCode[grid.districtCode]
        else { return nil }
        return Territory(gridCode: code, communityCode: grid.communityCode, streetCode: street.code, districtCode: district.code,
                         streetOffice: street.officeDepartment, districtGovernment: district.governmentDepartment)
    }

    /// Routing in one call: owner from the component register (if `componentCode` is known),
    /// territory from `gridCode` (if known), then ``ResponsibilityResolver/resolve(subclass:componentOwner:streetOffice:districtGovernment:)``.
    public func resolve(subclass: ClassKey, componentCode: String? = nil, gridCode: String?) -> Resolution {
        let component = componentCode.flatMap { componentByCode[$0] }
        let place = (gridCode ?? component?.gridCode).flatMap { self.territory(ofGrid: $0) }
        return resolver.resolve(subclass: subclass, componentOwner: component?.ownerDepartment,
                                streetOffice: place?.streetOffice, districtGovernment: place?.districtGovernment)
    }

    // MARK: Components and gazetteer

    /// A component by its 16-digit code.
    public func component(_ code: String) -> ComponentRecord? { componentByCode[code] }

    /// Gazetteer entries whose current or historical name is exactly `name`.
    public func gazetteerEntries(named name: String) -> [GazetteerEntry] {
        (gazetteerByName[name] ?? []).map { gazetteer[$0] }
    }

    /// A house number on a road; the road may be given by a current or historical name.
    public func houseNumber(road: String, number: String) -> GazetteerEntry? {
        if let i = houseNumberIndex["\(road)|\(number)"] { return gazetteer[i] }
        for roadEntry in gazetteerEntries(named: road) where roadEntry.kind == .road && roadEntry.name != road {
            if let i = houseNumberIndex["\(roadEntry.name)|\(number)"] { return gazetteer[i] }
        }
        return nil
    }
}
