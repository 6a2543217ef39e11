import CityGridModel
import CityGridPlatform
import Foundation
import Logging
import PGClient

/// The service's decisions on top of the database: locate a reported case, dispatch a filed one.
/// Everything runs on the caller's connection and outbox, i.e. in the caller's transaction.
public struct RoutingCore: Sendable {
    public let reference: ReferenceData
    public let locator: Locator
    public let planner: DispatchPlanner

    public init(reference: ReferenceData) {
        self.reference = reference
        locator = Locator(reference: reference, geocoder: Geocoder(gazetteer: reference.gazetteer))
        planner = DispatchPlanner(reference: reference)
    }

    static func subject(_ caseId: UUID) -> String { caseId.uuidString.lowercased() }

    // MARK: Reported → located or manual

    func handleReported(_ report: CaseReported, connection: PGConnection, outbox: OutboxWriter, now: Date, logger: Logger) throws {
        try CaseProjectionStore.insert(report, connection: connection)
        let date = reference.calendar.civilDate(of: report.reportedAt)
        let point: GeoPoint? = report.location.longitude.flatMap { lon in report.location.latitude.map { GeoPoint(lon: lon, lat: $0) } }
        let place = ReportPlace(componentCode: report.componentCode, point: point, address: report.location.address)
        let location = try locator.locate(place) { try GridStore.grid(containing: $0, on: date, connection: connection) }
        if let location {
            try publishLocated(caseId: report.caseId, caseNumber: report.caseNumber, kind: report.kind, classCode: report.classCode,
                               address: report.location.address, location: location, connection: connection, outbox: outbox, now: now)
            logger.info("case located", metadata: ["grid": "\(location.grid.gridCode)", "method": "\(location.method.rawValue)"])
        } else {
            let detail = "no grid for " + [report.componentCode.map { "component \($0)" }, point.map { "point \($0)" },
                                           report.location.address.map { "address '\($0)'" }].compactMap { $0 }.joined(separator: ", ")
            try ManualQueueStore.open(caseId: report.caseId, caseNumber: report.caseNumber, reason: .unlocatable, detail: detail, filing: nil,
                                 at: now, connection: connection)
            _ = try outbox.publish(ManualDispatchRequired(caseId: report.caseId, caseNumber: report.caseNumber, reason: .unlocatable, detail: detail),
                                   subject: Self.subject(report.caseId), at: now)
            logger.notice("case unlocatable; queued for manual dispatch", metadata: ["detail": "\(detail)"])
        }
    }

    func publishLocated(caseId: UUID, caseNumber: String, kind: ClassKind, classCode: String, address: String?, location: CaseLocation,
                        connection: PGConnection, outbox: OutboxWriter, now: Date) throws {
        try CaseProjectionStore.setLocation(caseId, location, at: now, connection: connection)
        let event = CaseLocated(
            caseId: caseId, caseNumber: caseNumber, gridCode: location.grid.gridCode, communityCode: location.grid.communityCode,
            streetCode: location.grid.streetCode, districtCode: location.grid.districtCode, areaClass: location.grid.areaClass,
            longitude: location.point.lon, latitude: location.point.lat, method: location.method, matchedName: location.matchedName,
            recurrenceKey: Locator.recurrenceKey(gridCode: location.grid.gridCode, kind: kind, classCode: classCode, address: address))
        _ = try outbox.publish(event, subject: Self.subject(caseId), at: now)
    }

    // MARK: Filed → dispatched or manual

    /// The filing brings supervision's decisions (condition, handling limit, excluded
    /// departments); what the case is and where it is come from the projection, so a filing for
    /// a case routing has not located yet waits for the location.
    func handleFiled(_ filed: CaseFiled, connection: PGConnection, outbox: OutboxWriter, now: Date, logger: Logger) throws {
        guard var projection = try CaseProjectionStore.load(filed.caseId, connection: connection), let gridCode = projection.gridCode else {
            throw HandlerError.notYet("case \(filed.caseNumber) is not located yet")
        }
        // The centre files a case under its class: the acceptor may have replaced the report's
        // provisional one (a 12345 ticket classified by suggestion). Dispatch follows the filing.
        if let kind = filed.kind, let classCode = filed.classCode, kind != projection.kind || classCode != projection.classCode {
            logger.info("class changed at acceptance", metadata: ["from": "\(projection.kind.rawValue):\(projection.classCode)",
                                                                  "to": "\(kind.rawValue):\(classCode)"])
            projection.kind = kind
            projection.classCode = classCode
            try CaseProjectionStore.setClass(filed.caseId, kind: kind, classCode: classCode, connection: connection)
        }
        if try alreadyDispatched(filed, connection: connection) {
            logger.notice("filing already dispatched; ignored", metadata: ["redispatch": "\(filed.redispatch ?? false)"])
            return
        }
        let decision = planner.decide(kind: projection.kind, classCode: projection.classCode, componentCode: projection.componentCode,
                                      gridCode: gridCode, excluding: filed.excludedDepartments)
        switch decision {
        case .department(let code, let via):
            let task = try dispatch(filed, to: code, via: via.rawValue, projection: projection, gridCode: gridCode,
                                    connection: connection, outbox: outbox, now: now)
            logger.info("task dispatched", metadata: ["department": "\(code)", "via": "\(via.rawValue)", "deadline": "\(task.deadline)",
                                                      "deadline_basis": "\(task.deadlineBasis.map(String.init(describing:)) ?? "-")"])
        case .manual(let reason, let detail):
            try ManualQueueStore.open(caseId: filed.caseId, caseNumber: filed.caseNumber, reason: reason, detail: detail, filing: filed,
                                 at: now, connection: connection)
            _ = try outbox.publish(ManualDispatchRequired(caseId: filed.caseId, caseNumber: filed.caseNumber, reason: reason, detail: detail),
                                   subject: Self.subject(filed.caseId), at: now)
            logger.notice("no department; queued for manual dispatch", metadata: ["reason": "\(reason.rawValue)"])
        }
    }

    /// A case is filed (立案) once; a second first-time filing, or a re-dispatch request with the
    /// same returned departments as the latest re-dispatch, is a duplicate of one already served.
    func alreadyDispatched(_ filed: CaseFiled, connection: PGConnection) throws -> Bool {
        guard let latest = try DispatchStore.latest(caseId: filed.caseId, connection: connection) else { return false }
        guard filed.redispatch == true else { return true }
        return latest.redispatch && Set(latest.excluded) == Set(filed.excludedDepartments)
    }

    enum DispatchFailure: Error, CustomStringConvertible {
        case unknownDepartment(String)
        /// The handling deadline cannot be counted: the count starts or ends in `year`, which the
        /// working calendar does not cover. `coverable` says whether importing the year's State
        /// Council notice would cover it (a year before the 2024 rules) or nothing can (a year
        /// past the calendar's horizon).
        case calendar(year: Int, coverable: Bool)

        var description: String {
            switch self {
            case .unknownDepartment(let code):
                "unknown department \(code)"
            case .calendar(let year, true):
                "cannot count the handling deadline: the working calendar does not cover \(year) (years before "
                    + "\(StatutoryHolidays.firstYear) are covered only by their State Council notice: import calendar/\(year).csv "
                    + "with `citygrid calendar import`)"
            case .calendar(let year, false):
                "cannot count the handling deadline: \(year) lies beyond the working calendar's horizon "
                    + "(\(WorkingCalendar.horizonYear)); no calendar covers it, so this deadline can never be counted"
            }
        }
    }

    /// The handling deadline of `limit` counted from `start`, with its basis.
    /// - Throws: ``DispatchFailure/calendar(year:coverable:)`` when the count needs a year the
    ///   calendar does not cover (with every year from 2025 to the horizon covered, only a clock
    ///   outside those years gets here).
    func handlingDeadline(from start: Date, limit: TimeLimit) throws -> Deadline {
        do {
            return try DeadlineCounting.count(limit, from: start, on: reference.calendar)
        } catch WorkingCalendarError.calendarYearMissing(let year) {
            throw DispatchFailure.calendar(year: year, coverable: year <= WorkingCalendar.horizonYear)
        }
    }

    /// Publishes the department's task and records the dispatch: the case as routing keeps it
    /// (``CaseProjection``) under supervision's filing decisions (condition, handling limit).
    @discardableResult
    func dispatch(_ filed: CaseFiled, to departmentCode: String, via: String, by dispatcher: String? = nil, projection: CaseProjection,
                  gridCode: String, connection: PGConnection, outbox: OutboxWriter, now: Date) throws -> TaskDispatched {
        guard let department = reference.department(departmentCode) else { throw DispatchFailure.unknownDepartment(departmentCode) }
        let due = try handlingDeadline(from: now, limit: filed.handlingLimit)
        let task = TaskDispatched(
            dispatchId: UUID(), caseId: filed.caseId, caseNumber: filed.caseNumber, departmentCode: department.code,
            departmentName: department.name, via: via, kind: projection.kind, classCode: projection.classCode,
            className: reference.caseClass(ClassKey(projection.kind, projection.classCode))?.nameZh ?? projection.classCode,
            conditionId: filed.conditionId, gridCode: gridCode, description: projection.description,
            address: projection.address, longitude: projection.lon, latitude: projection.lat, photos: projection.photos.map(\.url),
            dispatchedAt: now, deadline: due.at, handlingLimit: filed.handlingLimit, redispatch: filed.redispatch ?? false,
            dispatchedBy: dispatcher, deadlineBasis: due.basis)
        try DispatchStore.record(task, via: via, at: now, due: due, excluded: filed.excludedDepartments, connection: connection)
        _ = try outbox.publish(task, subject: Self.subject(filed.caseId), at: now)
        return task
    }
}
