// citygrid — the administrators' tool: reference data, calendars, API tokens, department
// broker credentials, dead letters, case timelines and monthly reports.
import AMQPClient
import ArgumentParser
import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@main
struct CityGrid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "citygrid",
        abstract: "Administer a CityGrid installation.",
        subcommands: [Reference.self, Calendar.self, Token.self, Departments.self, DeadLetters.self, Case.self, Report.self])
}

/// Where the repository's reference data is when run from a checkout.
func defaultReferencePath() -> String {
    ProcessInfo.processInfo.environment["CITYGRID_REFERENCE_DATA"] ?? FileManager.default.currentDirectoryPath + "/Shared/reference-data"
}

func loadReference(_ path: String, progress: Bool) throws -> ReferenceData {
    do {
        return try ReferenceData.load(from: URL(fileURLWithPath: path), progress: progress ? { file, done, total in
            FileHandle.standardError.write(Data("\r  \(file): \(done)/\(total)".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } : nil)
    } catch let errors as ReferenceDataErrors {
        for error in errors.errors { print(error) }
        throw ValidationError("\(errors.errors.count) problem(s) in \(path)")
    }
}

struct Reference: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reference data (classes, conditions, departments, grids, calendars).",
                                                    subcommands: [Validate.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load and check a reference-data folder; errors name file, line and field.")
        @Option(help: "Folder with the CSV files.") var path: String = defaultReferencePath()

        func run() async throws {
            let data = try loadReference(path, progress: true)
            print("reference data \(data.version) OK: \(data.classes.count) classes, \(data.filingConditions.count) filing conditions, "
                  + "\(data.departments.count) departments, \(data.grids.count) grids, \(data.components.count) components, "
                  + "\(data.gazetteer.count) gazetteer entries")
        }
    }
}

struct Calendar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the working-time calendar.", subcommands: [Days.self, Deadline.self])

    struct Days: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the working days of a month.")
        @Option var year: Int
        @Option var month: Int
        @Option var path: String = defaultReferencePath()

        func run() async throws {
            let calendar = try loadReference(path, progress: false).calendar
            let days = try calendar.workingDays(year: year, month: month)
            print("\(days.count) working days in \(year)-\(String(format: "%02d", month)):")
            print(days.map(\.description).joined(separator: " "))
        }
    }

    struct Deadline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compute a deadline: --from 2026-09-30T17:00:00+08:00 --limit \"4 working_hours\".")
        @Option(help: "Start, RFC 3339.") var from: String
        @Option(help: "\"<value> <working_hours|working_days|natural_hours>\"") var limit: String
        @Option var path: String = defaultReferencePath()

        func run() async throws {
            guard let start = RFC3339.parse(from) else { throw ValidationError("--from must be RFC 3339, e.g. 2026-09-30T17:00:00+08:00") }
            let parts = limit.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[0]), let unit = TimeLimitUnit(rawValue: String(parts[1])) else {
                throw ValidationError("--limit must be '<number> <working_hours|working_days|natural_hours>'")
            }
            let data = try loadReference(path, progress: false)
            let due = try data.calendar.deadline(from: start, limit: TimeLimit(value, unit))
            var style = Date.ISO8601FormatStyle(timeZone: data.calendar.timeZone)
            style = style.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .colon)
            print(due.formatted(style))
        }
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bearer tokens for the HTTP APIs.", subcommands: [Issue.self, Inspect.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a signed token (secret from CITYGRID_TOKEN_SECRET).")
        @Option(help: "User or system id.") var sub: String
        @Option(help: "supervisor, acceptor, shift_leader, dispatcher, department, auditor, admin") var role: String
        @Option(help: "city | district:<code> | street:<code> | department:<code>") var scope: String = "city"
        @Option(help: "Validity in days.") var days: Int = 30

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("unknown role '\(role)'") }
            guard let scope = AccessScope(scope) else { throw ValidationError("scope must be city, district:<code>, street:<code> or department:<code>") }
            let secret = try ServiceConfiguration.tokenSecretFromEnvironment()
            let now = Date()
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

    static func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s }
}

struct Departments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Broker credentials for departments: each reads only its own queue and publishes only its own commands.",
        subcommands: [Provision.self, List.self, Rotate.self])

    struct Options: ParsableArguments {
        @Option(help: "Virtual host.") var vhost: String = ProcessInfo.processInfo.environment["CITYGRID_AMQP_VHOST"] ?? "citygrid"
    }

    /// Declares the department's queue and user. The queue is `dept.<code>.tasks`, bound to its
    /// tasks and notices; the user may read that queue and write `<code>.*` commands only.
    static func provision(_ code: String, vhost: String, password: String, management: Management) async throws {
        let v = Management.encode(vhost)
        let user = "dept-\(code)"
        let queue = "dept.\(code).tasks"
        try await management.call("PUT", "users/\(Management.encode(user))", ["password": password, "tags": ""])
        try await management.call("PUT", "queues/\(v)/\(Management.encode(queue))", [
            "durable": true, "arguments": ["x-queue-type": "quorum", "x-delivery-limit": 20,
                                           "x-dead-letter-exchange": MessagingNames.deadLetterExchange, "x-dead-letter-routing-key": queue]])
        try await management.call("PUT", "queues/\(v)/\(Management.encode(queue + ".dlq"))", ["durable": true, "arguments": ["x-queue-type": "quorum"]])
        for (exchange, key) in [(MessagingNames.eventsExchange, "routing.task.dispatched.\(code)"),
                                (MessagingNames.eventsExchange, "supervision.notice.\(code).#"),
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

    struct Provision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create (or update) the queue and user of departments; prints their passwords.")
        @OptionGroup var options: Options
        @Option(help: "Department code; repeat, or omit to provision every department in the reference data.") var code: [String] = []
        @Option var path: String = defaultReferencePath()
        @ArgumentParser.Flag(help: "Use '<code>-dev-password' instead of random passwords (local demo only).") var devPasswords = false

        func run() async throws {
            let codes = code.isEmpty ? try loadReference(path, progress: false).departments.map(\.code) : code
            let management = Management.fromEnvironment()
            for code in codes {
                let password = devPasswords ? "\(code)-dev-password" : Departments.newPassword()
                try await Departments.provision(code, vhost: options.vhost, password: password, management: management)
                print("dept-\(code)\t\(password)\tqueue dept.\(code).tasks")
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
