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

    // MARK: Accounts

    public static func signInCandidate(login: String, on connection: PGConnection) throws -> (user: ConsoleUser, hash: String, disabled: Bool)? {
        guard let row = try connection.query("""
            SELECT id, login, display_name, role, scope, password_hash, disabled FROM console.users WHERE login = $1
            """, [login]).first else { return nil }
        return (try ConsoleUser(row: row), try row.string("password_hash"), try row.bool("disabled"))
    }

    /// Creates the account unless its login is taken; false when it is (no error, so a
    /// transaction around it stays usable and the caller can say so).
    public static func insertUserIfNew(_ user: ConsoleUser, passwordHash: String, on connection: PGConnection) throws -> Bool {
        try !connection.query("""
            INSERT INTO console.users (id, login, display_name, role, scope, password_hash) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (login) DO NOTHING RETURNING id
            """, [user.id, user.login, user.name, user.role.rawValue, user.scope.description, passwordHash]).rows.isEmpty
    }

    @discardableResult
    public static func setName(login: String, _ name: String, on connection: PGConnection) throws -> Bool {
        try !connection.query("UPDATE console.users SET display_name = $2, updated_at = now() WHERE login = $1 RETURNING id",
                              [login, name]).rows.isEmpty
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

    /// Changes an account's role and scope (and name, when given), ending its open sessions: the
    /// pages a person has open were drawn for the old post. False when there is no such account.
    @discardableResult
    public static func setPost(login: String, role: Role, scope: AccessScope, name: String?, on connection: PGConnection) throws -> Bool {
        let result = try connection.query("""
            UPDATE console.users SET role = $2, scope = $3, display_name = coalesce($4, display_name), updated_at = now()
             WHERE login = $1 RETURNING id
            """, [login, role.rawValue, scope.description, name])
        guard let id = result.first.flatMap({ $0.optionalUUID("id") }) else { return false }
        try endSessionsOf(user: id, reason: "role or scope changed", on: connection)
        return true
    }

    public struct Listed: Sendable {
        public var user: ConsoleUser
        public var disabled: Bool
        public var lastSignIn: Date?
        public var openSessions: Int
        public var createdAt: Date?
    }

    /// Which accounts a list shows: every filter narrows; nil filters nothing.
    public struct AccountFilter: Sendable {
        public var login: String?
        public var role: Role?
        public var disabled: Bool?
        /// A part of the login or the name, case-insensitive.
        public var text: String?

        public init(login: String? = nil, role: Role? = nil, disabled: Bool? = nil, text: String? = nil) {
            self.login = login
            self.role = role
            self.disabled = disabled
            self.text = text
        }
    }

    /// Accounts in login order with their last successful sign-in and open sessions.
    public static func list(_ filter: AccountFilter = AccountFilter(), on connection: PGConnection) throws -> [Listed] {
        let pattern = filter.text.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%" }
        return try connection.query("""
            SELECT u.id, u.login, u.display_name, u.role, u.scope, u.disabled, u.created_at,
                   (SELECT max(a.at) FROM console.sign_in_audit a WHERE a.login = u.login AND a.outcome = 'success') AS last_sign_in,
                   (SELECT count(*) FROM console.sessions s
                     WHERE s.user_id = u.id AND s.ended_at IS NULL AND s.expires_at > now()) AS open_sessions
              FROM console.users u
             WHERE ($1::text IS NULL OR u.login = $1) AND ($2::text IS NULL OR u.role = $2) AND ($3::boolean IS NULL OR u.disabled = $3)
               AND ($4::text IS NULL OR u.login ILIKE $4 OR u.display_name ILIKE $4)
             ORDER BY u.login
            """, [filter.login, filter.role?.rawValue, filter.disabled, pattern]).rows.map { row in
            Listed(user: try ConsoleUser(row: row), disabled: try row.bool("disabled"), lastSignIn: row.optionalDate("last_sign_in"),
                   openSessions: row.optionalInt("open_sessions") ?? 0, createdAt: row.optionalDate("created_at"))
        }
    }

    /// One account as the list shows it, or nil.
    public static func account(login: String, on connection: PGConnection) throws -> Listed? {
        try list(AccountFilter(login: login), on: connection).first
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

    // MARK: Reading the audits

    /// One sign-in attempt as the audit keeps it.
    public struct SignInRecord: Sendable, Codable {
        public var id: Int
        public var at: Date
        public var login: String
        public var address: String?
        public var outcome: String
    }

    /// One opening of a case.
    public struct CaseOpenRecord: Sendable, Codable {
        public var id: Int
        public var at: Date
        public var login: String
        public var name: String?
        public var service: String
        public var caseRef: String
        public var address: String?
    }

    /// Sign-in attempts newest first, up to `limit`, strictly older than the row `before` (the
    /// previous page's last id: ids only grow, so a page never repeats or skips a row).
    public static func signIns(login: String?, outcome: SignInOutcome?, before: Int?, limit: Int, on connection: PGConnection) throws -> [SignInRecord] {
        try connection.query("""
            SELECT id, at, login, client_address, outcome FROM console.sign_in_audit
             WHERE ($1::text IS NULL OR login = $1) AND ($2::text IS NULL OR outcome = $2) AND ($3::bigint IS NULL OR id < $3)
             ORDER BY id DESC LIMIT $4
            """, [login, outcome?.rawValue, before, limit]).rows.map { row in
            SignInRecord(id: try row.int("id"), at: try row.date("at"), login: try row.string("login"),
                         address: row.optionalString("client_address"), outcome: try row.string("outcome"))
        }
    }

    /// Case openings newest first, paged like ``signIns(login:outcome:before:limit:on:)``.
    public static func caseOpens(login: String?, caseRef: String?, before: Int?, limit: Int, on connection: PGConnection) throws -> [CaseOpenRecord] {
        try connection.query("""
            SELECT a.id, a.at, a.login, u.display_name, a.service, a.case_ref, a.client_address
              FROM console.case_open_audit a LEFT JOIN console.users u ON u.id = a.user_id
             WHERE ($1::text IS NULL OR a.login = $1) AND ($2::text IS NULL OR a.case_ref = $2) AND ($3::bigint IS NULL OR a.id < $3)
             ORDER BY a.id DESC LIMIT $4
            """, [login, caseRef, before, limit]).rows.map { row in
            CaseOpenRecord(id: try row.int("id"), at: try row.date("at"), login: try row.string("login"), name: row.optionalString("display_name"),
                           service: try row.string("service"), caseRef: try row.string("case_ref"), address: row.optionalString("client_address"))
        }
    }

    // MARK: Case-open audit

    public static func recordCaseOpen(user: ConsoleUser, service: String, caseRef: String, address: String?, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO console.case_open_audit (user_id, login, service, case_ref, client_address) VALUES ($1, $2, $3, $4, $5)
            """, [user.id, user.login, service, caseRef, address])
    }
}
