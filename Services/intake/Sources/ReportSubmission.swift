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

    /// One entry of `photos` as sent: a bare URL string (a `report` photo, as clients sent
    /// before photos were typed and as Open311's `media_url` is), or `{"url", "purpose"}`.
    /// Loosely typed like the rest, so the validator names a bad entry instead of decoding failing.
    public struct PhotoInput: Codable, Sendable, Equatable, ExpressibleByStringLiteral {
        public var url: String?
        /// nil for a bare string (meaning `report`); otherwise as sent.
        public var purpose: String?
        /// false when the entry was neither a string nor an object.
        public var wellFormed: Bool
        /// true for a bare URL string.
        public var bare: Bool

        public init(url: String?, purpose: String? = nil) {
            self.url = url
            self.purpose = purpose
            wellFormed = true
            bare = purpose == nil
        }

        public init(stringLiteral value: String) { self.init(url: value) }

        public init(_ photo: Photo) { self.init(url: photo.url, purpose: photo.purpose.rawValue) }

        private enum CodingKeys: String, CodingKey { case url, purpose }

        public init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer(), let url = try? single.decode(String.self) {
                self.init(url: url)
            } else if let object = try? decoder.container(keyedBy: CodingKeys.self) {
                self.init(url: (try? object.decodeIfPresent(String.self, forKey: .url)) ?? nil,
                          purpose: (try? object.decodeIfPresent(String.self, forKey: .purpose)) ?? nil)
                bare = false
            } else {
                self.init(url: nil)
                wellFormed = false
            }
        }

        public func encode(to encoder: any Encoder) throws {
            if bare, let url {
                var single = encoder.singleValueContainer()
                try single.encode(url)
            } else {
                var object = encoder.container(keyedBy: CodingKeys.self)
                try object.encodeIfPresent(url, forKey: .url)
                try object.encodeIfPresent(purpose, forKey: .purpose)
            }
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
    public var photos: [PhotoInput]?
    /// RFC 3339; defaults to the time of receipt.
    public var reportedAt: String?
    public var selfHandled: Bool?
    public var handledAtIntake: Bool?
    /// A 12345 ticket's category in the hotline's own tree (instead of, or beside, `kind` and `classCode`).
    public var hotlineCategory: HotlineCategoryInput?
    /// The coordinate system of `location`'s coordinates (`wgs84`, `cgcs2000`, `gcj02`, `bd09`);
    /// absent: the channel's default (`channel-coordinates.csv`).
    public var coordinateSystem: String?

    /// `hotlineCategory` as sent: loosely typed like the rest, so the validator can name what is wrong.
    public struct HotlineCategoryInput: Codable, Sendable, Equatable {
        public var code: String?
        public var path: String?
        public init(code: String?, path: String? = nil) {
            self.code = code
            self.path = path
        }
    }

    public init(channel: String? = nil, channelReference: String? = nil, reporterId: String? = nil, reporterContact: String? = nil,
                kind: String? = nil, classCode: String? = nil, conditionId: String? = nil, componentCode: String? = nil,
                location: Location? = nil, description: String? = nil, photos: [PhotoInput]? = nil, reportedAt: String? = nil,
                selfHandled: Bool? = nil, handledAtIntake: Bool? = nil, hotlineCategory: HotlineCategoryInput? = nil,
                coordinateSystem: String? = nil) {
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
        self.hotlineCategory = hotlineCategory
        self.coordinateSystem = coordinateSystem
    }

    /// The same report as it arrives from a hotline platform over AMQP.
    public init(_ report: HotlineReport) {
        self.init(channel: report.channel.rawValue, channelReference: report.channelReference, reporterId: report.reporterId,
                  reporterContact: report.reporterContact, kind: report.kind?.rawValue, classCode: report.classCode,
                  conditionId: report.conditionId, componentCode: report.componentCode,
                  location: Location(longitude: report.location.longitude, latitude: report.location.latitude, address: report.location.address),
                  description: report.description, photos: (report.photos ?? []).map(PhotoInput.init), reportedAt: report.reportedAt.map(RFC3339.format),
                  selfHandled: report.selfHandled, handledAtIntake: report.handledAtIntake,
                  hotlineCategory: report.hotlineCategory.map { HotlineCategoryInput(code: $0.code, path: $0.path) },
                  coordinateSystem: report.coordinateSystem)
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
    /// Coordinates in WGS84 (converted from the reporter's system), address as sent.
    public var location: ReportedLocation
    /// The reporter's coordinates as sent, with their system; nil when the report gave none.
    public var originalLocation: OriginalLocation? = nil
    public var description: String
    public var photos: [Photo]
    public var reportedAt: Date
    public var selfHandled: Bool?
    public var handledAtIntake: Bool?
    /// What the mapping table made of the ticket's hotline category, when it carried one.
    public var hotlineCategory: HotlineCategoryDecision? = nil
    /// Where `kind` and `classCode` came from (`reporter` unless a hotline category gave them).
    public var classSource: ClassSource = .reporter
    /// Class and place suggestions from the text (reports with a hotline category).
    public var suggestions: ReportSuggestions? = nil

    /// The case waits for the acceptor instead of being accepted by the standing policy.
    public var awaitsAcceptor: Bool { AcceptorHold.required(classSource: classSource, hotlineCategory: hotlineCategory) }

    /// Coordinates when both were given.
    public var point: GeoPoint? {
        guard let lon = location.longitude, let lat = location.latitude else { return nil }
        return GeoPoint(lon: lon, lat: lat)
    }
}

public typealias FieldProblem = APIError.FieldProblem
