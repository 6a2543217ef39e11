/// A PostgreSQL failure. `description` names what failed without echoing parameter values.
public struct PGError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// Could not connect, or the connection broke; a retry on a new connection may succeed.
        case connection
        /// The server rejected a statement (see ``sqlState``).
        case statement
        /// A row did not have the column or type the caller expected.
        case decoding
        /// A connection string or setting is malformed.
        case configuration
    }

    public let kind: Kind
    public let message: String
    /// The five-character SQLSTATE, e.g. `23505` unique violation, `42501` insufficient privilege,
    /// `57014` statement timeout.
    public let sqlState: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        if let sqlState { return "\(message) [SQLSTATE \(sqlState)]" }
        return message
    }

    /// The same error, saying how long the failed call waited (`…, after 20.4 s`).
    func waited(_ duration: Duration) -> PGError {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return PGError(kind, message + ", after \((seconds * 10).rounded() / 10) s", sqlState: sqlState)
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isPermissionDenied: Bool { sqlState == "42501" }
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// Errors that say nothing about the statement itself: retrying later may succeed.
    public var isTransient: Bool {
        kind == .connection || isSerializationFailure || sqlState?.hasPrefix("08") == true
            || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03" || sqlState == "53300"
    }
}
