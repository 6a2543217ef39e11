import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Hands a phone's report to intake's native API (`POST /api/v1/reports`), which stays the one
/// judge of whether a report is acceptable input and what its case number is. The phone's own
/// bearer token goes along, so intake sees the supervisor as the reporter; the idempotency key
/// is the supervisor's and the phone's id, so a report handed over twice (a replay after a crash
/// between intake's answer and ours) is still one case.
struct IntakeForwarder: Sendable {
    /// Intake's base URL (`CITYGRID_SUPERVISION_INTAKE_URL`).
    let baseURL: URL
    let session: URLSession

    init(baseURL: URL, timeoutSeconds: Double = 10) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    /// Intake's report body for a phone's report.
    struct IntakeReport: Encodable {
        var channel = "supervisor"
        var reporterId: String
        var kind: ClassKind
        var classCode: String
        var conditionId: String?
        var componentCode: String?
        var location: ReportedLocation
        var description: String
        var photos: [Photo]
        var reportedAt: Date?
        var selfHandled: Bool?
    }

    /// The idempotency key intake keeps for a phone's report.
    static func idempotencyKey(supervisor: String, clientId: String) -> String { "field:\(supervisor):\(clientId)" }

    /// Intake's answer: its status and body as sent.
    struct Answer: Sendable {
        var status: Int
        var body: Data
    }

    /// Sends the report; a transport failure or an intake that cannot answer is 502 `intake_unavailable`.
    func forward(_ report: FieldReport, supervisor: String, authorization: String) async throws -> Answer {
        let body = IntakeReport(reporterId: supervisor, kind: report.kind, classCode: report.classCode, conditionId: report.conditionId,
                                componentCode: report.componentCode,
                                location: ReportedLocation(longitude: report.position?.longitude, latitude: report.position?.latitude,
                                                           address: report.address),
                                description: report.description, photos: report.photos, reportedAt: report.capturedAt,
                                selfHandled: report.selfHandled)
        var request = URLRequest(url: baseURL.appendingPathComponent("api/v1/reports"))
        request.httpMethod = "POST"
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue(Self.idempotencyKey(supervisor: supervisor, clientId: report.clientId), forHTTPHeaderField: "Idempotency-Key")
        request.httpBody = try MessageCoding.encoder().encode(body)
        let answer: Answer
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
            answer = Answer(status: http.statusCode, body: data)
        } catch {
            throw APIError(status: .badGateway, code: "intake_unavailable",
                           message: "intake did not answer; send the same submission again later (\(error.localizedDescription))")
        }
        if answer.status >= 500 {
            throw APIError(status: .badGateway, code: "intake_unavailable", message: "intake answered \(answer.status); send the same submission again later")
        }
        return answer
    }
}
