import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// The reporter's own view (查询办理进度): a citizen who left a phone number looks up the status
/// of their report by its case number and the last four digits of that number. A wrong pair and
/// an unknown number answer the same 404, so numbers cannot be enumerated; failures are counted
/// per case number and per client address in `intake.status_lookups` (so the limit survives a
/// restart and holds across instances), and while either is over its limit the answer is 429.
struct StatusLookup: Sendable {
    struct Settings: Sendable, Equatable {
        var failuresPerCase = 5
        var failuresPerAddress = 20
        var windowSeconds = 3600

        /// `CITYGRID_STATUS_LOOKUP_FAILURES_PER_CASE` (5), `…_PER_ADDRESS` (20), `…_WINDOW_SECONDS` (3600).
        static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> Settings {
            let reader = EnvironmentReader(values)
            return Settings(
                failuresPerCase: try reader.int("CITYGRID_STATUS_LOOKUP_FAILURES_PER_CASE", default: 5, range: 1...1000),
                failuresPerAddress: try reader.int("CITYGRID_STATUS_LOOKUP_FAILURES_PER_ADDRESS", default: 20, range: 1...100_000),
                windowSeconds: try reader.int("CITYGRID_STATUS_LOOKUP_WINDOW_SECONDS", default: 3600, range: 1...86_400 * 7))
        }
    }

    struct Question: Decodable, Sendable { var caseNumber: String; var phoneLast4: String }

    /// What the reporter sees: the class, where the case stands in Chinese, and when it changed.
    struct Answer: Codable, Sendable, ResponseEncodable {
        var caseNumber: String
        var serviceName: String
        var status: String
        var statusNote: String?
        var reportedAt: Date
        var updatedAt: Date
    }

    /// The last four digits of each phone number in a contact text (mobile or landline); a
    /// contact without one cannot be looked up.
    static func phoneSuffixes(in contact: String?) -> Set<String> {
        guard let contact else { return [] }
        var suffixes: Set<String> = []
        var digits = ""
        // Runs of digits, allowing the spaces and dashes people type inside a number.
        for character in contact + " " {
            if character.isASCII && character.isNumber { digits.append(character); continue }
            if (character == "-" || character == " ") && !digits.isEmpty && digits.count < 11 { continue }
            if digits.count >= 7 { suffixes.insert(String(digits.suffix(4))) }
            digits = ""
        }
        return suffixes
    }

    static func validate(_ question: Question) -> [APIError.FieldProblem] {
        var problems: [APIError.FieldProblem] = []
        if question.caseNumber.range(of: #"^[0-9]{8}-[0-9]{4,6}$"#, options: .regularExpression) == nil {
            problems.append(.init(field: "caseNumber", problem: "must be a case number such as 20261203-0042"))
        }
        if question.phoneLast4.range(of: #"^[0-9]{4}$"#, options: .regularExpression) == nil {
            problems.append(.init(field: "phoneLast4", problem: "must be the last 4 digits of the phone number given with the report"))
        }
        return problems
    }

    static func add(to router: ServiceRouter, intake: Intake) {
        router.post("/api/v1/status-lookup") { request, context -> Response in
            let question = try await request.decodeJSON(as: Question.self, context: context)
            let problems = validate(question)
            guard problems.isEmpty else { throw APIError.validation(problems) }
            let settings = intake.statusLookup
            let address = context.clientAddress
            let catalogue = intake.reference
            let outcome = try await intake.env.transaction { connection, _ -> Result<Answer, APIError> in
                if let wait = try StatusLookupStore.wait(caseNumber: question.caseNumber, address: address, settings: settings, on: connection) {
                    return .failure(APIError(status: .tooManyRequests, code: "too_many_attempts",
                                             message: "too many failed lookups for this case number or address; try again in \(wait) s",
                                             details: [.init(field: "retryAfterSeconds", problem: String(wait))]))
                }
                let found = try StatusLookupStore.report(caseNumber: question.caseNumber, on: connection)
                guard let found, phoneSuffixes(in: found.contact).contains(question.phoneLast4) else {
                    try StatusLookupStore.record(caseNumber: question.caseNumber, address: address, found: false, on: connection)
                    return .failure(APIError(status: .notFound, code: "not_found",
                                             message: "no report with this case number and phone number"))
                }
                try StatusLookupStore.record(caseNumber: question.caseNumber, address: address, found: true, on: connection)
                let name = catalogue.classes.first { $0.kind.rawValue == found.kind && $0.code == found.classCode }?.nameZh ?? found.classCode
                return .success(Answer(
                    caseNumber: found.caseNumber, serviceName: name, status: found.status,
                    statusNote: Open311Disclosure.statusNote(state: found.finalState ?? found.currentState ?? CaseState.reported.rawValue,
                                                             reason: found.stateReason, duplicateOfNumber: found.duplicateOfNumber),
                    reportedAt: found.reportedAt, updatedAt: found.updatedAt))
            }
            switch outcome {
            case .success(let answer):
                var response = try MessageResponseEncoder().encode(answer, from: request, context: context)
                response.headers[.cacheControl] = "no-store"
                return response
            case .failure(let error):
                var response = error.jsonResponse()
                if error.status == .tooManyRequests, let wait = error.details.first?.problem { response.headers[.retryAfter] = wait }
                return response
            }
        }
    }
}

/// The status lookup's SQL: the report with its contact and state, and the count of failures.
enum StatusLookupStore {
    struct Found {
        var caseNumber: String
        var kind: String
        var classCode: String
        var contact: String?
        var status: String
        var finalState: String?
        var currentState: String?
        var stateReason: String?
        var duplicateOfNumber: String?
        var reportedAt: Date
        var updatedAt: Date
    }

    static func report(caseNumber: String, on connection: PGConnection) throws -> Found? {
        guard let row = try connection.query("""
            SELECT v.service_request_id, v.kind, v.class_code, r.reporter_contact, v.status, v.final_state, v.current_state,
                   v.state_reason, v.duplicate_of_number, r.reported_at, v.updated_datetime
            FROM intake.open311_requests v JOIN intake.reports r USING (case_id)
            WHERE v.service_request_id = $1
            """, [caseNumber]).first else { return nil }
        return Found(caseNumber: try row.string("service_request_id"), kind: try row.string("kind"), classCode: try row.string("class_code"),
                     contact: row.optionalString("reporter_contact"), status: try row.string("status"),
                     finalState: row.optionalString("final_state"), currentState: row.optionalString("current_state"),
                     stateReason: row.optionalString("state_reason"), duplicateOfNumber: row.optionalString("duplicate_of_number"),
                     reportedAt: try row.date("reported_at"), updatedAt: try row.date("updated_datetime"))
    }

    static func record(caseNumber: String, address: String?, found: Bool, on connection: PGConnection) throws {
        try connection.query("INSERT INTO intake.status_lookups (case_number, client_address, found) VALUES ($1, $2, $3)",
                             [caseNumber, address, found])
    }

    /// Seconds until the next lookup of `caseNumber` from `address` may be tried, or nil. A case
    /// number is held after `failuresPerCase` failures in the window since its last success; an
    /// address after `failuresPerAddress` failures whatever the number (the enumeration guard).
    static func wait(caseNumber: String, address: String?, settings: StatusLookup.Settings, on connection: PGConnection) throws -> Int? {
        let byCase = try connection.query("""
            SELECT ceil(extract(epoch FROM at + make_interval(secs => $2) - now()))::int AS wait
              FROM intake.status_lookups
             WHERE case_number = $1 AND NOT found AND at > now() - make_interval(secs => $2)
               AND at > coalesce((SELECT max(at) FROM intake.status_lookups WHERE case_number = $1 AND found), '-infinity')
             ORDER BY at DESC OFFSET $3 LIMIT 1
            """, [caseNumber, settings.windowSeconds, settings.failuresPerCase - 1]).first?.optionalInt("wait")
        var byAddress: Int?
        if let address {
            byAddress = try connection.query("""
                SELECT ceil(extract(epoch FROM at + make_interval(secs => $2) - now()))::int AS wait
                  FROM intake.status_lookups
                 WHERE client_address = $1 AND NOT found AND at > now() - make_interval(secs => $2)
                 ORDER BY at DESC OFFSET $3 LIMIT 1
                """, [address, settings.windowSeconds, settings.failuresPerAddress - 1]).first?.optionalInt("wait")
        }
        return [byCase, byAddress].compactMap { $0 }.max().map { max(1, $0) }
    }
}
