import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SupervisionService
import TestSupport
import Testing

/// The bodies of the decisions that end a case without handling (不予受理, 不予立案, 作废) with an
/// optional reason code and competent body (退回), and a check's photos: refused with every
/// problem before the case is read.
@Suite("supervision: reason codes and check photos (in process)")
struct NotHandledRouteTests {
    let routes: InProcessRoutes
    let api: SupervisionAPI

    init() throws {
        routes = try InProcessRoutes(service: "supervision")
        api = SupervisionAPI(env: routes.env, engine: CaseEngine(refs: try InProcessRoutes.reference()), counts: CountsCache(ttl: 0),
                             searchTuning: SearchTuning())
    }

    func add(_ router: ServiceRouter) { api.register(router) }

    @Test("reject, refuse-filing and void name the reason-code problems; a complete body gets past them")
    func reasonCodes() async throws {
        try await routes.test(add) { client in
            let cases: [(String, Role, String, [String])] = [
                ("reject", .acceptor, #"{"reason": "不属于城市管理事项", "reasonCode": "outside_city_management"}"#, ["competentBody"]),
                ("reject", .acceptor, #"{"reason": "r", "competentBody": "辖区派出所"}"#, ["competentBody"]),
                ("refuse-filing", .shiftLeader, #"{"reason": "r", "reasonCode": "not_ours"}"#, ["reasonCode"]),
                ("void", .shiftLeader, #"{"reason": "r", "reasonCode": "elsewhere", "competentBody": "x"}"#, ["reasonCode", "competentBody"]),
            ]
            for (command, role, body, fields) in cases {
                let response = try await client.send(.post, "/api/v1/cases/C-1/\(command)", headers: routes.bearer(role), json: body)
                #expect(response.status == .unprocessableContent, "\(command) \(body)")
                #expect(try ErrorBody(response).fields == fields, "\(command) \(body)")
            }
            // Valid: the route goes on to the case (here that means the store, which this test has not got).
            for (command, role) in [("reject", Role.acceptor), ("refuse-filing", .shiftLeader), ("void", .shiftLeader)] {
                let response = try await client.send(.post, "/api/v1/cases/C-1/\(command)", headers: routes.bearer(role), json: """
                    {"reason": "邻里纠纷", "reasonCode": "outside_city_management", "competentBody": "辖区派出所"}
                    """)
                #expect(response.status != .unprocessableContent, "\(command)")
                let plain = try await client.send(.post, "/api/v1/cases/C-1/\(command)", headers: routes.bearer(role), json: #"{"reason": "重复"}"#)
                #expect(plain.status != .unprocessableContent, "\(command) without a code")
            }
        }
    }

    @Test("a check's photos must be http(s) URLs, at most 30")
    func checkPhotos() async throws {
        try await routes.test(add) { client in
            let bad = try await client.send(.post, "/api/v1/cases/C-1/check", headers: routes.bearer(.supervisor),
                                            json: #"{"passed": true, "photos": ["ftp://img/1.jpg", "https://img.example/ok.jpg", "a b"]}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(try ErrorBody(bad).fields == ["photos[0]", "photos[2]"])
            let many = (0..<31).map { #""https://img.example/\#($0).jpg""# }.joined(separator: ",")
            let tooMany = try await client.send(.post, "/api/v1/cases/C-1/check", headers: routes.bearer(.supervisor),
                                                json: #"{"passed": true, "photos": [\#(many)]}"#)
            #expect(try ErrorBody(tooMany).fields == ["photos"])
        }
    }

    @Test("photo URLs become one space-separated detail that splits back into the same URLs")
    func photoDetail() {
        #expect(TimelinePhotos.join([]) == nil)
        #expect(TimelinePhotos.join(["  "]) == nil)
        #expect(TimelinePhotos.join(["https://a/1.jpg", " https://a/2 b.jpg "]) == "https://a/1.jpg https://a/2%20b.jpg")
        var details: [String: String] = [:]
        details[.completionPhotos] = TimelinePhotos.join(["https://a/1.jpg", "https://a/2.jpg"])
        let entry = TimelineEntry(caseId: UUID(), sequence: 1, action: .complete, from: .inHandling, to: .awaitingCheck, actorId: "x",
                                  actorRole: .department, actorDepartment: "SZGY", at: Date(), department: "SZGY", reason: "done",
                                  details: details, stoppedClock: nil, startedClock: nil)
        #expect(entry.list(.completionPhotos) == ["https://a/1.jpg", "https://a/2.jpg"])
    }
}
