import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// The GeoReport v2 `status` of a service request (the `intake.open311_requests` view writes the same words).
enum Open311Status: String, Sendable, CaseIterable {
    case open
    case closed
}

/// GeoReport v2 service requests over intake's reports (`intake.open311_requests`).
enum Open311Requests {
    /// One row of the view, as the spec's `request`.
    struct Row: Sendable {
        var id: String
        var status: String
        var serviceCode: String
        var kind: String
        var classCode: String
        var duplicateOfNumber: String?
        var description: String
        var address: String?
        var lat: Double?
        var lon: Double?
        var photos: [Photo]
        var requested: Date
        var updated: Date
        var finalState: String?
        var currentState: String?
        var stateReason: String?

        init(row: PGRow) throws {
            id = try row.string("service_request_id")
            status = try row.string("status")
            serviceCode = try row.string("service_code")
            kind = try row.string("kind")
            classCode = try row.string("class_code")
            duplicateOfNumber = row.optionalString("duplicate_of_number")
            description = try row.string("description")
            address = row.optionalString("address")
            lat = row.optionalDouble("lat")
            lon = row.optionalDouble("lon")
            photos = try row.json("photos", as: [Photo].self)
            requested = try row.date("requested_datetime")
            updated = try row.date("updated_datetime")
            finalState = row.optionalString("final_state")
            currentState = row.optionalString("current_state")
            stateReason = row.optionalString("state_reason")
        }
    }

    /// W3C date-time with an explicit zone, as the spec requires.
    static func w3c(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }

    static func value(_ r: Row, catalogue: Open311Catalogue) -> Open311Value {
        let service = catalogue.service(r.serviceCode)
        return .object([
            ("service_request_id", .text(r.id)),
            ("status", .text(r.status)),
            ("status_notes", statusNotes(r).map { .text($0) }),
            ("service_name", .text(service?.nameZh ?? r.serviceCode)),
            ("service_code", .text(r.serviceCode)),
            ("description", .text(PersonalDataMask.mask(r.description))),
            ("requested_datetime", .text(w3c(r.requested))),
            ("updated_datetime", .text(w3c(r.updated))),
            ("address", r.address.map { .text(PersonalDataMask.mask($0)) }),
            ("lat", r.lat.map { .double($0) }),
            ("long", r.lon.map { .double($0) }),
            // GeoReport has one media_url: the first photo of the problem as reported.
            ("media_url", (r.photos.urls(.report).first ?? r.photos.first?.url).map { .text($0) }),
        ])
    }

    /// The Chinese note a citizen reads: where the case stands, or how it ended and why (masked).
    static func statusNotes(_ r: Row) -> String? {
        Open311Disclosure.statusNote(state: r.finalState ?? r.currentState, reason: r.stateReason, duplicateOfNumber: r.duplicateOfNumber)
    }

    static func document(_ rows: [Open311Value]) -> Open311Document {
        Open311Document(root: "service_requests", value: .list(element: "request", rows))
    }

    static func fetch(intake: Intake, catalogue: Open311Catalogue, ids: [String]) async throws -> [Open311Value] {
        let channels = intake.disclosure.channelNames
        let rows = try await intake.env.pool.withConnection { c in try Open311Store.requests(ids: ids, channels: channels, connection: c) }
        return rows.map { value($0, catalogue: catalogue) }
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `GET requests`: by ids (overriding everything else), or by service codes, a date span of
    /// at most 90 days (default: the last 90), status; paged by `page` / `page_size` (≤ 1,000).
    static func search(intake: Intake, catalogue: Open311Catalogue, query q: Open311Form) async throws -> Open311Document {
        try q.refuseUnstorable()
        let ids = list(q["service_request_id"])
        if !ids.isEmpty { return document(try await fetch(intake: intake, catalogue: catalogue, ids: ids)) }
        var problems: [(Int, String)] = []
        func date(_ name: String) -> Date? {
            guard let text = q[name] else { return nil }
            guard let d = RFC3339.parse(text) else { problems.append((400, "\(name) must be a W3C date-time with a time zone, e.g. 2026-01-01T00:00:00Z")); return nil }
            guard DateBounds.contains(d) else { problems.append((400, "\(name) \(DateBounds.problem)")); return nil }
            return d
        }
        let maxSpan: TimeInterval = 90 * 86_400
        var start = date("start_date")
        var end = date("end_date")
        switch (start, end) {
        case (nil, nil):
            end = intake.env.clock.now().addingTimeInterval(86_400)
            start = intake.env.clock.now().addingTimeInterval(-maxSpan)
        case (let s?, nil): end = s.addingTimeInterval(maxSpan)
        case (nil, let e?): start = e.addingTimeInterval(-maxSpan)
        case (let s?, let e?):
            if e < s { problems.append((400, "end_date is before start_date")) }
            if e.timeIntervalSince(s) > maxSpan { problems.append((400, "start_date and end_date may not span more than 90 days")) }
        }
        let statuses = list(q["status"])
        for s in statuses where Open311Status(rawValue: s) == nil { problems.append((400, "status must be open or closed, got '\(s)'")) }
        let page = q["page"].map { Int($0) } ?? 1
        let pageSize = q["page_size"].map { Int($0) } ?? 1_000
        guard let page, (1...100_000).contains(page) else { throw Open311Error(.badRequest, "page must be an integer between 1 and 100000") }
        guard let pageSize, (1...1_000).contains(pageSize) else { throw Open311Error(.badRequest, "page_size must be between 1 and 1000") }
        guard problems.isEmpty else { throw Open311Error(.badRequest, errors: problems) }

        let (from, to, codes, channels) = (start!, end!, list(q["service_code"]), intake.disclosure.channelNames)
        let rows = try await intake.env.pool.withConnection { c in
            try Open311Store.requests(from: from, to: to, channels: channels, serviceCodes: codes, statuses: statuses, page: page,
                                      pageSize: pageSize, connection: c)
        }
        return document(rows.map { value($0, catalogue: catalogue) })
    }

    /// `POST requests`: checks the key, the service and the location form, then accepts the
    /// report through the same validation and transaction as the native API (channel `open311`).
    static func create(intake: Intake, catalogue: Open311Catalogue, form: Open311Form) async throws -> Open311Document {
        try form.refuseUnstorable()
        guard let key = form["api_key"] else { throw Open311Error(.forbidden, "api_key is required") }
        let known = try await intake.env.pool.withConnection { c in try Open311Store.isKnownKey(key, connection: c) }
        guard known else { throw Open311Error(.forbidden, "invalid api_key") }
        guard let code = form["service_code"] else { throw Open311Error(.badRequest, "service_code is required") }
        guard let service = catalogue.service(code) else { throw Open311Error(.notFound, "service_code '\(code)' not found") }

        var problems: [(Int, String)] = []
        let lat = form["lat"].map { Double($0) }
        let lon = form["long"].map { Double($0) }
        if lat == .some(nil) { problems.append((400, "lat must be a number")) }
        if lon == .some(nil) { problems.append((400, "long must be a number")) }
        if (lat == nil) != (lon == nil) { problems.append((400, "lat and long must be given together")) }
        let address = form["address_string"] ?? form["address_id"]
        if (lat == nil || lon == nil) && address == nil && form["attribute[component_code]"] == nil {
            problems.append((400, "a location is required: lat and long, or address_string, or address_id"))
        }
        if let description = form["description"], description.count > 4_000 { problems.append((400, "description may be at most 4000 characters")) }
        guard problems.isEmpty else { throw Open311Error(.badRequest, errors: problems) }

        let attributes = form.attributes
        let contact = [form["email"], form["phone"]].compactMap { $0 }.joined(separator: " / ")
        let name = [form["last_name"], form["first_name"]].compactMap { $0 }.joined(separator: " ")
        let submission = ReportSubmission(
            channel: ReportChannel.open311.rawValue, channelReference: nil,
            reporterId: form["account_id"] ?? form["device_id"].map { "device:\($0)" },
            reporterContact: contact.isEmpty ? nil : (name.isEmpty ? contact : "\(name) \(contact)"),
            kind: service.kind.rawValue, classCode: service.code, conditionId: attributes["condition"]?.first,
            componentCode: attributes["component_code"]?.first,
            location: .init(longitude: lon ?? nil, latitude: lat ?? nil, address: address),
            // Open311 makes the description optional; a case needs one, so the service name stands in.
            description: form["description"] ?? service.nameZh,
            // media_url is a plain URL: a `report` photo.
            photos: form["media_url"].map { [ReportSubmission.PhotoInput(url: $0)] } ?? [],
            // Our extension of GeoReport v2 (optional; the spec's lat/long are WGS84, the channel's default):
            // a client built on a Chinese map SDK says which system its lat/long are in.
            coordinateSystem: form["coordinate_system"])
        let report: ValidReport
        switch intake.validator.validate(submission, now: intake.env.clock.now()) {
        case .success(let valid): report = valid
        case .failure(let failure):
            throw Open311Error(.badRequest, errors: failure.problems.map { (400, "\(open311Field($0.field)): \($0.problem)") })
        }
        let outcome = try await intake.accept(report, idempotencyKey: nil)
        let token = UUID().uuidString.lowercased()
        try await intake.env.pool.withConnection { c in try Open311Store.recordToken(token, caseId: outcome.report.caseId, connection: c) }
        // The receipt (回执): the case number, what happens next, and how to follow it.
        var notice = outcome.report.duplicateOf == nil
            ? "受理编号 \(outcome.report.caseNumber)：已收到，监督员将到现场核实。"
            : "受理编号 \(outcome.report.caseNumber)：附近已有相同问题在办理，已合并办理。"
        if !StatusLookup.phoneSuffixes(in: form["phone"]).isEmpty {
            notice += "凭受理编号和手机号后四位可查询办理进度。"
        }
        return document([.object([
            ("service_request_id", .text(outcome.report.caseNumber)),
            ("service_notice", .text(notice)),
            ("account_id", form["account_id"].map { .text($0) }),
        ])])
    }

    /// Native field paths in Open311 terms.
    static func open311Field(_ field: String) -> String {
        switch field {
        case "location": return "lat/long"
        case "location.longitude": return "long"
        case "location.latitude": return "lat"
        case "conditionId": return "attribute[condition]"
        case "componentCode": return "attribute[component_code]"
        case "coordinateSystem": return "coordinate_system"
        case let f where f.hasPrefix("photos"): return "media_url"
        default: return field
        }
    }
}
