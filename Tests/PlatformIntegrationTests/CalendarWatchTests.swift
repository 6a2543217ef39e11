import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

// The calendar ahead of the city's today: a real service on an injected clock raising the warning,
// exposing the gauges and clearing both when `citygrid calendar import` brings in the State
// Council's notice for the provisional year. The pure outlook is CalendarOutlookTests (PlatformUnitTests).

/// `Shared/reference-data` of this repository.
private let referencePath = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Shared/reference-data").path

/// A made-up notice for 2027 (bridging days at Spring Festival, Labour Day and National Day, with
/// make-up Saturdays and Sundays), the file an operator would import.
private let notice2027: String = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/calendar/2027-example-notice.csv")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
}()

/// What a finished `citygrid` run said.
private struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the `citygrid` binary under test with output in files (no pipe can fill up and block it).
private func citygrid(_ arguments: [String]) async throws -> CLIRun {
    let directory = FileManager.default.temporaryDirectory
    let out = directory.appendingPathComponent("citygrid-\(UUID().uuidString).out")
    let err = directory.appendingPathComponent("citygrid-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestEnvironment().binDirectory + "/citygrid")
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + .seconds(60)
    while process.isRunning {
        if ContinuousClock.now > deadline {
            process.terminate()
            throw TestSetupError("citygrid \(arguments.joined(separator: " ")) did not finish within 60 s")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    let run = CLIRun(status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                     stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    print("$ citygrid \(arguments.joined(separator: " "))  → exit \(run.status)\n\(run.stdout)\(run.stderr)")
    return run
}

@Suite("Calendar watch (real service on an injected clock, broker and database)", .serialized)
struct CalendarWatchTests {
    /// intake on its own scratch database and vhost (its clock must not touch the shared test city).
    func startIntake(_ scratch: ScratchEnvironment, clockStart: String) async throws -> ServiceProcess {
        let process = try ServiceProcess(executable: TestEnvironment().binDirectory + "/intake", port: testPort(), environment: [
            "CITYGRID_DB_URL": try scratch.databaseURL("INTAKE"),
            "CITYGRID_AMQP_URL": try scratch.amqpURL("INTAKE"),
            "CITYGRID_REFERENCE_DATA": referencePath,
            "CITYGRID_CLOCK_START": clockStart,
            // The import's swap is logged at notice level.
            "CITYGRID_LOG_LEVEL": "notice",
        ])
        try await process.waitUntilReady()
        return process
    }

    /// `/health/ready`: the status code and the body.
    func ready(_ service: ServiceProcess) async throws -> (Int, [String: Any]) {
        let (status, data) = try await service.http("GET", "/health/ready")
        return (status, (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    func calendarWarning(_ body: [String: Any]) -> String? {
        ((body["checks"] as? [String: Any])?["calendar"] as? [String: Any])?["warning"] as? String
    }

    /// The value of a gauge of the service, or nil when it is not exposed.
    func gauge(_ service: ServiceProcess, _ name: String) async throws -> Double? {
        let (status, data) = try await service.http("GET", "/metrics")
        guard status == 200 else { throw TestSetupError("/metrics answered \(status)") }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    func storedChanges(_ scratch: ScratchEnvironment) async throws -> [String] {
        let pool = try scratch.adminPool()
        let rows = try await pool.withConnection { connection in
            try connection.query("SELECT item_key || ' ' || version AS row FROM intake.reference_changes ORDER BY seq").rows.map { try $0.string("row") }
        }
        await pool.closeAll()
        return rows
    }

    @Test("before 1 November a provisional next year is no warning; the gauges count it all the same")
    func noWarningInOctober() async throws {
        let scratch = try await ScratchEnvironment.recreate("calwatch")
        let intake = try await startIntake(scratch, clockStart: "2026-10-15T10:00:00+08:00")
        defer { intake.kill9() }
        let (status, body) = try await ready(intake)
        print("  /health/ready on 2026-10-15: \(body)")
        #expect(status == 200)
        #expect(body["status"] as? String == "ready")
        #expect(calendarWarning(body) == nil)
        #expect(body["warnings"] == nil)
        // 2026-10-15 + 365 days reaches 2027-10-15: 288 days of 2027; 78 days until it starts.
        #expect(try await gauge(intake, "citygrid_calendar_provisional_days_ahead") == 288)
        #expect(try await gauge(intake, "citygrid_calendar_days_until_provisional") == 78)
    }

    @Test("from 1 November the service warns (and stays ready) until the notice is imported; importing it twice stores it once")
    func warningUntilImported() async throws {
        let scratch = try await ScratchEnvironment.recreate("calwatch")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("calwatch-\(UUID().uuidString)/2027.csv")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try notice2027.write(to: file, atomically: true, encoding: .utf8)
        let importArguments = ["calendar", "import", file.path, "--path", referencePath, "--amqp-url", try scratch.amqpURL("ADMIN"),
                               "--by", "calendar-watch-test"]

        // Nothing has ever declared a reference queue in the fresh vhost: the broker returns the
        // change, and the import says so instead of reporting success.
        let unheard = try await citygrid(importArguments)
        #expect(unheard.status != 0)
        #expect(unheard.stderr.contains("no service is listening"))

        let intake = try await startIntake(scratch, clockStart: "2026-11-02T10:00:00+08:00")
        defer { intake.kill9() }
        let (status, body) = try await ready(intake)
        print("  /health/ready on 2026-11-02: \(body)")
        #expect(status == 200)
        #expect(body["status"] as? String == "ready")
        let warning = try #require(calendarWarning(body))
        #expect(warning.contains("2027 is provisional"))
        #expect((body["warnings"] as? [String])?.contains { $0.hasPrefix("calendar: ") } == true)
        // 2026-11-02 + 365 days reaches 2027-11-02: 306 days of 2027; 60 days until it starts.
        let ahead = try #require(try await gauge(intake, "citygrid_calendar_provisional_days_ahead"))
        #expect(ahead > 0)
        #expect(ahead == 306)
        #expect(try await gauge(intake, "citygrid_calendar_days_until_provisional") == 60)

        // A dry run shows the changes and publishes nothing.
        let dry = try await citygrid(importArguments + ["--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("2027 official, notice 国办发明电〔2026〕9号 of 2026-11-10"))
        #expect(dry.stdout.contains("working days that become days off (11):"))
        #expect(dry.stdout.contains("2027-02-09 Tue  春节"))
        #expect(dry.stdout.contains("days off that become working days (5):"))
        #expect(dry.stdout.contains("2027-02-20 Sat  春节调休上班"))
        #expect(dry.stdout.contains("dry run: nothing published"))
        #expect(try await storedChanges(scratch).isEmpty)

        let imported = try await citygrid(importArguments)
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("published citygrid.reference.changed.v1 calendar/2027 official-"))
        try await eventually(timeout: .seconds(20), "the calendar warning cleared") {
            let (status, body) = try await ready(intake)
            return status == 200 && calendarWarning(body) == nil && body["warnings"] == nil
        }
        #expect(try await gauge(intake, "citygrid_calendar_provisional_days_ahead") == 0)
        #expect(try await gauge(intake, "citygrid_calendar_days_until_provisional") == 425)  // 2028-01-01

        // The same file again: the change is stored once and the calendar is not replaced again.
        let again = try await citygrid(importArguments)
        #expect(again.status == 0)
        try await Task.sleep(for: .seconds(4))  // longer than the watcher's 3 s poll
        let stored = try await storedChanges(scratch)
        #expect(stored.count == 1)
        #expect(stored.first?.hasPrefix("2027 official-") == true)

        // Compared with what intake counts now, the file changes nothing.
        let same = try await citygrid(importArguments + ["--dry-run", "--db-url", try scratch.databaseURL("INTAKE")])
        #expect(same.status == 0)
        #expect(same.stdout.contains("the same as the current 2027: nothing changes"))

        // What intake counts with now, read from its database.
        let years = try await citygrid(["calendar", "years", "--path", referencePath, "--db-url", try scratch.databaseURL("INTAKE"),
                                        "--from", "2026", "--to", "2028"])
        #expect(years.status == 0)
        let lines = years.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("2026  official") && $0.hasSuffix("国办发明电〔2025〕7号") })
        #expect(lines.contains { $0.hasPrefix("2027  official") && $0.hasSuffix("国办发明电〔2026〕9号") })
        #expect(lines.contains { $0.hasPrefix("2028  provisional") })

        intake.terminate()
        _ = try await intake.waitForExit()
        let log = intake.collectStderr()
        let warnings = log.split(separator: "\n").filter { $0.contains("calendar: the working calendar of 2027 is provisional") }
        #expect(warnings.count == 1, "one warning per city day:\n\(warnings.joined(separator: "\n"))")
        let replaced = log.split(separator: "\n").filter { $0.contains("working calendar replaced") }
        #expect(replaced.count == 1, "\(replaced)")
        #expect(replaced.first?.contains("2027") == true)
        #expect(log.contains("calendar: warning cleared"))
    }
}
