import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// A console account as pages and the CLI see it (never with its hash).
public struct ConsoleUser: Codable, Sendable, Equatable {
    public var id: UUID
    public var login: String
    public var name: String
    public var role: Role
    public var scope: AccessScope

    public init(id: UUID, login: String, name: String, role: Role, scope: AccessScope) {
        self.id = id
        self.login = login
        self.name = name
        self.role = role
        self.scope = scope
    }

    init(row: PGRow) throws {
        let roleText = try row.string("role"), scopeText = try row.string("scope")
        guard let role = Role(rawValue: roleText), let scope = AccessScope(scopeText) else {
            throw PGError(.decoding, "console.users holds role '\(roleText)' / scope '\(scopeText)' that the platform does not know")
        }
        self.init(id: try row.uuid("id"), login: try row.string("login"), name: try row.string("display_name"), role: role, scope: scope)
    }
}

/// A live session: its user and CSRF token.
public struct ConsoleSession: Sendable {
    public var user: ConsoleUser
    public var csrfToken: String
    public var idHash: String
}

/// Outcomes the sign-in audit records (the table's CHECK names the same).
public enum SignInOutcome: String, Sendable {
    case success, unknownLogin = "unknown_login", badPassword = "bad_password", disabled, throttled
}

/// The SQL of the console schema in one place; every function runs on a connection the caller
/// holds (inside a transaction where several statements belong together). Times are the
/// database's `now()`: sessions and throttling are wall-clock matters, shared by every instance.
public enum AccountStore {
    /// Logins are compared lower-cased and trimmed, so `Zhang.Wei ` and `zhang.wei` are one account.
    public static func normalise(login: String) -> String { login.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }

    /// Roles an account may hold: `system` is for the services' own automated steps.
    public static let assignableRoles: [Role] = Role.allCases.filter { $0 != .system }

    // MARK: Accounts

    public static func signInCandidate(login: String, on connection: PGConnection) throws -> (user: ConsoleUser, hash: String, disabled: Bool)? {
        guard let row = try connection.query("""
            SELECT id, login, display_name, role, scope, password_hash, disabled FROM console.users WHERE login = $1
            """, [login]).first else { return nil }
        return (try ConsoleUser(row: row), try row.string("password_hash"), try row.bool("disabled"))
    }

    public static func insertUser(_ user: ConsoleUser, passwordHash: String, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO console.users (id, login, display_name, role, scope, password_hash) VALUES ($1, $2, $3, $4, $5, $6)
            """, [user.id, user.login, user.name, user.role.rawValue, user.scope.description, passwordHash])
    }

    /// Sets a new hash; with `endSessions` every open session of the account ends too.
    @discardableResult
    public static func setPasswordHash(login: String, hash: String, endSessions: Bool, on connection: PGConnection) throws -> Bool {
        let result = try connection.query("UPDATE console.users SET password_hash = $2, updated_at = now() WHERE login = $1 RETURNING id",
                                          [login, hash])
        guard let id = result.first.flatMap({ $0.optionalUUID("id") }) else { return false }
        if endSessions { try endSessionsOf(user: id, reason: "password reset", on: connection) }
        return true
    }

    /// Disables (ending every open session) or enables an account; false when there is none.
    @discardableResult
    public static func setDisabled(login: String, _ disabled: Bool, on connection: PGConnection) throws -> Bool {
        let result = try connection.query("UPDATE console.users SET disabled = $2, updated_at = now() WHERE login = $1 RETURNING id",
                                          [login, disabled])
        guard let id = result.first.flatMap({ $0.optionalUUID("id") }) else { return false }
        if disabled { try endSessionsOf(user: id, reason: "account disabled", on: connection) }
        return true
    }

    public struct Listed: Sendable {
        public var user: ConsoleUser
        public var disabled: Bool
        public var lastSignIn: Date?
        public var openSessions: Int
    }

    public static func list(on connection: PGConnection) throws -> [Listed] {
        try connection.query("""
            SELECT u.id, u.login, u.display_name, u.role, u.scope, u.disabled,
                   (SELECT max(a.at) FROM console.sign_in_audit a WHERE a.login = u.login AND a.outcome = 'success') AS last_sign_in,
                   (SELECT count(*) FROM console.sessions s
                     WHERE s.user_id = u.id AND s.ended_at IS NULL AND s.expires_at > now()) AS open_sessions
              FROM console.users u ORDER BY u.login
            """).rows.map { row in
            Listed(user: try ConsoleUser(row: row), disabled: try row.bool("disabled"), lastSignIn: row.optionalDate("last_sign_in"),
                   openSessions: row.optionalInt("open_sessions") ?? 0)
        }
    }

    // MARK: Sign-in audit and throttling

    public static func recordSignIn(login: String, user: UUID?, address: String?, outcome: SignInOutcome, on connection: PGConnection) throws {
        try connection.query("INSERT INTO console.sign_in_audit (login, user_id, client_address, outcome) VALUES ($1, $2, $3, $4)",
                             [login, user, address, outcome.rawValue])
    }

    /// Seconds until the next sign-in for `login` from `address` may be tried, or nil when it may
    /// be tried now. A login is held after `perLogin` failures within the window (failures before
    /// its last success do not count); an address after `perAddress` failures whatever the login.
    /// Throttled attempts themselves are not failures, so waiting always ends the hold.
    public static func throttle(login: String, address: String?, perLogin: Int, perAddress: Int, windowSeconds: Int,
                                on connection: PGConnection) throws -> Int? {
        let failures = "('unknown_login', 'bad_password', 'disabled')"
        // The perLogin-th most recent failure: when it leaves the window, fewer than perLogin remain.
        let byLogin = try connection.query("""
            SELECT ceil(extract(epoch FROM at + make_interval(secs => $2) - now()))::int AS wait
              FROM console.sign_in_audit
             WHERE login = $1 AND outcome IN \(failures) AND at > now() - make_interval(secs => $2)
               AND at > coalesce((SELECT max(at) FROM console.sign_in_audit WHERE login = $1 AND outcome = 'success'), '-infinity')
             ORDER BY at DESC OFFSET $3 LIMIT 1
            """, [login, windowSeconds, perLogin - 1]).first?.optionalInt("wait")
        var byAddress: Int?
        if let address {
            byAddress = try connection.query("""
                SELECT ceil(extract(epoch FROM at + make_interval(secs => $2) - now()))::int AS wait
                  FROM console.sign_in_audit
                 WHERE client_address = $1 AND outcome IN \(failures) AND at > now() - make_interval(secs => $2)
                 ORDER BY at DESC OFFSET $3 LIMIT 1
                """, [address, windowSeconds, perAddress - 1]).first?.optionalInt("wait")
        }
        let wait = [byLogin, byAddress].compactMap { $0 }.max()
        return wait.map { max(1, $0) }
    }

    // MARK: Sessions

    /// Opens a session; returns its lifetime in seconds (for the cookie's Max-Age).
    public static func openSession(user: UUID, idHash: String, csrfToken: String, address: String?, absoluteSeconds: Int,
                                   on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO console.sessions (id_hash, user_id, expires_at, csrf_token, client_address)
            VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5)
            """, [idHash, user, absoluteSeconds, csrfToken, address])
    }

    /// The live session with this id hash, touched (its idle clock restarts); nil when it does not
    /// exist, has ended, has passed its absolute or idle limit, or its account is disabled.
    public static func liveSession(idHash: String, idleSeconds: Int, on connection: PGConnection) throws -> ConsoleSession? {
        guard let row = try connection.query("""
            UPDATE console.sessions s SET last_seen_at = now()
              FROM console.users u
             WHERE s.id_hash = $1 AND u.id = s.user_id AND s.ended_at IS NULL AND s.expires_at > now()
               AND s.last_seen_at > now() - make_interval(secs => $2) AND NOT u.disabled
            RETURNING u.id, u.login, u.display_name, u.role, u.scope, s.csrf_token
            """, [idHash, idleSeconds]).first else { return nil }
        return ConsoleSession(user: try ConsoleUser(row: row), csrfToken: try row.string("csrf_token"), idHash: idHash)
    }

    public static func endSession(idHash: String, reason: String, on connection: PGConnection) throws {
        try connection.query("UPDATE console.sessions SET ended_at = now(), end_reason = $2 WHERE id_hash = $1 AND ended_at IS NULL",
                             [idHash, reason])
    }

    public static func endSessionsOf(user: UUID, reason: String, on connection: PGConnection) throws {
        try connection.query("UPDATE console.sessions SET ended_at = now(), end_reason = $2 WHERE user_id = $1 AND ended_at IS NULL",
                             [user, reason])
    }

    // MARK: Case-open audit

    public static func recordCaseOpen(user: ConsoleUser, service: String, caseRef: String, address: String?, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO console.case_open_audit (user_id, login, service, case_ref, client_address) VALUES ($1, $2, $3, $4, $5)
            """, [user.id, user.login, service, caseRef, address])
    }
}
