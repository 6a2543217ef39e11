import Foundation

/// A post (岗位) in the supervision/command model (domain §1.2). What each role may trigger is
/// the data table ``CaseAction/permittedRoles``.
public enum Role: String, Codable, Sendable, Hashable, CaseIterable {
    /// 监督员: reports, verifies public reports (核实), checks handled cases (核查).
    case supervisor
    /// 受理员 / 接线员: accepts reports, sends verification and check tasks, handles calls at once.
    case acceptor
    /// 值班长: files, refuses filing, voids, closes, approves extensions and suspensions.
    case shiftLeader = "shift_leader"
    /// 派遣员 (command centre): dispatches, decides on returns, urges (督办).
    case dispatcher
    /// 专业部门: handles tasks dispatched to its own department only.
    case department
    /// Automated steps: intake channels, automatic routing, deadline timers.
    case system
    /// Reads timelines; triggers nothing.
    case auditor
    /// Manages accounts and reference data; triggers nothing on cases (separation of duties).
    case admin
}

/// Who triggers a transition. Named `CaseActor`, not `Actor`: a public type called `Actor` in
/// this module would shadow Swift's `Actor` protocol in every service that imports it.
public struct CaseActor: Codable, Sendable, Hashable {
    /// Stable user or system id (token subject, service name).
    public var id: String
    public var role: Role
    /// Department code; set exactly when `role == .department`.
    public var departmentCode: String?

    /// - Parameters:
    ///   - id: Stable user or system id.
    ///   - role: The post acting.
    ///   - departmentCode: Required for ``Role/department``, ignored otherwise.
    public init(id: String, role: Role, departmentCode: String? = nil) {
        self.id = id
        self.role = role
        self.departmentCode = role == .department ? departmentCode : nil
    }

    /// A department account acting for `code`.
    public static func department(_ code: String, id: String) -> CaseActor {
        CaseActor(id: id, role: .department, departmentCode: code)
    }
}
