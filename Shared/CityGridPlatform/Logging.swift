import Foundation
import Logging

/// One JSON object per line: time, level, service, message, then metadata (`case_id`,
/// `message_id`, …) as top-level keys, so log shippers can index them without parsing text.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let service: String

    public init(label: String, service: String) {
        self.label = label
        self.service = service
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private func write(_ event: Record) {
        var object: [String: Any] = [
            "time": RFC3339Now.string(), "level": event.level.rawValue, "service": service,
            "logger": label, "message": event.message.description,
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged { object[key] = Self.plain(value) }
        if event.level >= .error { object["source"] = "\(event.file):\(event.line)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        var line = data
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }

    public func log(event: LogEvent) {
        write(Record(level: event.level, message: event.message, metadata: event.metadata, file: event.file, line: event.line))
    }

    struct Record {
        var level: Logger.Level
        var message: Logger.Message
        var metadata: Logger.Metadata?
        var file: String
        var line: UInt
    }

    private static func plain(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let s): return s.description
        case .array(let a): return a.map(plain)
        case .dictionary(let d): return d.mapValues(plain)
        }
    }
}

enum RFC3339Now {
    static func string() -> String { Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
}

/// Sets up swift-log once per process.
public enum LoggingSetup {
    public static func bootstrap(service: String, level: String, format: String) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            if format == "text" {
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = parsed
                handler.metadata["service"] = .string(service)
                return handler
            }
            var handler = JSONLogHandler(label: label, service: service)
            handler.logLevel = parsed
            return handler
        }
    }
}
