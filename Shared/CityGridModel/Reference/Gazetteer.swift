import Foundation

/// Kind of a gazetteer entry (基本地点).
public enum GazetteerKind: String, Sendable, Codable, CaseIterable {
    /// 街巷: a road, with a representative point and usually a centre line.
    case road
    /// 门(楼)牌: a house number on a road.
    case houseNumber = "house_number"
    /// 兴趣点: a named place (museum, station, square, school…).
    case poi
    /// 区域/地片: a named area (community, quarter), located by a representative point.
    case area
}

/// One entry of the gazetteer (`gazetteer.csv`), used to geocode text addresses.
public struct GazetteerEntry: Hashable, Sendable, Codable {
    /// Unique id.
    public var id: String
    /// Road, house number, POI or area.
    public var kind: GazetteerKind
    /// Current name, e.g. 海拉尔东路, 海拉尔东路23号, 新华广场.
    public var name: String
    /// For house numbers: the road's current name.
    public var road: String?
    /// For house numbers: the number as written ("23").
    public var houseNumber: String?
    /// District (6 digits).
    public var districtCode: String
    /// Representative point; always inside a unit grid.
    public var location: GeoPoint
    /// Centre line, for roads.
    public var line: GeoLine?
    /// Former names (e.g. 新华广场 was 人民广场), so that old addresses still match.
    public var historicalNames: [String]
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(id: String, kind: GazetteerKind, name: String, road: String?, houseNumber: String?, districtCode: String,
                location: GeoPoint, line: GeoLine?, historicalNames: [String], source: ReferenceSource) {
        self.id = id
        self.kind = kind
        self.name = name
        self.road = road
        self.houseNumber = houseNumber
        self.districtCode = districtCode
        self.location = location
        self.line = line
        self.historicalNames = historicalNames
        self.source = source
    }
}

/// A demo report with the dispatch a correct router must produce (`labelled-reports.csv`), for
/// measuring dispatch accuracy (准确派遣率).
public struct LabelledReport: Hashable, Sendable, Codable {
    /// Unique id.
    public var id: String
    /// When the report came in; selects the grid version.
    public var reportedAt: Date
    /// `supervisor`, `app`, `video`, `12345`, `12319`, `110`.
    public var channel: String
    /// Text address as a citizen would give it (may contain typos or former names).
    public var address: String?
    /// Position, WGS84.
    public var location: GeoPoint?
    /// The class the reporter chose.
    public var classKey: ClassKey
    /// The component named by the report, if any.
    public var componentCode: String?
    public var description: String
    /// The grid the report lies in on its date; `nil` if it cannot be located.
    public var expectedGrid: String?
    /// The department a correct router chooses; `nil` means manual dispatch.
    public var expectedDepartment: String?
    /// How the case was made: `gps`, `component`, `text`, `typo`, `historical`, `unlocatable`.
    public var caseType: String
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(id: String, reportedAt: Date, channel: String, address: String?, location: GeoPoint?, classKey: ClassKey,
                componentCode: String?, description: String, expectedGrid: String?, expectedDepartment: String?, caseType: String,
                source: ReferenceSource) {
        self.id = id
        self.reportedAt = reportedAt
        self.channel = channel
        self.address = address
        self.location = location
        self.classKey = classKey
        self.componentCode = componentCode
        self.description = description
        self.expectedGrid = expectedGrid
        self.expectedDepartment = expectedDepartment
        self.caseType = caseType
        self.source = source
    }
}

/// The city itself (`city.csv`).
public struct CityInfo: Hashable, Sendable, Codable {
    /// Prefecture code, e.g. `150100`.
    public var code: String
    /// City name.
    public var name: String
    /// IANA zone for calendars, e.g. `Asia/Shanghai`.
    public var timeZoneIdentifier: String
    /// Must equal the `VERSION` file.
    public var dataVersion: String
    /// `true` for generated demo data.
    public var isDemo: Bool

    /// Creates a value as given; validation is the loader's job.
    public init(code: String, name: String, timeZoneIdentifier: String, dataVersion: String, isDemo: Bool) {
        self.code = code
        self.name = name
        self.timeZoneIdentifier = timeZoneIdentifier
        self.dataVersion = dataVersion
        self.isDemo = isDemo
    }
}
