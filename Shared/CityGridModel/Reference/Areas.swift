/// A county-level district (区), 6-digit GB/T 2260 code (`districts.csv`).
public struct District: Hashable, Sendable, Codable {
    /// E.g. `150102`.
    public var code: String
    /// Chinese name.
    public var name: String
    /// English name.
    public var nameEn: String
    /// Code of its district-government department (fallback for 无责任主体), e.g. `GOV-150102`.
    public var governmentDepartment: String
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(code: String, name: String, nameEn: String, governmentDepartment: String, source: ReferenceSource) {
        self.code = code
        self.name = name
        self.nameEn = nameEn
        self.governmentDepartment = governmentDepartment
        self.source = source
    }
}

/// A street (街道), 9-digit code = district + 3 digits (`streets.csv`).
public struct Street: Hashable, Sendable, Codable {
    /// E.g. `150102001`.
    public var code: String
    /// District (6 digits).
    public var districtCode: String
    /// Chinese name.
    public var name: String
    /// Code of its street-office department (属地 handler), e.g. `STREET-150102001`.
    public var officeDepartment: String
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(code: String, districtCode: String, name: String, officeDepartment: String, source: ReferenceSource) {
        self.code = code
        self.districtCode = districtCode
        self.name = name
        self.officeDepartment = officeDepartment
        self.source = source
    }
}

/// A community (社区), 12-digit code = street + 3 digits (`communities.csv`).
public struct Community: Hashable, Sendable, Codable {
    /// E.g. `150102001001`.
    public var code: String
    /// Street (9 digits).
    public var streetCode: String
    /// Chinese name.
    public var name: String
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(code: String, streetCode: String, name: String, source: ReferenceSource) {
        self.code = code
        self.streetCode = streetCode
        self.name = name
        self.source = source
    }
}

/// A unit grid (单元网格, ~10,000 m²) with its validity period (`grids.csv`).
///
/// Code: 15 digits = community (12) + 3-digit sequence, numbered west→east, north→south inside the
/// community (grids added later by a split take the next free numbers). A grid is valid on dates
/// `validFrom <= d < validTo`; a retired grid names the grids that replaced it. KPIs of past
/// periods keep using the grids valid then.
public struct UnitGrid: Hashable, Sendable, Codable {
    /// 15-digit grid code.
    public var code: String
    /// Community (12 digits).
    public var communityCode: String
    /// Area class, selecting the A/B/C time limits.
    public var areaClass: AreaClass
    /// Land-use class, e.g. `residential`, `commercial`, `mixed`, `public_service`, `green_square`,
    /// `industrial`, `transport` (see the reference-data README).
    public var landUse: String
    /// Area in m² as recorded (checked against the polygon by the loader).
    public var areaSquareMetres: Double
    /// First valid date (inclusive).
    public var validFrom: CivilDate
    /// First date no longer valid (exclusive); `nil` while current.
    public var validTo: CivilDate?
    /// Grids that replaced this one (split or merge), empty while current.
    public var replacedBy: [String]
    /// Boundary, WGS84.
    public var polygon: GeoPolygon
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(code: String, communityCode: String, areaClass: AreaClass, landUse: String, areaSquareMetres: Double,
                validFrom: CivilDate, validTo: CivilDate?, replacedBy: [String], polygon: GeoPolygon, source: ReferenceSource) {
        self.code = code
        self.communityCode = communityCode
        self.areaClass = areaClass
        self.landUse = landUse
        self.areaSquareMetres = areaSquareMetres
        self.validFrom = validFrom
        self.validTo = validTo
        self.replacedBy = replacedBy
        self.polygon = polygon
        self.source = source
    }

    /// First 9 digits.
    public var streetCode: String { String(code.prefix(9)) }
    /// First 6 digits.
    public var districtCode: String { String(code.prefix(6)) }

    /// `true` if the grid is valid on `date`.
    public func isValid(on date: CivilDate) -> Bool {
        validFrom <= date && (validTo.map { date < $0 } ?? true)
    }
}

/// An in-memory point-in-grid index: grids bucketed by a coarse lon/lat raster, then bounding box,
/// then exact point-in-polygon. For services that do not use PostGIS and for validation.
public struct GridIndex: Sendable {
    private static let cell = 0.005  // degrees, ~400–550 m
    private let grids: [UnitGrid]
    private let buckets: [Bucket: [Int]]

    private struct Bucket: Hashable, Sendable {
        var x: Int
        var y: Int
    }

    /// Indexes the given grids (all versions).
    public init(_ grids: [UnitGrid]) {
        self.grids = grids
        var buckets: [Bucket: [Int]] = [:]
        for (i, grid) in grids.enumerated() {
            let lo = GridIndex.bucket(grid.polygon.min), hi = GridIndex.bucket(grid.polygon.max)
            for x in lo.x...hi.x {
                for y in lo.y...hi.y { buckets[Bucket(x: x, y: y), default: []].append(i) }
            }
        }
        self.buckets = buckets
    }

    /// The grid containing `point`, valid on `date` if given (else any version, current first).
    public func grid(containing point: GeoPoint, on date: CivilDate? = nil) -> UnitGrid? {
        grids(containing: point, on: date).first
    }

    /// All grids containing `point` (valid on `date` if given), current versions first, then by code.
    /// More than one result on a date means overlapping grids.
    public func grids(containing point: GeoPoint, on date: CivilDate? = nil) -> [UnitGrid] {
        (buckets[GridIndex.bucket(point)] ?? []).map { grids[$0] }
            .filter { grid in (date.map { grid.isValid(on: $0) } ?? true) && grid.polygon.contains(point) }
            .sorted { ($0.validTo == nil ? 0 : 1, $0.code) < ($1.validTo == nil ? 0 : 1, $1.code) }
    }

    private static func bucket(_ p: GeoPoint) -> Bucket {
        Bucket(x: Int((p.lon / cell).rounded(.down)), y: Int((p.lat / cell).rounded(.down)))
    }
}
