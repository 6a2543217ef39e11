// citygrid — the administrators' tool: reference data, calendars, API tokens, department
// broker credentials, dead letters, case timelines and monthly reports.
import AMQPClient
import ArgumentParser
import CityGridModel
import CityGridPlatform
import ConsoleService
import Crypto
import Foundation
import PGClient
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@main
struct CityGrid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "citygrid",
        abstract: "Administer a CityGrid installation.",
        subcommands: [Reference.self, Calendar.self, Token.self, Departments.self, Users.self, DeadLetters.self, Case.self, Report.self])
}

/// The reference-data folder a command reads, and how it was chosen (said on stderr, so a
/// user who gets the wrong city's data sees why).
struct ReferenceFolder {
    let path: String
    let origin: String

    static let environmentVariable = "CITYGRID_REFERENCE_DATA"
    static let checkoutSubpath = "Shared/reference-data"

    /// `--path` if given, else `CITYGRID_REFERENCE_DATA`, else the checkout the binary was built
    /// in (found by walking up from the executable, so `.build/debug/citygrid` works from any
    /// directory), else `Shared/reference-data` under the current directory. An explicit choice
    /// that does not exist is an error, not a reason to quietly read another folder.
    static func resolve(_ explicit: String?) throws -> ReferenceFolder {
        // A named folder only has to exist: the load says what is wrong inside it.
        if let explicit {
            guard isDirectory(explicit) else { throw CommandFailure("--path \(explicit): no such folder") }
            return ReferenceFolder(path: explicit, origin: "--path")
        }
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable], !fromEnvironment.isEmpty {
            guard isDirectory(fromEnvironment) else {
                throw CommandFailure("\(environmentVariable)=\(fromEnvironment): no such folder; fix or unset it, or pass --path")
            }
            return ReferenceFolder(path: fromEnvironment, origin: environmentVariable)
        }
        var looked: [String] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            var directory = executable.deletingLastPathComponent()
            while true {
                let candidate = directory.appendingPathComponent(checkoutSubpath).path
                if isReferenceFolder(candidate) { return ReferenceFolder(path: candidate, origin: "the checkout of \(executable.path)") }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
            looked.append("above \(executable.path)")
        }
        let underCurrentDirectory = FileManager.default.currentDirectoryPath + "/" + checkoutSubpath
        if isReferenceFolder(underCurrentDirectory) { return ReferenceFolder(path: underCurrentDirectory, origin: "the current directory") }
        looked.append(underCurrentDirectory)
        throw CommandFailure("no reference data found (looked for \(checkoutSubpath) \(looked.joined(separator: " and in "))): "
                             + "pass --path <folder with VERSION and the CSV files> or set \(environmentVariable)")
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// Whether a folder found by searching is reference data (its VERSION file), not just any
    /// folder of that name.
    static func isReferenceFolder(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("VERSION"))
    }
}

/// Loads the reference data from `--path` or where `ReferenceFolder` finds it.
func loadReference(_ explicitPath: String?, progress: Bool) throws -> (data: ReferenceData, folder: String) {
    let folder = try ReferenceFolder.resolve(explicitPath)
    // Said when the folder was not named on the command line: the user did not choose it.
    if explicitPath == nil { printError("reference data: \(folder.path) (from \(folder.origin))") }
    do {
        let data = try ReferenceData.load(from: URL(fileURLWithPath: folder.path), progress: progress ? { file, done, total in
            FileHandle.standardError.write(Data("\r  \(file): \(done)/\(total)".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } : nil)
        return (data, folder.path)
    } catch let errors as ReferenceDataErrors {
        for error in errors.errors { print(error) }
        throw ValidationError("\(errors.errors.count) problem(s) in \(folder.path)")
    }
}

/// The help of every `--path` option: where the folder comes from when the option is left out.
let referencePathHelp = ArgumentHelp(
    "Reference-data folder (default: $\(ReferenceFolder.environmentVariable), else \(ReferenceFolder.checkoutSubpath) of the checkout this binary was built in).",
    valueName: "folder")

struct Reference: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reference data (classes, conditions, departments, grids, calendars).",
                                                    subcommands: [Validate.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load and check a reference-data folder; errors name file, line and field.")
        @Option(help: referencePathHelp) var path: String?

        func run() async throws {
            let data = try loadReference(path, progress: true).data
            print("reference data \(data.version) OK: \(data.classes.count) classes, \(data.filingConditions.count) filing conditions, "
                  + "\(data.departments.count) departments, \(data.grids.count) grids, \(data.components.count) components, "
                  + "\(data.gazetteer.count) gazetteer entries")
        }
    }
}

struct Calendar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The working-time calendar: check it, and import the State Council's notice for a year.",
        subcommands: [Years.self, Days.self, Deadline.self, Provisional.self, Import.self])

    /// Where a command reads the calendar: the reference-data folder, plus (with `--db-url`) the
    /// years imported into the running city as one service stored them, i.e. what that service
    /// counts deadlines with now.
    struct Source: ParsableArguments {
        @Option(help: referencePathHelp) var path: String?
        @Option(help: ArgumentHelp("A service's database URL (its CITYGRID_DB_URL): add the calendar years imported into the running city.",
                                   valueName: "url"))
        var dbURL: String?

        /// The reference data, the calendar as the source stands, and a few words saying which it is.
        func load() async throws -> (reference: ReferenceData, calendar: WorkingCalendar, origin: String) {
            let (reference, folder) = try loadReference(path, progress: false)
            guard let dbURL else { return (reference, reference.calendar, folder) }
            let pool = PGPool(settings: PGSettings(url: dbURL, applicationName: "citygrid-cli", poolSize: 1))
            // The service's own table (its role's search_path is its schema), read the way the
            // service reads it: each year as last imported.
            let rows: [(key: String, content: String)]
            do {
                rows = try await pool.withConnection { connection in
                    try connection.query("""
                        SELECT item_key, content FROM reference_changes WHERE table_name = 'calendar' ORDER BY received_at, seq
                        """).rows.map { (key: try $0.string("item_key"), content: try $0.string("content")) }
                }
            } catch {
                await pool.closeAll()
                throw CommandFailure("cannot read the imported calendar years from --db-url: \(error)")
            }
            await pool.closeAll()
            let calendar = ReferenceChanges.calendar(base: reference.calendar, stored: rows)
            return (reference, calendar, "\(folder) + \(rows.count) stored import(s)")
        }
    }

    struct Years: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List calendar years: standing (official from the State Council's notice, or provisional), notice and version.")
        @OptionGroup var source: Source
        @Option(help: "First year (default: last year).") var from: Int?
        @Option(help: "Last year (default: next year).") var to: Int?

        func run() async throws {
            let (_, calendar, origin) = try await source.load()
            let thisYear = calendar.civilDate(of: Date()).year
            let first = from ?? thisYear - 1, last = to ?? thisYear + 1
            guard first <= last else { throw ValidationError("--from must not be after --to") }
            print("calendar years \(first)–\(last) from \(origin)")
            print(pad("year", 6) + pad("standing", 13) + pad("working days", 14) + pad("version", 22) + pad("basis version", 22) + "notice")
            for year in first...last {
                guard let info = calendar.years[year] else {
                    print(pad("\(year)", 6) + "not covered (before \(StatutoryHolidays.firstYear) without a file, or past \(WorkingCalendar.horizonYear))")
                    continue
                }
                let workingDays = (1...12).reduce(0) { $0 + ((try? calendar.workingDays(year: year, month: $1).count) ?? 0) }
                print(pad("\(year)", 6) + pad(info.standing.rawValue, 13) + pad("\(workingDays)", 14) + pad(info.contentVersion, 22)
                      + pad(calendar.versions[year] ?? "", 22) + (info.notice ?? "(none yet: statutory days only)"))
            }
            print("version: the year's content, as `calendar import` publishes it; basis version: with the work periods, as deadlines record it")
        }
    }

    struct Days: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the working days of a month, with the year's standing and the month's special days.")
        @Option var year: Int
        @Option var month: Int
        @OptionGroup var source: Source

        func run() async throws {
            guard (1...12).contains(month) else { throw ValidationError("--month must be 1…12") }
            let calendar = try await source.load().calendar
            let days = try calendar.workingDays(year: year, month: month)
            print("\(days.count) working days in \(year)-\(twoDigits(month)), \(Calendar.standing(calendar, year)):")
            print(days.map(\.description).joined(separator: " "))
            let special = calendar.entries.values.filter { $0.date.year == year && $0.date.month == month }.sorted { $0.date < $1.date }
            for entry in special {
                print("  \(entry.date) \(weekdayName(entry.date))  \(pad(entry.type.rawValue, 8)) \(entry.name)")
            }
            if calendar.standing(of: year) == .provisional {
                print("provisional: statutory days only, no bridging or make-up days; these may change when the State Council's notice is imported")
            }
        }
    }

    struct Deadline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute a deadline and what it was counted on: --from 2026-09-30T17:00:00+08:00 --limit \"4 working_hours\".")
        @Option(help: "Start, RFC 3339.") var from: String
        @Option(help: "\"<value> <working_hours|working_days|natural_hours>\"") var limit: String
        @OptionGroup var source: Source

        func run() async throws {
            guard let start = RFC3339.parse(from) else { throw ValidationError("--from must be RFC 3339, e.g. 2026-09-30T17:00:00+08:00") }
            let parts = limit.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[0]), let unit = TimeLimitUnit(rawValue: String(parts[1])) else {
                throw ValidationError("--limit must be '<number> <working_hours|working_days|natural_hours>'")
            }
            let calendar = try await source.load().calendar
            let due = try calendar.due(from: start, limit: TimeLimit(value, unit))
            print("\(Calendar.format(due.at, calendar.timeZone))  basis: \(due.basis)")
            if due.basis.isProvisional {
                print("provisional: the deadline may move when the State Council's notice for the year is imported")
            }
        }
    }

    struct Provisional: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a year's statutory days as a calendar file to edit into the official one (citygrid calendar provisional --year 2027 > 2027.csv).")
        @Option var year: Int
        @Option(help: referencePathHelp) var path: String?

        func run() async throws {
            let zone = try loadReference(path, progress: false).data.calendar.timeZone
            guard let days = StatutoryHolidays.days(of: year, timeZone: zone) else {
                throw CommandFailure("\(year) is before \(StatutoryHolidays.firstYear): the statutory rules of 2024 (in force from 2025) do not apply to it")
            }
            print("date,type,name")
            // A placeholder the validation refuses until it is filled in from the notice.
            print("YYYY-MM-DD,notice,")
            for day in days { print("\(day.date),holiday,\(csvField(day.name))") }
            printError("""
                Draft of \(year) from the statutory rules (\(days.count) days off). To make it the official year:
                  1. line 2: the day the State Council's notice was issued and its reference, e.g. 2025-11-04,notice,国办发明电〔2025〕7号
                  2. add the notice's other days off (bridging days, weekend days of a holiday) as `holiday` rows
                  3. add its make-up working days (a Saturday or Sunday each) as `workday` rows, e.g. \(year)-02-20,workday,春节调休上班
                  4. check it: citygrid calendar import FILE --dry-run
                """)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a year's calendar from the State Council's notice, show what it changes, and publish it to every service.",
            discussion: """
                The file has the columns date,type,name: one `notice` row (the day the notice was issued, its reference as name), \
                then `holiday` and `workday` rows of the year. Every service stores the change and swaps its calendar in without \
                a restart; importing the same file again changes nothing.
                """)
        @Argument(help: "The year's calendar file.") var file: String
        @Option(help: "The year the file is for (default: the year of its rows).") var year: Int?
        @Option(help: "Who imports it (default: $USER).") var by: String?
        @ArgumentParser.Flag(help: "Validate and show the changes only; publish nothing.") var dryRun = false
        @OptionGroup var source: Source
        @Option(help: "AMQP URL of an administrator.") var amqpURL: String = ProcessInfo.processInfo.environment["CITYGRID_AMQP_ADMIN_URL"]
            ?? "amqp://citygrid-admin:citygrid-admin@127.0.0.1:5673/citygrid"

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw CommandFailure("\(file): missing, unreadable or not UTF-8")
            }
            let (_, current, origin) = try await source.load()
            let parsed: CalendarYear
            switch OfficialYearFile.parse(text, file: file, expectedYear: year, timeZone: current.timeZone) {
            case .success(let value): parsed = value
            case .failure(let problems):
                for problem in problems.errors { printError(problem.description) }
                throw CommandFailure("\(problems.errors.count) problem(s) in \(file); nothing published")
            }
            print("\(file): \(parsed.year) official, notice \(parsed.notice ?? "")\(noticeDate(text).map { " of \($0)" } ?? ""), "
                  + "\(parsed.entries.count) special days, version \(parsed.contentVersion)")
            Calendar.printChanges(from: current, to: parsed, origin: origin)
            if source.dbURL == nil {
                print("(compared with the reference-data folder; --db-url compares with what a running service counts now)")
            }
            if dryRun {
                print("dry run: nothing published")
                return
            }
            let change = ReferenceDataChanged(
                changeId: UUID(), table: .calendar, key: String(parsed.year), version: parsed.contentVersion, content: text,
                source: parsed.notice, changedAt: Date(),
                changedBy: by ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown")
            let messageId = try await Calendar.publish(change, amqpURL: amqpURL)
            print("published \(ReferenceDataChanged.eventType) \(change.table.rawValue)/\(change.key) \(change.version) by \(change.changedBy) "
                  + "(message \(messageId), routing key \(change.routingKey)); every service stores it and swaps its calendar within seconds "
                  + "(log: \"working calendar replaced\")")
        }

        /// The date of the notice row, for the summary (the parse checked it).
        func noticeDate(_ text: String) -> String? {
            let table = CSVTable.parse(text, file: file).table
            guard let date = table.column("date"), let type = table.column("type") else { return nil }
            return table.records.first { $0.fields.count > max(date, type) && $0.fields[type] == OfficialYearFile.noticeType }?.fields[date]
        }
    }

    /// Publishes one change the way the services' outbox relays publish: an envelope on
    /// `citygrid.events` under the message's routing key, persistent, `mandatory`, with a
    /// publisher confirm. A message the broker returns reached no queue: no service has ever
    /// declared its reference queue on this broker and vhost, so nobody would apply it.
    /// - Returns: the message id.
    static func publish(_ change: ReferenceDataChanged, amqpURL: String) async throws -> String {
        let envelope = Envelope(id: change.changeId, type: ReferenceDataChanged.eventType, source: "/citygrid/admin", time: change.changedAt,
                                subject: nil, data: change)
        let messageId = envelope.id.uuidString.lowercased()
        let message = OutgoingMessage(
            exchange: MessagingNames.eventsExchange, routingKey: change.routingKey, messageId: messageId, type: ReferenceDataChanged.eventType,
            timestamp: change.changedAt, headers: [MessagingNames.traceparentHeader: TraceContext.child(of: nil)],
            body: Array(try MessageCoding.encoder().encode(envelope)), mandatory: true)
        let publisher = AMQPPublisher(endpoint: try AMQPEndpoint(url: amqpURL), topology: Topology(), name: "citygrid-calendar-import")
        let outcomes: [PublishOutcome]
        do {
            outcomes = try await publisher.publish([message])
        } catch {
            await publisher.disconnect()
            throw CommandFailure("publishing to the broker failed, nothing was imported: \(error)")
        }
        await publisher.disconnect()
        switch outcomes.first {
        case .confirmed?:
            return messageId
        case .returned(let reason)?:
            throw CommandFailure("the broker returned the change (\(reason)): no service is listening on \(change.routingKey) in this "
                                 + "broker and vhost, so nothing was imported. Start the services (each declares its <service>.reference "
                                 + "queue) or check --amqp-url, then import again")
        case .nacked?, nil:
            throw CommandFailure("the broker refused the change (nack); nothing was imported, try again")
        }
    }

    /// What `year` changes against the calendar in use: days that become days off and days that
    /// become working days, and the year's working-day count before and after.
    static func printChanges(from current: WorkingCalendar, to year: CalendarYear, origin: String) {
        guard let before = current.years[year.year] else {
            print("against \(origin): \(year.year) is not covered yet; the import adds it")
            return
        }
        print("against \(origin): \(standing(current, year.year)), version \(before.contentVersion)")
        if before.contentVersion == year.contentVersion {
            print("  the same as the current \(year.year): nothing changes (a city that already has it ignores it again)")
            return
        }
        let after = current.replacing(year)
        var offNow: [CivilDate] = [], workingNow: [CivilDate] = []
        let first = CivilDate(year: year.year, month: 1, day: 1)!
        var date = first
        while date.year == year.year {
            let was = (try? current.isWorkingDay(date)) ?? false, isNow = (try? after.isWorkingDay(date)) ?? false
            if was && !isNow { offNow.append(date) }
            if !was && isNow { workingNow.append(date) }
            date = date.adding(days: 1)
        }
        func describe(_ date: CivilDate) -> String {
            let name = after.entries[date]?.name ?? current.entries[date].map { "no longer \($0.name)" } ?? ""
            return "    \(date) \(weekdayName(date))  \(name)"
        }
        if offNow.isEmpty && workingNow.isEmpty {
            print("  no day changes between working day and day off (names or listed weekend days only)")
        }
        if !offNow.isEmpty {
            print("  working days that become days off (\(offNow.count)):")
            offNow.forEach { print(describe($0)) }
        }
        if !workingNow.isEmpty {
            print("  days off that become working days (\(workingNow.count)):")
            workingNow.forEach { print(describe($0)) }
        }
        let count = { (c: WorkingCalendar) in (1...12).reduce(0) { $0 + ((try? c.workingDays(year: year.year, month: $1).count) ?? 0) } }
        print("  working days in \(year.year): \(count(current)) → \(count(after)); once imported, running deadlines counted on the "
              + "old \(year.year) are counted again")
    }

    /// `2027 provisional (statutory days only)`, `2026 official (国办发明电〔2025〕7号)`.
    static func standing(_ calendar: WorkingCalendar, _ year: Int) -> String {
        guard let info = calendar.years[year] else { return "\(year) not covered" }
        switch info.standing {
        case .official: return "\(year) official" + (info.notice.map { " (\($0))" } ?? "")
        case .provisional: return "\(year) provisional (statutory days only)"
        }
    }

    /// `2027-01-05T09:00:00+08:00` in the city's zone.
    static func format(_ date: Date, _ zone: TimeZone) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: zone).year().month().day().time(includingFractionalSeconds: false)
            .timeZone(separator: .colon))
    }
}

/// A command that failed for a reason it states; no usage text follows.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

func weekdayName(_ date: CivilDate) -> String { ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][date.weekday - 1] }

/// One CSV field, quoted when it has to be (RFC 4180).
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bearer tokens for the HTTP APIs.", subcommands: [Issue.self, Inspect.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a signed token (secret from CITYGRID_TOKEN_SECRET).")
        @Option(help: "User or system id.") var sub: String
        @Option(help: "supervisor, acceptor, shift_leader, dispatcher, department, auditor, admin") var role: String
        @Option(help: "city | district:<code> | street:<code> | department:<code>") var scope: String = "city"
        @Option(help: "Validity in days of the city's clock (CITYGRID_CLOCK_* as the services read them).") var days: Int = 30

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("unknown role '\(role)'") }
            guard let scope = AccessScope(scope) else { throw ValidationError("scope must be city, district:<code>, street:<code> or department:<code>") }
            let secret = try ServiceConfiguration.tokenSecretFromEnvironment()
            // Services check validity on the city's clock; a city running at another time (a demo
            // started on 30 December, a drill) must get tokens valid in its own time.
            let now = try ServiceMain.clockFromEnvironment().now()
            print(TokenAuthority(secret: secret).issue(AccessToken(sub: sub, role: role, scope: scope, iat: now, exp: now.addingTimeInterval(Double(days) * 86_400))))
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a token and print its claims.")
        @Argument var token: String
        func run() async throws {
            let claims = try TokenAuthority(secret: try ServiceConfiguration.tokenSecretFromEnvironment()).verify(token, now: Date())
            print("sub=\(claims.sub) role=\(claims.role.rawValue) scope=\(claims.scope) expires=\(RFC3339.format(claims.exp))")
        }
    }
}

/// The RabbitMQ management API, for department credentials.
struct Management {
    let base: String
    let user: String
    let password: String

    static func fromEnvironment() -> Management {
        let env = ProcessInfo.processInfo.environment
        return Management(base: env["CITYGRID_AMQP_MGMT_URL"] ?? "http://127.0.0.1:15673",
                          user: env["CITYGRID_AMQP_ADMIN_USER"] ?? "citygrid-admin",
                          password: env["CITYGRID_AMQP_ADMIN_PASSWORD"] ?? "citygrid-admin")
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        var request = URLRequest(url: URL(string: base + "/api/" + path)!)
        request.httpMethod = method
        request.setValue("Basic " + Data("\(user):\(password)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw ValidationError("RabbitMQ management \(method) \(path) answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data)
    }

    /// A user as the management API describes it, or nil when there is no such user.
    func user(_ name: String) async throws -> [String: Any]? {
        var request = URLRequest(url: URL(string: base + "/api/users/" + Management.encode(name))!)
        request.setValue("Basic " + Data("\(user):\(password)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if status == 404 { return nil }
        guard status == 200 else {
            throw ValidationError("RabbitMQ management GET users/\(name) answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Whether `candidate` is the password of `user` (from `user(_:)`). The broker stores
    /// base64(salt ‖ hash(salt ‖ password)) with a 4-byte salt; an algorithm this tool does not
    /// know answers false, so a caller never claims a password it could not check.
    static func passwordMatches(_ user: [String: Any], _ candidate: String) -> Bool {
        guard let stored = (user["password_hash"] as? String).flatMap({ Data(base64Encoded: $0) }), stored.count > 4 else { return false }
        let salt = stored.prefix(4), input = salt + Data(candidate.utf8)
        let digest: Data
        switch user["hashing_algorithm"] as? String {
        case "rabbit_password_hashing_sha256"?: digest = Data(SHA256.hash(data: input))
        case "rabbit_password_hashing_sha512"?: digest = Data(SHA512.hash(data: input))
        default: return false
        }
        return stored.dropFirst(4) == digest
    }

    static func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s }
}

struct Departments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Broker credentials for departments: each reads only its own queue and publishes only its own commands.",
        subcommands: [Provision.self, List.self, Rotate.self])

    struct Options: ParsableArguments {
        @Option(help: "Virtual host.") var vhost: String = ProcessInfo.processInfo.environment["CITYGRID_AMQP_VHOST"] ?? "citygrid"
    }

    /// Declares the department's queue and its user's rights (the user must exist). The queue is
    /// `dept.<code>.tasks`, bound to its tasks and notices; the user may read that queue and
    /// write `<code>.*` commands only. Declaring again changes nothing that is already so.
    static func declareQueueAndRights(_ code: String, vhost: String, management: Management) async throws {
        let v = Management.encode(vhost)
        let user = "dept-\(code)"
        let queue = "dept.\(code).tasks"
        try await management.call("PUT", "queues/\(v)/\(Management.encode(queue))", [
            "durable": true, "arguments": ["x-queue-type": "quorum", "x-delivery-limit": 20,
                                           "x-dead-letter-exchange": MessagingNames.deadLetterExchange, "x-dead-letter-routing-key": queue]])
        try await management.call("PUT", "queues/\(v)/\(Management.encode(queue + ".dlq"))", ["durable": true, "arguments": ["x-queue-type": "quorum"]])
        for (exchange, key) in [(MessagingNames.eventsExchange, TaskDispatched.routingKey(departmentCode: code)),
                                (MessagingNames.eventsExchange, TaskNotice.bindingPattern(departmentCode: code)),
                                (MessagingNames.deadLetterExchange, queue)] {
            let target = exchange == MessagingNames.deadLetterExchange ? queue + ".dlq" : queue
            try await management.call("POST", "bindings/\(v)/e/\(Management.encode(exchange))/q/\(Management.encode(target))", ["routing_key": key])
        }
        let escaped = NSRegularExpression.escapedPattern(for: code)
        try await management.call("PUT", "permissions/\(v)/\(Management.encode(user))", [
            "configure": "^$", "write": "^citygrid\\.dept-commands$", "read": "^dept\\.\(escaped)\\.tasks$"])
        try await management.call("PUT", "topic-permissions/\(v)/\(Management.encode(user))", [
            "exchange": MessagingNames.departmentCommandsExchange, "write": "^\(escaped)\\.", "read": "^$"])
    }

    static func newPassword() -> String {
        (0..<24).map { _ in String("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".randomElement()!) }.joined()
    }

    static func devPassword(_ code: String) -> String { "\(code)-dev-password" }

    struct Provision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the queue and user of departments, or bring an existing one's queue and rights up to date.",
            discussion: """
                Prints one line per department: user, password, queue, and what happened to the login. A new user gets a \
                password; an existing user keeps the one it has (its systems stay connected and keep logging in) unless \
                --rotate-password is given. The broker keeps only a hash, so a kept password is printed only when it is the \
                dev password of --dev-passwords; otherwise the line shows '-'.
                """)
        @OptionGroup var options: Options
        @Option(help: "Department code; repeat, or omit to provision every department in the reference data.") var code: [String] = []
        @Option(help: referencePathHelp) var path: String?
        @ArgumentParser.Flag(help: "Use '<code>-dev-password' instead of random passwords (local demo only).") var devPasswords = false
        @ArgumentParser.Flag(help: "Give departments that already have a user a new password too (their systems must log in with it).")
        var rotatePassword = false

        func run() async throws {
            let codes = code.isEmpty ? try loadReference(path, progress: false).data.departments.map(\.code) : code
            let management = Management.fromEnvironment()
            for code in codes {
                let user = "dept-\(code)", queue = "dept.\(code).tasks"
                let existing = try await management.user(user)
                let password: String, login: String
                if existing == nil || rotatePassword {
                    password = devPasswords ? Departments.devPassword(code) : Departments.newPassword()
                    try await management.call("PUT", "users/\(Management.encode(user))", ["password": password, "tags": ""])
                    login = existing == nil ? "created" : "password rotated (--rotate-password)"
                } else if let existing, devPasswords, Management.passwordMatches(existing, Departments.devPassword(code)) {
                    password = Departments.devPassword(code)
                    login = "kept (existing user, already the dev password)"
                } else {
                    password = "-"
                    login = devPasswords
                        ? "kept (existing user whose password is not the dev password; --rotate-password sets the dev password)"
                        : "kept (existing user, password unchanged; --rotate-password sets a new one)"
                }
                try await Departments.declareQueueAndRights(code, vhost: options.vhost, management: management)
                print("\(user)\t\(password)\tqueue \(queue)\t\(login)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List department users and their queues' depth.")
        @OptionGroup var options: Options
        func run() async throws {
            let management = Management.fromEnvironment()
            let users = (try await management.call("GET", "users") as? [[String: Any]]) ?? []
            let queues = (try await management.call("GET", "queues/\(Management.encode(options.vhost))") as? [[String: Any]]) ?? []
            let depth = Dictionary(queues.compactMap { q in (q["name"] as? String).map { ($0, q["messages"] as? Int ?? 0) } }, uniquingKeysWith: { a, _ in a })
            for user in users.compactMap({ $0["name"] as? String }).filter({ $0.hasPrefix("dept-") }).sorted() {
                let code = String(user.dropFirst(5))
                print("\(user)\tqueue dept.\(code).tasks\tmessages \(depth["dept.\(code).tasks"].map(String.init) ?? "(missing)")")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a department user a new password (its open connections keep working until they reconnect).")
        @OptionGroup var options: Options
        @Option var code: String
        func run() async throws {
            let password = Departments.newPassword()
            try await Management.fromEnvironment().call("PUT", "users/\(Management.encode("dept-\(code)"))", ["password": password, "tags": ""])
            print("dept-\(code)\t\(password)")
        }
    }
}

/// Workbench accounts in the console's schema, over the console's database URL.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Workbench (console) accounts: add, disable, enable, reset a password, list.",
        subcommands: [Add.self, Disable.self, Enable.self, ResetPassword.self, List.self])

    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("The console's database URL (default: $CITYGRID_CONSOLE_DB_URL, else $CITYGRID_DB_URL).", valueName: "url"))
        var dbURL: String?

        func pool() throws -> PGPool {
            let environment = ProcessInfo.processInfo.environment
            guard let url = dbURL ?? environment["CITYGRID_CONSOLE_DB_URL"] ?? environment["CITYGRID_DB_URL"], !url.isEmpty else {
                throw CommandFailure("no database: pass --db-url or set CITYGRID_CONSOLE_DB_URL (scripts/infra env console prints it)")
            }
            return PGPool(settings: PGSettings(url: url, applicationName: "citygrid-cli", poolSize: 1))
        }

        /// Runs the console's migrations first, so the CLI works on a database the console has not started on yet.
        func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
            let pool = try pool()
            _ = try await Migrator.migrate(pool, schema: ConsoleService.descriptor.schema,
                                           migrations: PlatformMigrations.all + ConsoleService.descriptor.migrations)
            return try await pool.transaction(body)
        }
    }

    struct PasswordSource: ParsableArguments {
        @ArgumentParser.Flag(help: "Read the password from the first line of standard input instead of generating one.")
        var passwordStdin = false

        /// The password and whether it was generated (then it is printed, once).
        func password() throws -> (text: String, generated: Bool) {
            guard passwordStdin else { return (AccountRules.generatedPassword(), true) }
            switch AccountRules.chosenPassword(readLine(strippingNewline: true) ?? "") {
            case .success(let line): return (line, false)
            case .failure(let problem): throw CommandFailure("the password on standard input \(problem.problem)")
            }
        }
    }

    static func hasher() throws -> PasswordHasher {
        let text = ProcessInfo.processInfo.environment["CITYGRID_CONSOLE_SCRYPT_LOG_N"] ?? ""
        guard !text.isEmpty else { return PasswordHasher() }
        guard let logN = Int(text), PasswordHasher.allowedLogN.contains(logN) else {
            throw CommandFailure("CITYGRID_CONSOLE_SCRYPT_LOG_N must be an integer in \(PasswordHasher.allowedLogN)")
        }
        return PasswordHasher(logN: logN)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account; prints login, password (generated ones only, once), role and scope.")
        @OptionGroup var options: Options
        @Option(help: "Sign-in name (stored lower-case).") var login: String
        @Option(help: "Display name, e.g. 张伟.") var name: String
        @Option(help: "acceptor, dispatcher, shift_leader, supervisor, department, auditor, admin") var role: String
        @Option(help: "city | district:<code> | street:<code> | department:<code>") var scope: String = "city"
        @OptionGroup var source: PasswordSource

        func run() async throws {
            // The rules the admin page's endpoint applies too (AccountRules): one owner for both.
            let user: ConsoleUser
            switch AccountRules.newAccount(login: login, name: name, role: role, scope: scope) {
            case .success(let valid): user = valid
            case .failure(let error): throw ValidationError(error.details.map { "\($0.field): \($0.problem)" }.joined(separator: "; "))
            }
            let password = try source.password()
            let hash = try Users.hasher().hash(password.text)
            let login = user.login
            guard try await options.withConnection({ try AccountStore.insertUserIfNew(user, passwordHash: hash, on: $0) }) else {
                throw CommandFailure("an account '\(login)' exists already (reset its password with: citygrid users reset-password \(login))")
            }
            print("\(login)\t\(password.generated ? password.text : "-")\t\(user.role.rawValue)\t\(user.scope)\tcreated")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and end its open sessions.")
        @OptionGroup var options: Options
        @Argument var login: String
        func run() async throws {
            let login = AccountStore.normalise(login: self.login)
            guard try await options.withConnection({ try AccountStore.setDisabled(login: login, true, on: $0) }) else {
                throw CommandFailure("no account '\(login)'")
            }
            print("\(login)\tdisabled (open sessions ended)")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var options: Options
        @Argument var login: String
        func run() async throws {
            let login = AccountStore.normalise(login: self.login)
            guard try await options.withConnection({ try AccountStore.setDisabled(login: login, false, on: $0) }) else {
                throw CommandFailure("no account '\(login)'")
            }
            print("\(login)\tenabled")
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Give an account a new password (generated and printed once, or from stdin); its open sessions end.")
        @OptionGroup var options: Options
        @Argument var login: String
        @OptionGroup var source: PasswordSource
        func run() async throws {
            let login = AccountStore.normalise(login: self.login)
            let password = try source.password()
            let hash = try Users.hasher().hash(password.text)
            guard try await options.withConnection({ try AccountStore.setPasswordHash(login: login, hash: hash, endSessions: true, on: $0) }) else {
                throw CommandFailure("no account '\(login)'")
            }
            print("\(login)\t\(password.generated ? password.text : "-")\tpassword reset (open sessions ended)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts: login, name, role, scope, state, last sign-in, open sessions.")
        @OptionGroup var options: Options
        func run() async throws {
            let rows = try await options.withConnection { try AccountStore.list(on: $0) }
            print(["login", "name", "role", "scope", "state", "last_sign_in", "open_sessions"].joined(separator: "\t"))
            for row in rows {
                print([row.user.login, row.user.name, row.user.role.rawValue, row.user.scope.description, row.disabled ? "disabled" : "active",
                       row.lastSignIn.map(RFC3339.format) ?? "-", String(row.openSessions)].joined(separator: "\t"))
            }
        }
    }
}

struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect and replay dead letters.", subcommands: [List.self, Replay.self])

    struct Options: ParsableArguments {
        @Option(help: "The service queue whose dead letters to read, e.g. supervision.events.") var queue: String
        @Option(help: "AMQP URL of an administrator.") var amqpURL: String = ProcessInfo.processInfo.environment["CITYGRID_AMQP_ADMIN_URL"]
            ?? "amqp://citygrid-admin:citygrid-admin@127.0.0.1:5673/citygrid"
        @Option(help: "At most this many messages.") var limit: Int = 100
    }

    static func reason(_ delivery: Delivery) -> String {
        delivery.headers[MessagingNames.deadLetterReasonHeader] ?? "rejected by the broker (delivery limit or expiry; see x-death)"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print dead letters with their reasons; they stay in the queue.")
        @OptionGroup var options: Options
        func run() async throws {
            let consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: options.amqpURL), topology: Topology(),
                                        queue: MessagingNames.deadLetterQueue(for: options.queue), prefetch: options.limit)
            try await consumer.connect()
            var count = 0
            while count < options.limit, let d = try await consumer.next(timeoutMilliseconds: 500) {
                count += 1
                print("\(d.messageId)\t\(d.headers[MessagingNames.originalRoutingKeyHeader] ?? d.routingKey)\t\(DeadLetters.reason(d))")
            }
            await consumer.close()  // unacked: all go back to the dead-letter queue
            print("\(count) dead letter(s) in \(MessagingNames.deadLetterQueue(for: options.queue))")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish dead letters again under their original routing key (after a fix).")
        @OptionGroup var options: Options
        func run() async throws {
            let endpoint = try AMQPEndpoint(url: options.amqpURL)
            let consumer = AMQPConsumer(endpoint: endpoint, topology: Topology(), queue: MessagingNames.deadLetterQueue(for: options.queue), prefetch: 1)
            let publisher = AMQPPublisher(endpoint: endpoint, topology: Topology())
            try await consumer.connect()
            var replayed = 0
            while replayed < options.limit, let d = try await consumer.next(timeoutMilliseconds: 500) {
                var headers = d.headers
                let key = headers.removeValue(forKey: MessagingNames.originalRoutingKeyHeader) ?? d.routingKey
                headers.removeValue(forKey: MessagingNames.deadLetterReasonHeader)
                let id = headers.removeValue(forKey: "x-citygrid-original-message-id") ?? d.messageId
                let outcome = try await publisher.publish([OutgoingMessage(exchange: MessagingNames.eventsExchange, routingKey: key, messageId: id,
                                                                           type: d.type, headers: headers, body: d.body)])
                guard outcome == [.confirmed] else { throw ValidationError("replay of \(id) was not confirmed: \(outcome)") }
                try await consumer.ack(d)  // only after the broker confirmed the copy
                replayed += 1
            }
            await consumer.close()
            print("replayed \(replayed) message(s) from \(MessagingNames.deadLetterQueue(for: options.queue))")
        }
    }
}

/// Reads a JSON document from a CityGrid HTTP API with a bearer token.
func getJSON(_ url: String, token: String) async throws -> Any {
    var request = URLRequest(url: URL(string: url)!)
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    let (data, response) = try await URLSession.shared.data(for: request)
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    guard status == 200 else { throw ValidationError("\(url) answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))") }
    return try JSONSerialization.jsonObject(with: data)
}

struct Case: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cases.", subcommands: [Timeline.self])

    struct Timeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a case's timeline from the supervision service.")
        @Argument(help: "Case id or case number.") var id: String
        @Option var url: String = ProcessInfo.processInfo.environment["CITYGRID_SUPERVISION_URL"] ?? "http://127.0.0.1:8084"
        @Option var token: String = ProcessInfo.processInfo.environment["CITYGRID_TOKEN"] ?? ""

        func run() async throws {
            let object = try await getJSON("\(url)/api/v1/cases/\(id)", token: token) as? [String: Any] ?? [:]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Monthly assessment report (综合评价) from the assessment service, as Markdown.")
    @Option(help: "Period, e.g. 2026-11.") var period: String
    @Option var url: String = ProcessInfo.processInfo.environment["CITYGRID_ASSESSMENT_URL"] ?? "http://127.0.0.1:8085"
    @Option var token: String = ProcessInfo.processInfo.environment["CITYGRID_TOKEN"] ?? ""

    func run() async throws {
        print("# CityGrid monthly assessment — \(period)\n")
        var notedRunning = false
        for (title, path) in [("Departments (专业部门)", "kpi/departments"), ("Districts (区域)", "kpi/areas?level=district"),
                              ("Supervisors (监督员)", "kpi/posts?post=supervisor")] {
            let separator = path.contains("?") ? "&" : "?"
            let json = try await getJSON("\(url)/api/v1/\(path)\(separator)period=\(period)", token: token)
            // A period that has not ended is judged as of the service's now: say the figures are provisional.
            if !notedRunning, let answer = json as? [String: Any], answer["running"] as? Bool == true {
                print("> Provisional: the period is still running; figures judged as of \(answer["as_of"] ?? "now").\n")
                notedRunning = true
            }
            print("## \(title)\n")
            let rows = (json as? [String: Any])?["rows"] as? [[String: Any]] ?? (json as? [[String: Any]]) ?? []
            guard let first = rows.first else { print("(no data)\n"); continue }
            let columns = first.keys.sorted()
            print("| " + columns.joined(separator: " | ") + " |")
            print("|" + columns.map { _ in "---" }.joined(separator: "|") + "|")
            for row in rows { print("| " + columns.map { "\(row[$0] ?? "")" }.joined(separator: " | ") + " |") }
            print("")
        }
    }
}
