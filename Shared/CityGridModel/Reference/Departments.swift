/// What kind of body a department is.
public enum DepartmentKind: String, Sendable, Codable, CaseIterable {
    /// A sector department of the city government (城市执法, 市政公用, …).
    case department
    /// A street office (街道办事处), the territorial (属地) handler of its street.
    case streetOffice = "street_office"
    /// A public-service enterprise owning facilities (供水, 排水, 供电, 燃气, 供热, 通信).
    case utility
    /// A district government, the fallback for cases without a responsible body (无责任主体).
    case districtGovernment = "district_government"
}

/// A body that can receive dispatched cases (`departments.csv`). Its code is also the suffix of
/// its task queue / routing key (`task.dispatched.<code>`).
public struct Department: Hashable, Sendable, Codable {
    /// Short ASCII code: `CGZF`, `UTIL-WATER`, `STREET-150102001`, `GOV-150102`.
    public var code: String
    /// Chinese name.
    public var name: String
    /// What kind of body it is.
    public var kind: DepartmentKind
    /// District (6 digits) for local bodies, `nil` for city-wide ones.
    public var districtCode: String?
    /// Classes (majors, sub-classes) it handles; informative, e.g. for manual dispatch.
    public var responsibilities: [ClassKey]
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(code: String, name: String, kind: DepartmentKind, districtCode: String?, responsibilities: [ClassKey],
                source: ReferenceSource) {
        self.code = code
        self.name = name
        self.kind = kind
        self.districtCode = districtCode
        self.responsibilities = responsibilities
        self.source = source
    }

    /// `true` if the code is short printable ASCII: upper-case letters, digits and `-`, 2–32 long.
    public static func isValidCode(_ code: String) -> Bool {
        (2...32).contains(code.utf8.count)
            && code.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }
}
