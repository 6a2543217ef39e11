import CityGridModel
import Foundation

/// The unit grid a point lies in, with its administrative chain.
public struct GridHit: Sendable, Equatable {
    public var gridCode: String
    public var communityCode: String
    public var streetCode: String
    public var districtCode: String
    public var areaClass: AreaClass

    public init(gridCode: String, communityCode: String, streetCode: String, districtCode: String, areaClass: AreaClass) {
        self.gridCode = gridCode
        self.communityCode = communityCode
        self.streetCode = streetCode
        self.districtCode = districtCode
        self.areaClass = areaClass
    }

    /// From an in-memory grid version.
    public init(_ grid: UnitGrid) {
        self.init(gridCode: grid.code, communityCode: grid.communityCode, streetCode: grid.streetCode,
                  districtCode: grid.districtCode, areaClass: grid.areaClass)
    }
}

/// Where a case is: point, grid, how it was found.
public struct CaseLocation: Sendable, Equatable {
    public var point: GeoPoint
    public var grid: GridHit
    public var method: LocationMethod
    public var matchedName: String?
}

/// What a report says about its place, independent of the message format.
public struct ReportPlace: Sendable {
    public var componentCode: String?
    public var point: GeoPoint?
    public var address: String?

    public init(componentCode: String?, point: GeoPoint?, address: String?) {
        self.componentCode = componentCode
        self.point = point
        self.address = address
    }
}

/// Locates a report: the registered component's point, else the reported coordinates, else the
/// geocoded address; each candidate point must lie in a grid valid on the report's date. The grid
/// lookup is injected, so the service uses PostGIS and the accuracy evaluation the in-memory
/// index, with the same decision logic.
public struct Locator: Sendable {
    public let reference: ReferenceData
    public let geocoder: Geocoder

    public init(reference: ReferenceData, geocoder: Geocoder) {
        self.reference = reference
        self.geocoder = geocoder
    }

    /// - Returns: the location, or `nil` when no candidate lies in any grid (unlocatable).
    public func locate(_ place: ReportPlace, gridAt: (GeoPoint) throws -> GridHit?) rethrows -> CaseLocation? {
        for (point, method, name) in candidates(place) {
            if let grid = try gridAt(point) { return CaseLocation(point: point, grid: grid, method: method, matchedName: name) }
        }
        return nil
    }

    /// Candidate points, best first.
    func candidates(_ place: ReportPlace) -> [(GeoPoint, LocationMethod, String?)] {
        var result: [(GeoPoint, LocationMethod, String?)] = []
        if let code = place.componentCode, let component = reference.component(code) {
            result.append((component.location, .component, nil))
        }
        if let point = place.point, point.isValid { result.append((point, .coordinates, nil)) }
        if let address = place.address, !address.isEmpty, case .located(let match) = geocoder.geocode(address) {
            result.append((match.entry.location, match.method, match.matchedName))
        }
        return result
    }

    /// Grid + kind + class + normalised address: equal keys mark recurrences (重复发生).
    public static func recurrenceKey(gridCode: String, kind: ClassKind, classCode: String, address: String?) -> String {
        "\(gridCode):\(kind.rawValue)\(classCode):\(Geocoder.normalise(address ?? ""))"
    }
}
