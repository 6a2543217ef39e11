import CityGridModel
import Foundation

/// What the centre knows about a case besides its lifecycle: the report as intake made it and
/// the place as grid-routing located it. Stored as `cases.facts` and spread over query columns.
public struct CaseFacts: Codable, Sendable, Hashable {
    public var channel: ReportChannel
    public var channelReference: String?
    public var reporterId: String?
    public var kind: ClassKind
    public var classCode: String
    /// The filing condition chosen by the reporter, then the one the case was filed under.
    public var conditionId: String?
    public var componentCode: String?
    public var longitude: Double?
    public var latitude: Double?
    public var address: String?
    public var description: String
    /// The report's photos with the purposes the reporter declared (`facts` stored before
    /// photos were typed hold plain URLs, which decode as `report` photos).
    public var photos: [Photo]
    public var reportedAt: Date
    public var gridCode: String?
    public var communityCode: String?
    public var streetCode: String?
    public var districtCode: String?
    public var areaClass: AreaClass?
    /// What intake's mapping table made of a 12345 ticket's own category (absent in older facts).
    public var hotlineCategory: HotlineCategoryDecision?
    /// Where the class came from; absent means the reporter chose it.
    public var classSource: ClassSource?
    /// Class and place suggestions from the text, for the acceptor.
    public var suggestions: ReportSuggestions?
    /// The supervisor responsible for the grid when the case was reported (the roster's first on
    /// duty there then), set when the case is located; absent when nobody was on duty.
    public var gridSupervisorId: String?

    /// The case waits for the acceptor rather than the standing acceptance policy (``AcceptorHold``).
    public var awaitsAcceptor: Bool { AcceptorHold.required(classSource: classSource, hotlineCategory: hotlineCategory) }

    /// Facts taken from intake's report.
    public init(report: CaseReported) {
        channel = report.channel
        channelReference = report.channelReference
        reporterId = report.reporterId
        kind = report.kind
        classCode = report.classCode
        conditionId = report.conditionId
        componentCode = report.componentCode
        longitude = report.location.longitude
        latitude = report.location.latitude
        address = report.location.address
        description = report.description
        photos = report.photos
        reportedAt = report.reportedAt
        hotlineCategory = report.hotlineCategory
        classSource = report.classSource
        suggestions = report.suggestions
    }

    /// Adds grid-routing's location.
    public mutating func locate(_ located: CaseLocated) {
        gridCode = located.gridCode
        communityCode = located.communityCode
        streetCode = located.streetCode
        districtCode = located.districtCode
        areaClass = located.areaClass
        longitude = located.longitude
        latitude = located.latitude
    }
}

/// A case as stored: facts, lifecycle record and the duplicate counter.
public struct StoredCase: Sendable {
    public var facts: CaseFacts
    public var record: CaseRecord
    public var duplicateCount: Int
}
