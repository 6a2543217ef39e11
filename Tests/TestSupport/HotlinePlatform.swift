import CityGridModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A hotline platform (12345) connected to a scratch city the way docs/hotline-integration.md
/// tells its developers: its own broker account, made as the operations team makes it, and the
/// pika adapter `Tests/IntakeTests/hotline_adapter.py`, written from the AsyncAPI document alone,
/// which stores every notice before acking it and answers `closed` notices with return visits.
public final class HotlinePlatform: @unchecked Sendable {
    public let address: String
    let adapter: ServiceProcess
    let folder: URL
    let out: URL

    /// Makes the platform's account and starts its adapter on queue `hotline.<address>.notices`;
    /// returns once the queue is bound. The n-th `closed` notice is answered with `verdicts[n]`.
    public static func start(_ scratch: ScratchEnvironment, address: String = "12345",
                             verdicts: [(ReturnVisitVerdict, note: String?)] = []) async throws -> HotlinePlatform {
        let account = try await scratch.hotlineAccount(address: address)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-hotline-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent("\(address).jsonl")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("IntakeTests/hotline_adapter.py").path
        let answers = verdicts.map { "\($0.0.rawValue):\($0.note ?? "")" }.joined(separator: "|")
        let adapter = try ServiceProcess(executable: "/usr/bin/env", port: 0, environment: [:],
                                         arguments: ["python3", script, account, address, "hotline.\(address).notices", out.path, "300", answers])
        let platform = HotlinePlatform(address: address, adapter: adapter, folder: folder, out: out)
        try await eventually("the \(address) adapter bound its queue") {
            if !adapter.process.isRunning { throw TestSetupError("the adapter exited: \(adapter.collectStderr())") }
            return FileManager.default.fileExists(atPath: out.path + ".ready")
        }
        return platform
    }

    init(address: String, adapter: ServiceProcess, folder: URL, out: URL) {
        self.address = address
        self.adapter = adapter
        self.folder = folder
        self.out = out
    }

    deinit { stop() }

    /// Stops the adapter and removes its files.
    public func stop() {
        adapter.terminate()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Asks the adapter to stop (its `.stop` file) and answers its exit status.
    public func stopCleanly() async throws -> Int32 {
        _ = FileManager.default.createFile(atPath: out.path + ".stop", contents: nil)
        return try await adapter.waitForExit()
    }

    /// What the adapter wrote to stderr (after it exited).
    public func stderr() -> String { adapter.collectStderr() }

    /// Whether the adapter process still runs, with what it wrote to stderr if not.
    public func failure() -> String? {
        adapter.process.isRunning ? nil : "the adapter exited with \(adapter.process.terminationStatus): \(adapter.collectStderr())"
    }

    /// The notices the adapter stored, in the order it stored them, with the routing key each came under.
    public func notices() throws -> [(routingKey: String, notice: ChannelNotice)] {
        guard let text = try? String(contentsOf: out, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            let data = Data(line.utf8)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return ((object?["routingKey"] as? String) ?? "", try MessageCoding.decoder().decode(ChannelNotice.self, from: data))
        }
    }

    /// The return visits the adapter published, in order.
    public func visits() throws -> [ReturnVisitReport] {
        guard let text = try? String(contentsOf: URL(fileURLWithPath: out.path + ".visits"), encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try MessageCoding.decoder().decode(ReturnVisitReport.self, from: Data($0.utf8)) }
    }

    /// Waits until the adapter stored a notice matching `match`, and returns it.
    @discardableResult
    public func waitFor(_ what: String, timeout: Duration = .seconds(30), _ match: (ChannelNotice) -> Bool) async throws -> ChannelNotice {
        var found: ChannelNotice?
        try await eventually(timeout: timeout, "the \(address) adapter stored \(what)") {
            if let failure = failure() { throw TestSetupError(failure) }
            found = try notices().map(\.notice).first(where: match)
            return found != nil
        }
        return try found.unwrap(what)
    }
}

extension ScratchEnvironment {
    /// The hotline platform's broker account on this vhost, with the permissions
    /// docs/hotline-integration.md gives: its own queues `hotline.<address>.*`; on
    /// `citygrid.inbound` it publishes tickets (`hotline.<address>.*`) and return visits
    /// (`return-visit.<address>`); on `citygrid.outbound` it binds `<address>.` keys only.
    /// Returns its AMQP URL.
    public func hotlineAccount(address: String = "12345") async throws -> String {
        let user = "hotline-\(address)-test", password = "hotline-\(address)-test-password"
        let management = try base.require("CITYGRID_TEST_AMQP_MGMT_URL")
        let credentials = Data("\(try base.require("CITYGRID_TEST_AMQP_ADMIN_USER")):\(try base.require("CITYGRID_TEST_AMQP_ADMIN_PASSWORD"))".utf8)
            .base64EncodedString()
        let encodedVhost = vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_"))) ?? vhost
        func put(_ path: String, _ body: [String: Any]) async throws {
            var request = URLRequest(url: URL(string: "\(management)/api/\(path)")!)
            request.httpMethod = "PUT"
            request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else { throw TestSetupError("PUT \(path): \(status) \(String(decoding: data, as: UTF8.self))") }
        }
        let own = "hotline\\.\(address)\\."
        try await put("users/\(user)", ["password": password, "tags": ""])
        try await put("permissions/\(encodedVhost)/\(user)", [
            "configure": "^\(own).*", "write": "^(\(own).*|citygrid\\.inbound)$", "read": "^(\(own).*|citygrid\\.outbound)$",
        ])
        try await put("topic-permissions/\(encodedVhost)/\(user)", ["exchange": "citygrid.inbound",
                                                                     "write": "^(\(own)|return-visit\\.\(address)$)", "read": "^$"])
        try await put("topic-permissions/\(encodedVhost)/\(user)", ["exchange": "citygrid.outbound", "write": "^$", "read": "^\(address)\\."])
        var url = try URLComponents(string: try amqpURL("ADMIN")).unwrap("AMQP URL")
        url.user = user
        url.password = password
        return try url.string.unwrap("AMQP URL")
    }
}
