import CityGridModel
import CityGridPlatform
import Foundation

/// What makes an account valid, for every way one is made or changed: `citygrid users` and the
/// admin page's endpoints call these same functions, so the two can never disagree about which
/// logins, roles, scopes and passwords are allowed.
public enum AccountRules {
    /// The shortest password a person may choose: a password, not a PIN.
    public static let minimumPasswordLength = 10
    /// The longest (scrypt takes any length; a megabyte body must not become a megabyte hash input).
    public static let maximumPasswordBytes = 1024
    /// Roles an account may hold: `system` is for the services' own automated steps.
    public static let assignableRoles: [Role] = Role.allCases.filter { $0 != .system }

    /// One field that does not satisfy the rules, named as the API's body names it.
    public struct Problem: Error, Sendable, Equatable {
        public var field: String
        public var problem: String

        public init(field: String, problem: String) {
            self.field = field
            self.problem = problem
        }

        /// As the platform's error body lists it.
        public var detail: APIError.FieldProblem { APIError.FieldProblem(field: field, problem: problem) }
    }

    /// A login as stored: trimmed and lower-cased, 1 to 64 letters, digits or `. _ - @`.
    public static func login(_ text: String) -> Result<String, Problem> {
        let login = AccountStore.normalise(login: text)
        guard !login.isEmpty, login.count <= 64, login.allSatisfy({ $0.isLetter || $0.isNumber || "._-@".contains($0) }) else {
            return .failure(Problem(field: "login", problem: "must be 1 to 64 letters, digits or . _ - @"))
        }
        return .success(login)
    }

    public static func name(_ text: String) -> Result<String, Problem> {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { return .failure(Problem(field: "name", problem: "must be 1 to 100 characters")) }
        return .success(name)
    }

    public static func role(_ text: String) -> Result<Role, Problem> {
        guard let role = Role(rawValue: text), assignableRoles.contains(role) else {
            return .failure(Problem(field: "role", problem: "must be one of \(assignableRoles.map(\.rawValue).joined(separator: ", "))"))
        }
        return .success(role)
    }

    /// The scope text, and whether it goes with `role`: department staff act for their own
    /// department only, and nobody else has a department scope.
    public static func scope(_ text: String, for role: Role?) -> Result<AccessScope, Problem> {
        guard let scope = AccessScope(text) else {
            return .failure(Problem(field: "scope", problem: "must be city, district:<code>, street:<code> or department:<code>"))
        }
        if let role, (role == .department) != (scope.level == .department) {
            return .failure(Problem(field: "scope", problem: "role department goes with scope department:<code>, and only with it"))
        }
        return .success(scope)
    }

    /// A password someone chose (the CLI's stdin, the admin's form).
    public static func chosenPassword(_ text: String) -> Result<String, Problem> {
        guard text.count >= minimumPasswordLength, text.utf8.count <= maximumPasswordBytes else {
            return .failure(Problem(field: "password",
                                    problem: "must be at least \(minimumPasswordLength) characters (and at most \(maximumPasswordBytes) bytes)"))
        }
        return .success(text)
    }

    /// A password made for someone, shown once: 16 characters without look-alikes.
    public static func generatedPassword() -> String { Secrets.password() }

    /// A new account's fields checked together: the account, or every problem at once.
    public static func newAccount(login: String, name: String, role: String, scope: String) -> Result<ConsoleUser, APIError> {
        var problems: [Problem] = []
        func take<T>(_ result: Result<T, Problem>) -> T? {
            switch result {
            case .success(let value): return value
            case .failure(let problem): problems.append(problem); return nil
            }
        }
        let login = take(Self.login(login)), name = take(Self.name(name)), role = take(Self.role(role))
        let scope = take(Self.scope(scope, for: role))
        guard let login, let name, let role, let scope, problems.isEmpty else { return .failure(.validation(problems.map(\.detail))) }
        return .success(ConsoleUser(id: UUID(), login: login, name: name, role: role, scope: scope))
    }
}
