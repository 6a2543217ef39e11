import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import TestSupport
import Testing

/// Intake's native routes in process: authentication, how a body that does not decode or does not
/// validate is answered, and who may read a report, before the report store is touched.
@Suite("intake routes (in process)")
struct IntakeRouteTests {
    let routes: InProcessRoutes
    let intake: Intake

    init() throws {
        routes = try InProcessRoutes(service: "intake")
        let reference = try InProcessRoutes.reference()
        intake = Intake(env: routes.env, reference: reference,
                        validator: ReportValidator(reference: reference, bounds: CityBounds(grids: reference.grids),
                                                   channelCoordinates: try ChannelCoordinates.load(from: URL(fileURLWithPath: InProcessRoutes.referenceDataPath))),
                        store: ReportStore(numbering: CaseNumbering(timeZone: TimeZone(identifier: reference.city.timeZoneIdentifier)!),
                                           duplicates: DuplicatePolicy(),
                                           notices: ChannelNoticeWriter(returnAddresses: try ReturnAddresses.load(
                                               from: URL(fileURLWithPath: InProcessRoutes.referenceDataPath)), departments: reference.departments)),
                        disclosure: Open311Disclosure(publicChannels: Open311Disclosure.defaultChannels),
                        statusLookup: StatusLookup.Settings())
    }

    func add(_ router: ServiceRouter) {
        IntakeOpenAPI.add(to: router)
        NativeRoutes.add(to: router, intake: intake)
        Open311Routes.add(to: router, intake: intake)
    }

    @Test("reporting needs a token: 401 before the body is looked at")
    func reportNeedsToken() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.post, "/api/v1/reports", json: "not json")
            #expect(response.status == .unauthorized)
            #expect(try ErrorBody(response).code == "missing_token")
        }
    }

    @Test("a body that is not JSON, or has a field of the wrong type, is 422 naming the field")
    func undecodableBodies() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.supervisor, "district:150102")
            let broken = try await client.send(.post, "/api/v1/reports", headers: headers, json: "{")
            #expect(broken.status == .unprocessableContent)
            #expect(try ErrorBody(broken).fields == ["body"])
            let typed = try await client.send(.post, "/api/v1/reports", headers: headers,
                                              json: #"{"location": {"longitude": "east", "latitude": 40.8}}"#)
            #expect(typed.status == .unprocessableContent)
            #expect(try ErrorBody(typed).fields == ["location.longitude"])
            let photos = try await client.send(.post, "/api/v1/reports", headers: headers, json: #"{"photos": [1]}"#)
            // Photos are read loosely so that validation can name them with every other problem.
            #expect(try ErrorBody(photos).fields.contains("photos[0]"))
        }
    }

    @Test("a NUL in any text is refused at the door, naming the field: JSON body, Open311 form and query")
    func nulRefused() async throws {
        try await routes.test(add) { client in
            let headers = routes.bearer(.supervisor, "district:150102")
            let native = try await client.send(.post, "/api/v1/reports", headers: headers,
                                               json: #"{"description": "nul\u0000here", "photos": [{"url": "a\u0000"}], "note": "a \\u0000 is text"}"#)
            #expect(native.status == .unprocessableContent)
            #expect(try ErrorBody(native).fields == ["description", "photos[0].url"])
            let form = try await client.execute(uri: "/open311/v2/requests.json", method: .post,
                                                headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "api_key=k&service_code=event-0101&description=nul%00here"))
            #expect(form.status == .badRequest)
            #expect(String(buffer: form.body).contains("description contains the character U+0000"))
            let search = try await client.execute(uri: "/open311/v2/requests.json?status=open%00", method: .get)
            #expect(search.status == .badRequest)
        }
    }

    @Test("bytes that are not UTF-8 are refused at the door, never stored as they came: a lone surrogate, %FF, a stray %")
    func notUTF8Refused() async throws {
        try await routes.test(add) { client in
            for (text, name) in [("description=%ED%A0%80x", "description"), ("description=%FFx", "description"), ("address_string=100%", "address_string")] {
                let form = try await client.execute(uri: "/open311/v2/requests.json", method: .post,
                                                    headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "api_key=k&service_code=event-0101&lat=40.8&long=111.6&\(text)"))
                #expect(form.status == .badRequest, "\(text)")
                #expect(String(buffer: form.body).contains("\(name) is not valid percent-encoded UTF-8"), "\(String(buffer: form.body))")
            }
            let search = try await client.execute(uri: "/open311/v2/requests.json?status=%ED%A0%80", method: .get)
            #expect(search.status == .badRequest)
            // A lone surrogate escaped in JSON is no text either.
            let native = try await client.send(.post, "/api/v1/reports", headers: routes.bearer(.supervisor, "district:150102"),
                                               json: #"{"description": "bad \ud800 here"}"#)
            #expect(native.status == .unprocessableContent)
        }
    }

    @Test("a report that decodes but does not validate lists every problem at once")
    func invalidReport() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.post, "/api/v1/reports", headers: routes.bearer(.supervisor, "district:150102"),
                                                 json: #"{"channel": "carrier-pigeon", "kind": "event", "classCode": "9999"}"#)
            #expect(response.status == .unprocessableContent)
            let fields = Set(try ErrorBody(response).fields)
            #expect(fields.isSuperset(of: ["channel", "classCode", "location", "description"]), "\(fields)")
        }
    }

    @Test("an unknown coordinate system is 422 naming coordinateSystem, before anything is stored")
    func unknownCoordinateSystem() async throws {
        try await routes.test(add) { client in
            let response = try await client.send(.post, "/api/v1/reports", headers: routes.bearer(.supervisor, "district:150102"), json: #"""
                {"channel": "app", "kind": "event", "classCode": "0502", "description": "路口有人乞讨", "coordinateSystem": "mars",
                 "location": {"longitude": 111.690593, "latitude": 40.81818}}
                """#)
            #expect(response.status == .unprocessableContent)
            let body = try ErrorBody(response)
            #expect(body.code == "validation_failed" && body.fields == ["coordinateSystem"])
        }
    }

    @Test("an Idempotency-Key longer than 200 characters is refused")
    func longIdempotencyKey() async throws {
        try await routes.test(add) { client in
            var headers = routes.bearer(.supervisor, "district:150102")
            headers[HTTPFields.Element.Name("Idempotency-Key")!] = String(repeating: "k", count: 201)
            let response = try await client.send(.post, "/api/v1/reports", headers: headers, json: "{}")
            #expect(response.status == .unprocessableContent)
            #expect(try ErrorBody(response).fields.contains("Idempotency-Key"))
        }
    }

    @Test("reading a report: no token is 401; an id that is not a UUID is 404")
    func readReport() async throws {
        try await routes.test(add) { client in
            let anonymous = try await client.send(.get, "/api/v1/reports/6f1c2a52-8d7e-4a1b-9a3e-2b1f0c9d8e7a")
            #expect(anonymous.status == .unauthorized)
            let malformed = try await client.send(.get, "/api/v1/reports/1%27%20OR%201=1", headers: routes.bearer(.admin))
            #expect(malformed.status == .notFound)
            #expect(try ErrorBody(malformed).code == "not_found")
        }
    }

    @Test("public documents need no token: the OpenAPI document and the Open311 service list")
    func publicDocuments() async throws {
        try await routes.test(add) { client in
            let document = try await client.send(.get, "/openapi.yaml")
            #expect(document.status == .ok)
            #expect(String(buffer: document.body).hasPrefix("openapi:"))
            let services = try await client.send(.get, "/open311/v2/services.json")
            #expect(services.status == .ok)
            #expect(String(buffer: services.body).contains("service_code"))
            let unknownFormat = try await client.send(.get, "/open311/v2/services.csv")
            #expect(unknownFormat.status == .notFound)
        }
    }
}
