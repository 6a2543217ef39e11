import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// A roster row as the API shows it.
struct RosterRowView: Codable, Sendable {
    var id: String
    var supervisorId: String
    var supervisorName: String?
    var areaCode: String
    var shift: String
    var duty: RosterDuty
    var validFrom: String
    var validTo: String?
    var source: ReferenceSource

    init(_ row: RosterAssignment) {
        id = row.id
        supervisorId = row.supervisorId
        supervisorName = row.supervisorName
        areaCode = row.areaCode
        shift = row.shift
        duty = row.duty
        validFrom = row.validFrom.description
        validTo = row.validTo?.description
        source = row.source
    }
}

/// A shift as the API shows it.
struct ShiftView: Codable, Sendable {
    var code: String
    var name: String
    var start: String
    var end: String
    var weekdays: [Int]

    init(_ shift: RosterShift) {
        func hhmm(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
        code = shift.code
        name = shift.name
        start = hhmm(shift.start)
        end = hhmm(shift.end)
        weekdays = shift.weekdays.sorted()
    }
}

/// One supervisor on duty for a grid, as the API shows it.
struct OnDutyView: Codable, Sendable {
    var supervisorId: String
    var supervisorName: String?
    var duty: RosterDuty
    var shift: String
    var shiftStart: Date
    var shiftEnd: Date
    var assignmentId: String
    var areaCode: String

    init(_ duty: OnDuty) {
        supervisorId = duty.supervisorId
        supervisorName = duty.assignment.supervisorName
        self.duty = duty.assignment.duty
        shift = duty.run.shift
        shiftStart = duty.run.start
        shiftEnd = duty.run.end
        assignmentId = duty.assignment.id
        areaCode = duty.assignment.areaCode
    }
}

/// An open field task as staff and phones see it.
struct FieldTaskView: Codable, Sendable {
    var taskId: UUID
    var caseId: UUID
    var caseNumber: String?
    var kind: FieldTaskKind
    var gridCode: String?
    var holder: String?
    var shift: String?
    var shiftEnd: Date?
    var reason: FieldTaskAssignmentReason
    var assignedAt: Date
    var dueAt: Date?
    var requestedAt: Date
    var stageDeadline: Date?
    var assignments: Int
    var description: String?
    var address: String?
    var longitude: Double?
    var latitude: Double?
    var photos: [Photo]?

    init(_ task: FieldTaskRow, stored: StoredCase?) {
        taskId = task.taskId
        caseId = task.caseId
        caseNumber = stored?.record.caseNumber
        kind = task.kind
        gridCode = task.gridCode
        holder = task.holder
        shift = task.holderShift
        shiftEnd = task.holderShiftEnd
        reason = task.reason
        assignedAt = task.assignedAt
        dueAt = task.dueAt
        requestedAt = task.requestedAt
        stageDeadline = task.stageDeadline
        assignments = task.assignments
        description = stored?.facts.description
        address = stored?.facts.address
        longitude = stored?.facts.longitude
        latitude = stored?.facts.latitude
        photos = stored?.facts.photos
    }
}

/// The field work of one shift run (or of the day's queue and off-roster assignments).
struct ShiftWorkload: Codable, Sendable, Equatable {
    /// The shift's code; absent: assignments to the queue or off roster that day.
    var shift: String?
    var counts: Counts
    var supervisors: [SupervisorWorkload]

    struct Counts: Codable, Sendable, Equatable {
        /// Tasks given to a supervisor on this shift (each assignment once).
        var assigned = 0
        var verifications = 0
        var checks = 0
        /// Answered by the holder, and of those within the holder's due time.
        var answered = 0
        var answeredOnTime = 0
        /// Passed on (shift ended, due passed, moved by hand, taken over) before an answer.
        var handedOver = 0
        /// The case moved on without an answer (voided).
        var cancelled = 0
        /// Still held.
        var open = 0
        /// Went to the shift leader's queue (no supervisor).
        var queued = 0
    }

    struct SupervisorWorkload: Codable, Sendable, Equatable {
        var supervisorId: String
        var counts: Counts
    }
}

enum Workload {
    /// Tallies a day's assignments per shift and supervisor (pure).
    static func tally(_ rows: [FieldAssignmentRow], shifts: [RosterShift]) -> [ShiftWorkload] {
        func add(_ row: FieldAssignmentRow, to counts: inout ShiftWorkload.Counts) {
            guard row.supervisorId != nil else { counts.queued += 1; return }
            counts.assigned += 1
            if row.kind == .verification { counts.verifications += 1 } else { counts.checks += 1 }
            switch row.outcome {
            case "answered"?:
                counts.answered += 1
                if row.answeredOnTime == true { counts.answeredOnTime += 1 }
            case "reassigned"?: counts.handedOver += 1
            case "cancelled"?: counts.cancelled += 1
            default: counts.open += 1
            }
        }
        var byShift: [String: (ShiftWorkload.Counts, [String: ShiftWorkload.Counts])] = [:]
        let offRoster = "\u{0}"
        for shift in shifts { byShift[shift.code] = (.init(), [:]) }
        for row in rows {
            let key = row.shift ?? offRoster
            var entry = byShift[key] ?? (.init(), [:])
            add(row, to: &entry.0)
            if let supervisor = row.supervisorId { add(row, to: &entry.1[supervisor, default: .init()]) }
            byShift[key] = entry
        }
        let order = shifts.map(\.code)
        return byShift.map { key, value in
            ShiftWorkload(shift: key == offRoster ? nil : key, counts: value.0,
                          supervisors: value.1.map { ShiftWorkload.SupervisorWorkload(supervisorId: $0.key, counts: $0.value) }
                              .sorted { $0.supervisorId < $1.supervisorId })
        }.sorted { a, b in
            (a.shift.flatMap { order.firstIndex(of: $0) } ?? order.count, a.shift ?? "") < (b.shift.flatMap { order.firstIndex(of: $0) } ?? order.count, b.shift ?? "")
        }
    }
}

/// Request bodies.
struct RosterAddBody: Decodable, Sendable {
    var supervisorId: String
    var supervisorName: String?
    var areaCode: String
    var shift: String
    var duty: RosterDuty
    var validFrom: String
    var validTo: String?
    var reason: String?
}

struct RosterEndBody: Decodable, Sendable {
    var day: String
    var reason: String?
}

struct AssignTaskBody: Decodable, Sendable {
    var supervisorId: String
}

struct PatrolBody: Decodable, Sendable {
    var title: String
    var note: String?
    var areaCodes: [String]
    var supervisorId: String
    var startsAt: Date
    var endsAt: Date
}

/// Grid responsibility over HTTP: the roster (read, change from a day on, its change log), who is
/// on duty for a grid, the shift leader's queue of field tasks and hand-made assignments, the
/// workload per shift, and special patrols.
struct RosterRoutes: Sendable {
    let env: ServiceEnvironment
    let engine: CaseEngine
    let desk: FieldTaskDesk

    /// Posts that read the roster and the queue: everyone in the centre, not departments.
    static let readers: Set<Role> = [.supervisor, .acceptor, .shiftLeader, .dispatcher, .auditor, .admin]
    /// Posts that change the roster: the shift leader and the administrator of reference data.
    static let editors: Set<Role> = [.shiftLeader, .admin]

    func register(_ router: ServiceRouter) {
        let env = self.env, engine = self.engine, desk = self.desk

        router.get("/api/v1/roster") { request, context -> Response in
            _ = try context.requireToken(roles: Self.readers, "the roster is the centre's")
            var query = QueryParameters(request, known: ["date", "grid", "supervisor"])
            let roster = try await env.pool.withConnection { try desk.roster(on: $0) }
            let day = Self.day(&query, "date") ?? roster.local(env.clock.now()).day
            let grid = query.text("grid")
            if let grid, grid.count != 15 || !grid.allSatisfy({ $0.isASCII && $0.isNumber }) { query.problem("grid", "must be a 15-digit grid code") }
            try query.finish()
            struct Body: Encodable { var version: String; var date: String; var shifts: [ShiftView]; var rows: [RosterRowView] }
            let rows = roster.rows(on: day, gridCode: grid, supervisorId: query.text("supervisor")).sorted { $0.id < $1.id }
            return try Self.json(Body(version: roster.version, date: day.description, shifts: roster.shifts.map(ShiftView.init),
                                      rows: rows.map(RosterRowView.init)))
        }

        router.get("/api/v1/roster/on-duty") { request, context -> Response in
            _ = try context.requireToken(roles: Self.readers, "the roster is the centre's")
            var query = QueryParameters(request, known: ["grid", "at"])
            let grid = query.text("grid") ?? ""
            if grid.count != 15 || !grid.allSatisfy({ $0.isASCII && $0.isNumber }) { query.problem("grid", "a 15-digit grid code is required") }
            let at = query.dateTime("at") ?? env.clock.now()
            try query.finish()
            let roster = try await env.pool.withConnection { try desk.roster(on: $0) }
            struct Body: Encodable { var gridCode: String; var at: Date; var responsible: String?; var onDuty: [OnDutyView] }
            let duties = roster.onDuty(gridCode: grid, at: at)
            return try Self.json(Body(gridCode: grid, at: at, responsible: duties.first?.supervisorId, onDuty: duties.map(OnDutyView.init)))
        }

        router.get("/api/v1/roster/changes") { request, context -> Response in
            _ = try context.requireToken(roles: Self.readers, "the roster is the centre's")
            try QueryParameters(request, known: []).finish()
            struct Body: Encodable { var changes: [StoredRosterChange] }
            return try Self.json(Body(changes: try await env.pool.withConnection { try FieldTaskStore.rosterChanges(on: $0) }))
        }

        router.post("/api/v1/roster/assignments") { request, context -> Response in
            let token = try context.requireToken(roles: Self.editors, "the shift leader or an administrator changes the roster")
            let body = try await request.decodeJSON(as: RosterAddBody.self, context: context)
            var problems: [APIError.FieldProblem] = []
            let from = CivilDate(iso: body.validFrom)
            if from == nil { problems.append(.init(field: "validFrom", problem: "must be a date YYYY-MM-DD")) }
            var to: CivilDate?
            if let text = body.validTo {
                to = CivilDate(iso: text)
                if to == nil { problems.append(.init(field: "validTo", problem: "must be a date YYYY-MM-DD")) }
            }
            if !token.scope.covers(gridCode: body.areaCode) {
                problems.append(.init(field: "areaCode", problem: "is outside the token's scope \(token.scope)"))
            }
            guard problems.isEmpty, let from else { throw APIError.validation(problems) }
            let row = RosterAssignment(id: "A-" + UUID().uuidString.lowercased(), supervisorId: body.supervisorId,
                                       supervisorName: body.supervisorName, areaCode: body.areaCode, shift: body.shift, duty: body.duty,
                                       validFrom: from, validTo: to, source: .city)
            let now = env.clock.now()
            let id = try await env.transaction { connection, _ in
                try FieldTaskStore.lockRoster(on: connection)
                let roster = try desk.roster(on: connection)
                let found = roster.problems(adding: row, today: roster.local(now).day)
                guard found.isEmpty else { throw APIError.validation(found.map { APIError.FieldProblem(field: $0.field, problem: $0.problem) }) }
                return try FieldTaskStore.record(.add(row), reason: Self.trimmed(body.reason), by: token.sub, at: now, on: connection)
            }
            struct Body: Encodable { var changeId: Int; var row: RosterRowView; var changedBy: String; var changedAt: Date }
            return try Self.json(Body(changeId: id, row: RosterRowView(row), changedBy: token.sub, changedAt: now), status: .created)
        }

        router.post("/api/v1/roster/assignments/{rowId}/end") { request, context -> Response in
            let token = try context.requireToken(roles: Self.editors, "the shift leader or an administrator changes the roster")
            let body = try await request.decodeJSON(as: RosterEndBody.self, context: context)
            guard let day = CivilDate(iso: body.day) else { throw APIError.validation(field: "day", "must be a date YYYY-MM-DD") }
            let id = context.parameters.get("rowId") ?? ""
            let now = env.clock.now()
            let (changeId, row) = try await env.transaction { connection, _ in
                try FieldTaskStore.lockRoster(on: connection)
                let roster = try desk.roster(on: connection)
                guard let row = roster.assignment(id) else { throw APIError.notFound("roster row \(id)") }
                guard token.scope.covers(gridCode: row.areaCode) else { throw APIError.notFound("roster row \(id)") }
                let found = roster.problems(ending: id, day: day, today: roster.local(now).day)
                guard found.isEmpty else { throw APIError.validation(found.map { APIError.FieldProblem(field: $0.field, problem: $0.problem) }) }
                let changeId = try FieldTaskStore.record(.end(assignmentId: id, day: day), reason: Self.trimmed(body.reason), by: token.sub,
                                                         at: now, on: connection)
                var ended = row
                ended.validTo = day
                return (changeId, ended)
            }
            struct Body: Encodable { var changeId: Int; var row: RosterRowView; var changedBy: String; var changedAt: Date }
            return try Self.json(Body(changeId: changeId, row: RosterRowView(row), changedBy: token.sub, changedAt: now))
        }

        router.get("/api/v1/roster/workload") { request, context -> Response in
            _ = try context.requireToken(roles: Self.readers, "the roster is the centre's")
            var query = QueryParameters(request, known: ["date"])
            let day = Self.day(&query, "date") ?? desk.baseRoster.local(env.clock.now()).day
            try query.finish()
            let (rows, queue) = try await env.pool.withConnection { connection in
                (try FieldTaskStore.assignments(onShiftDay: day, on: connection), try FieldTaskStore.openTasks(heldBy: nil, on: connection).count)
            }
            struct Body: Encodable { var date: String; var queueNow: Int; var shifts: [ShiftWorkload] }
            return try Self.json(Body(date: day.description, queueNow: queue, shifts: Workload.tally(rows, shifts: desk.baseRoster.shifts)))
        }

        router.get("/api/v1/field-tasks") { request, context -> Response in
            _ = try context.requireToken(roles: Self.readers, "field tasks are the centre's")
            var query = QueryParameters(request, known: ["holder", "queue"])
            let queue = query.boolean("queue") ?? false
            let holder = query.text("holder")
            if queue == (holder != nil) { query.problem("holder", "give either holder=<supervisor> or queue=true") }
            try query.finish()
            let views = try await env.pool.withConnection { connection in
                try FieldTaskStore.openTasks(heldBy: queue ? nil : holder, on: connection).map { task in
                    FieldTaskView(task, stored: try CaseStore.load(task.caseId, forUpdate: false, on: connection))
                }
            }
            struct Body: Encodable { var tasks: [FieldTaskView] }
            return try Self.json(Body(tasks: views))
        }

        router.post("/api/v1/field-tasks/{taskId}/assign") { request, context -> Response in
            let token = try context.requireToken(roles: [.shiftLeader], "the shift leader assigns field tasks by hand")
            let taskId = try context.uuidParameter("taskId", what: "field task")
            let body = try await request.decodeJSON(as: AssignTaskBody.self, context: context)
            guard GridRoster.isValidSupervisorId(body.supervisorId) else {
                throw APIError.validation(field: "supervisorId", "must be 1–64 letters, digits, '.', '_' or '-'")
            }
            let now = env.clock.now()
            let view = try await env.transaction { connection, outbox in
                guard let found = try FieldTaskStore.task(taskId, on: connection),
                      let stored = try CaseStore.load(found.caseId, forUpdate: true, on: connection),
                      SupervisionAPI.visible(stored, to: token) else { throw APIError.notFound("field task \(taskId)") }
                guard let task = try FieldTaskStore.openTask(caseId: found.caseId, on: connection), task.taskId == taskId else {
                    throw APIError.conflict("task_closed", "the field task is no longer open")
                }
                guard task.holder != body.supervisorId else { return FieldTaskView(task, stored: stored) }
                let roster = try desk.roster(on: connection)
                let duty = task.gridCode.flatMap { roster.duty(of: body.supervisorId, gridCode: $0, at: now) }
                let target = FieldTaskTarget(supervisorId: body.supervisorId, shift: duty?.run.shift, shiftDay: duty?.run.day,
                                             shiftEnd: duty?.run.end)
                let moved = try desk.move(task, to: target, reason: .manual, by: token.sub, at: now, stored: stored, engine: engine,
                                          connection: connection, outbox: outbox)
                return FieldTaskView(moved, stored: stored)
            }
            return try Self.json(view)
        }

        router.post("/api/v1/patrols") { request, context -> Response in
            let token = try context.requireToken(roles: [.shiftLeader], "the shift leader sends special patrols")
            let body = try await request.decodeJSON(as: PatrolBody.self, context: context)
            var problems: [APIError.FieldProblem] = []
            let title = body.title.trimmingCharacters(in: .whitespacesAndNewlines)
            if title.isEmpty || title.count > 200 { problems.append(.init(field: "title", problem: "must be 1–200 characters")) }
            if let note = body.note, note.count > 2000 { problems.append(.init(field: "note", problem: "at most 2000 characters")) }
            if body.areaCodes.isEmpty || body.areaCodes.count > 200 {
                problems.append(.init(field: "areaCodes", problem: "must name 1–200 streets, communities or grids"))
            }
            for (i, code) in body.areaCodes.enumerated() where !desk.baseRoster.areaCodes.contains(code) || !token.scope.covers(gridCode: code) {
                problems.append(.init(field: "areaCodes[\(i)]", problem: "is not a street, community or grid in the token's scope"))
            }
            if !GridRoster.isValidSupervisorId(body.supervisorId) {
                problems.append(.init(field: "supervisorId", problem: "must be 1–64 letters, digits, '.', '_' or '-'"))
            }
            if body.endsAt <= body.startsAt { problems.append(.init(field: "endsAt", problem: "must be after startsAt")) }
            guard problems.isEmpty else { throw APIError.validation(problems) }
            let now = env.clock.now()
            let patrol = FieldTaskStore.Patrol(patrolId: UUID(), title: title, note: body.note, areaCodes: body.areaCodes,
                                               supervisorId: body.supervisorId, startsAt: body.startsAt, endsAt: body.endsAt,
                                               createdBy: token.sub, createdAt: now)
            try await env.pool.withConnection { try FieldTaskStore.insertPatrol(patrol, on: $0) }
            return try Self.json(patrol, status: .created)
        }
    }

    // MARK: Helpers

    static func day(_ query: inout QueryParameters, _ name: String) -> CivilDate? {
        guard let text = query.text(name) else { return nil }
        guard let day = CivilDate(iso: text) else {
            query.problem(name, "must be a date YYYY-MM-DD")
            return nil
        }
        return day
    }

    static func trimmed(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// A JSON answer in the message coding (RFC 3339 dates, sorted keys).
    static func json<Body: Encodable>(_ body: Body, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try MessageCoding.encoder().encode(body)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
