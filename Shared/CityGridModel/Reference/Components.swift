/// Condition of a component on record.
public enum ComponentState: String, Sendable, Codable, CaseIterable {
    case intact
    case damaged
    case missing
}

/// One entry of the component register (部件普查数据, `components.csv`).
///
/// Code: 16 digits = district (6) + major (2) + minor (2) + serial (6), e.g. `1501020101000001`.
public struct ComponentRecord: Hashable, Sendable, Codable {
    /// 16-digit component code.
    public var code: String
    /// Sub-class code (4 digits), equal to digits 7–10 of the code.
    public var classCode: String
    /// Name (normally the class name).
    public var name: String
    /// 权属单位: owner department code; `nil` for ownerless components (e.g. 无主井盖).
    public var ownerDepartment: String?
    /// 主管部门: supervising department code.
    public var managerDepartment: String?
    /// 养护单位: maintainer (free text).
    public var maintainer: String
    /// The unit grid it lies in (current version).
    public var gridCode: String
    /// Position, WGS84.
    public var location: GeoPoint
    /// Condition on record.
    public var state: ComponentState
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(code: String, classCode: String, name: String, ownerDepartment: String?, managerDepartment: String?, maintainer: String,
                gridCode: String, location: GeoPoint, state: ComponentState, source: ReferenceSource) {
        self.code = code
        self.classCode = classCode
        self.name = name
        self.ownerDepartment = ownerDepartment
        self.managerDepartment = managerDepartment
        self.maintainer = maintainer
        self.gridCode = gridCode
        self.location = location
        self.state = state
        self.source = source
    }

    /// The component's class key (`component:<classCode>`).
    public var classKey: ClassKey { ClassKey(.component, classCode) }
    /// First 6 digits of the code.
    public var districtCode: String { String(code.prefix(6)) }
}
