import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird

/// `POST /api/v1/reports` and `GET /api/v1/reports/{caseId}` for supervisors' apps and hotline systems.
enum NativeRoutes {

    /// The answer to a submission.
    struct Receipt: Encodable, Sendable {
        var caseId: String
        var caseNumber: String
        var status: String
        var duplicateOf: String?
    }

    /// A stored report as the native API shows it.
    struct ReportView: ResponseEncodable, Sendable {
        var caseId: String
        var caseNumber: String
        var channel: String
        var channelReference: String?
        var reporterId: String?
        var kind: String
        var classCode: String
        var conditionId: String?
        var componentCode: String?
        /// WGS84 (converted at intake).
        var location: ReportedLocation
        /// The coordinates as the reporter sent them, with their system.
        var originalLocation: OriginalLocation?
        var description: String
        var photos: [Photo]
        var reportedAt: Date
        var receivedAt: Date
        var status: String
        var duplicateOf: String?
        var duplicateDistanceMeters: Double?

        init(_ r: StoredReport) {
            caseId = r.caseId.uuidString.lowercased()
            caseNumber = r.caseNumber
            channel = r.channel
            channelReference = r.channelReference
            reporterId = r.reporterId
            kind = r.kind
            classCode = r.classCode
            conditionId = r.conditionId
            componentCode = r.componentCode
            location = ReportedLocation(longitude: r.longitude, latitude: r.latitude, address: r.address)
            originalLocation = r.originalLocation
            description = r.description
            photos = r.photos
            reportedAt = r.reportedAt
            receivedAt = r.receivedAt
            status = r.status.rawValue
            duplicateOf = r.duplicateOf?.uuidString.lowercased()
            duplicateDistanceMeters = r.duplicateDistanceMeters
        }
    }

    static func add(to router: ServiceRouter, intake: Intake) {
        router.post("/api/v1/reports") { request, context -> Reply<Receipt> in
            let token = try context.requireToken()
            var submission = try await request.decodeJSON(as: ReportSubmission.self, context: context)
            // A supervisor's own app need not repeat who is reporting.
            if submission.reporterId == nil && token.role == .supervisor { submission.reporterId = token.sub }
            let key = request.headers.first { $0.name.canonicalName == "idempotency-key" && !$0.value.isEmpty }?.value
            if let key, key.count > 200 {
                throw APIError.validation(field: "Idempotency-Key", "must be at most 200 characters")
            }
            let report: ValidReport
            switch intake.validator.validate(submission, now: intake.env.clock.now()) {
            case .success(let valid): report = valid
            case .failure(let failure): throw APIError.validation(failure.problems)
            }
            let outcome = try await intake.accept(report, idempotencyKey: key)
            let r = outcome.report
            return Reply(Receipt(caseId: r.caseId.uuidString.lowercased(), caseNumber: r.caseNumber, status: r.status.rawValue,
                                 duplicateOf: r.duplicateOf?.uuidString.lowercased()),
                         status: outcome.created ? .created : .ok,
                         headers: [.location: "/api/v1/reports/\(r.caseId.uuidString.lowercased())"])
        }

        router.get("/api/v1/reports/{caseId}") { request, context -> ReportView in
            let token = try context.requireToken()
            let id = try context.uuidParameter("caseId", what: "case")
            let found = try await intake.env.pool.withConnection { c in try intake.store.find(c, caseId: id) }
            // Intake does not know the grid yet, so only city-wide tokens and the reporter see a report.
            guard let found, token.scope.level == .city || found.reporterId == token.sub else { throw APIError.notFound("case") }
            return ReportView(found)
        }
    }
}
