import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import NIOCore

/// What the workbench draws and names: the unit grids as GeoJSON from PostGIS, and the city's
/// reference data (classes, filing conditions, departments, areas) in the version this service
/// runs. Any staff token may read them: they are the city's public geography and catalogue.
struct MapRoutes: Sendable {
    let env: ServiceEnvironment
    let core: RoutingCore
    /// Built once: the catalogue changes only with the reference data, which needs a restart.
    let catalogue: ReferenceView

    init(env: ServiceEnvironment, core: RoutingCore) {
        self.env = env
        self.core = core
        catalogue = ReferenceView(core.reference)
    }

    func add(to router: ServiceRouter) {
        router.get("/api/v1/grids") { request, context -> Response in
            _ = try context.requireToken()
            var parameters = QueryParameters(request, known: ["district", "street", "community", "bbox"])
            var area = GridArea(districtCode: parameters.text("district"), streetCode: parameters.text("street"),
                                communityCode: parameters.text("community"))
            if let text = parameters.text("bbox") {
                let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                let box = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                if parts.count == 4, box.count == 4, box.allSatisfy(\.isFinite),
                   (-180...180).contains(box[0]), (-180...180).contains(box[2]), (-90...90).contains(box[1]), (-90...90).contains(box[3]),
                   box[0] <= box[2], box[1] <= box[3] {
                    area.box = box
                } else {
                    parameters.problem("bbox", "must be minLon,minLat,maxLon,maxLat with min ≤ max, longitudes within ±180 and latitudes within ±90")
                }
            }
            try parameters.finish()
            return try await features(area)
        }

        router.get("/api/v1/grids/{code}") { _, context -> Response in
            _ = try context.requireToken()
            let code = context.parameters.get("code") ?? ""
            guard code.count == 15, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw APIError.validation(field: "code", "must be a 15-digit unit grid code")
            }
            let today = core.reference.calendar.civilDate(of: env.clock.now())
            let found = try await env.pool.withConnection { connection in
                try GridStore.features(in: GridArea(gridCode: code), on: today, connection: connection)
            }
            guard let feature = found.first else { throw APIError.notFound("unit grid \(code) valid on \(today)") }
            return Self.geoJSON(feature)
        }

        router.get("/api/v1/reference") { _, context -> ReferenceView in
            _ = try context.requireToken()
            return catalogue
        }
    }

    func features(_ area: GridArea) async throws -> Response {
        let today = core.reference.calendar.civilDate(of: env.clock.now())
        let features = try await env.pool.withConnection { connection in
            try GridStore.features(in: area, on: today, connection: connection)
        }
        return Self.geoJSON("{\"type\":\"FeatureCollection\",\"features\":[" + features.joined(separator: ",") + "]}")
    }

    static func geoJSON(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/geo+json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The reference data the pages name things with.
struct ReferenceView: ResponseEncodable, Sendable {
    struct Class: Codable, Sendable { var kind: ClassKind; var code: String; var parentCode: String?; var nameZh: String; var nameEn: String }
    struct Condition: Codable, Sendable {
        var id: String; var kind: ClassKind; var classCode: String; var description: String; var closingCondition: String
        var limits: [String: TimeLimit]
    }
    struct DepartmentEntry: Codable, Sendable { var code: String; var name: String; var kind: String; var districtCode: String? }
    struct DistrictEntry: Codable, Sendable { var code: String; var name: String; var nameEn: String }
    struct StreetEntry: Codable, Sendable { var code: String; var name: String; var districtCode: String }
    struct CommunityEntry: Codable, Sendable { var code: String; var name: String; var streetCode: String }

    var version: String
    var classes: [Class]
    var filingConditions: [Condition]
    var departments: [DepartmentEntry]
    var districts: [DistrictEntry]
    var streets: [StreetEntry]
    var communities: [CommunityEntry]

    init(_ reference: ReferenceData) {
        version = reference.version
        classes = reference.classes.map { Class(kind: $0.kind, code: $0.code, parentCode: $0.parentCode, nameZh: $0.nameZh, nameEn: $0.nameEn) }
        filingConditions = reference.filingConditions.map {
            Condition(id: $0.id, kind: $0.kind, classCode: $0.classCode, description: $0.description, closingCondition: $0.closingCondition,
                      limits: ["A": $0.limitA, "B": $0.limitB, "C": $0.limitC])
        }
        departments = reference.departments.map { DepartmentEntry(code: $0.code, name: $0.name, kind: $0.kind.rawValue, districtCode: $0.districtCode) }
        districts = reference.districts.map { DistrictEntry(code: $0.code, name: $0.name, nameEn: $0.nameEn) }
        streets = reference.streets.map { StreetEntry(code: $0.code, name: $0.name, districtCode: $0.districtCode) }
        communities = reference.communities.map { CommunityEntry(code: $0.code, name: $0.name, streetCode: $0.streetCode) }
    }
}

/// One unit grid as a GeoJSON Feature (a polygon), when it travels inside another answer.
struct GridFeature: Codable, Sendable {
    struct Properties: Codable, Sendable { var code: String; var areaClass: String; var communityCode: String; var streetCode: String; var districtCode: String }
    struct Geometry: Codable, Sendable { var type: String; var coordinates: [[[Double]]] }
    var type: String
    var id: String
    var properties: Properties
    var geometry: Geometry
}
