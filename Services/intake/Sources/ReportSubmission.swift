import CityGridModel
import CityGridPlatform
import Foundation

/// The body of `POST /api/v1/reports` as sent: every field optional and loosely typed, so that
/// validation can name every problem at once instead of stopping at the first decoding error.
public struct ReportSubmission: Codable, Sendable, Equatable {
    public struct Location: Codable, Sendable, Equatable {
        public var longitude: Double?
        public var latitude: Double?
        public var address: String?
        public init(longitude: Double? = nil, latitude: Double? = nil, address: String? = nil) {
            self.longitude = longitude
            self.latitude = latitude
            self.address = address
        }
    }

    public var channel: String?
    public var channelReference: String?
    public var reporterId: String?
    public var reporterContact: String?
    public var kind: String?
    public var classCode: String?
    public var conditionId: String?
    public var componentCode: String?
    public var location: Location?
    public var description: String?
    public var photos: [String]?
    /// RFC 3339; defaults to the time of receipt.
    public var reportedAt: String?
    public var selfHandled: Bool?
    public var handledAtIntake: Bool?

    public init(channel: String? = nil, channelReference: String? = nil, reporterId: String? = nil, reporterContact: String? = nil,
                kind: String? = nil, classCode: String? = nil, conditionId: String? = nil, componentCode: String? = nil,
                location: Location? = nil, description: String? = nil, photos: [String]? = nil, reportedAt: String? = nil,
                selfHandled: Bool? = nil, handledAtIntake: Bool? = nil) {
        self.channel = channel
        self.channelReference = channelReference
        self.reporterId = reporterId
        self.reporterContact = reporterContact
        self.kind = kind
        self.classCode = classCode
        self.conditionId = conditionId
        self.componentCode = componentCode
        self.location = location
        self.description = description
        self.photos = photos
        self.reportedAt = reportedAt
        self.selfHandled = selfHandled
        self.handledAtIntake = handledAtIntake
    }

    /// The same report as it arrives from a hotline platform over AMQP.
    public init(_ report: HotlineReport) {
        self.init(channel: report.channel.rawValue, channelReference: report.channelReference, reporterId: report.reporterId,
                  reporterContact: report.reporterContact, kind: report.kind.rawValue, classCode: report.classCode,
                  conditionId: report.conditionId, componentCode: report.componentCode,
                  location: Location(longitude: report.location.longitude, latitude: report.location.latitude, address: report.location.address),
                  description: report.description, photos: report.photos ?? [], reportedAt: report.reportedAt.map(RFC3339.format),
                  selfHandled: report.selfHandled, handledAtIntake: report.handledAtIntake)
    }
}

/// A report that passed validation; everything a case is made of.
public struct ValidReport: Sendable, Equatable {
    public var channel: ReportChannel
    public var channelReference: String?
    public var reporterId: String?
    public var reporterContact: String?
    public var kind: ClassKind
    public var classCode: String
    public var conditionId: String?
    public var componentCode: String?
    public var location: ReportedLocation
    public var description: String
    public var photos: [String]
    public var reportedAt: Date
    public var selfHandled: Bool?
    public var handledAtIntake: Bool?

    /// Coordinates when both were given.
    public var point: GeoPoint? {
        guard let lon = location.longitude, let lat = location.latitude else { return nil }
        return GeoPoint(lon: lon, lat: lat)
    }
}

public typealias FieldProblem = APIError.FieldProblem
