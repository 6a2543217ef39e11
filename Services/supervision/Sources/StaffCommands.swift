import CityGridModel

/// The centre's commands as the HTTP API names them (`POST /api/v1/cases/{id}/<name>`), and the
/// workflow actions each one can produce. One command may stand for several actions: a decision
/// approves or refuses, `accept` sends a public report to verification.
enum StaffCommand: String, CaseIterable, Sendable {
    case verification, file, accept, reject
    case handleAtIntake = "handle-at-intake"
    case refuseFiling = "refuse-filing"
    case void, close, urge
    case approveSelfHandled = "approve-self-handled"
    case rejectSelfHandled = "reject-self-handled"
    case returnDecision = "return-decision"
    case suspensionDecision = "suspension-decision"
    case extensionDecision = "extension-decision"
    case resume, check
    case returnVisit = "return-visit"
    case reopenDecision = "reopen-decision"

    var actions: Set<CaseAction> {
        switch self {
        case .verification: [.verificationConfirmed, .verificationRefuted]
        case .file: [.file]
        case .accept: [.accept, .requestVerification]
        case .reject: [.rejectAtAccept]
        case .handleAtIntake: [.handleAtIntake]
        case .refuseFiling: [.refuseFiling]
        case .void: [.void]
        case .close: [.close]
        case .urge: [.urge]
        case .approveSelfHandled: [.approveSelfHandled]
        case .rejectSelfHandled: [.rejectSelfHandled]
        case .returnDecision: [.approveReturn, .refuseReturn]
        case .suspensionDecision: [.approveSuspension, .refuseSuspension]
        case .extensionDecision: [.approveExtension, .refuseExtension]
        case .resume: [.resume]
        case .check: [.checkPassed, .checkFailed]
        case .returnVisit: [.returnVisit]
        case .reopenDecision: [.reopen, .keepClosed]
        }
    }

    /// The commands a person in `role` may send for `record` now, in the order above.
    static func offered(to role: Role?, on record: CaseRecord) -> [StaffCommand] {
        guard let role else { return [] }
        let offered = Set(CaseWorkflow.offeredActions(to: role, on: record).compactMap { commandOf[$0] })
        return allCases.filter(offered.contains)
    }

    /// The command that sends each action (an action belongs to one command at most), built once:
    /// ``offered(to:on:)`` runs for every row of a list.
    private static let commandOf: [CaseAction: StaffCommand] = {
        var commands: [CaseAction: StaffCommand] = [:]
        for command in allCases {
            for action in command.actions {
                precondition(commands.updateValue(command, forKey: action) == nil, "\(action) belongs to two commands")
            }
        }
        return commands
    }()
}
