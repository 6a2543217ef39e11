/// The unit of a time limit (时限单位).
///
/// Working time advances only inside the work periods of working days; natural time runs
/// continuously through nights, weekends and holidays (used for urgent / 紧急 limits).
public enum TimeLimitUnit: String, Sendable, Codable, CaseIterable {
    /// 工作时: hours of working time.
    case workingHours = "working_hours"
    /// 工作日: working days of 8 working hours each (configurable per calendar).
    case workingDays = "working_days"
    /// 自然时: plain clock hours (urgent limits).
    case naturalHours = "natural_hours"
}

/// A time limit such as "4 working hours" or "2 natural hours" (处置时限, stage limits).
public struct TimeLimit: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Amount of `unit`; may be fractional (0.5 working hours = 30 minutes). Must be positive.
    public var value: Double
    /// Unit of `value`.
    public var unit: TimeLimitUnit

    /// Creates a limit of `value` `unit`s, e.g. `TimeLimit(4, .workingHours)`.
    public init(_ value: Double, _ unit: TimeLimitUnit) {
        self.value = value
        self.unit = unit
    }

    /// Shorthand for `TimeLimit(value, .workingHours)`.
    public static func workingHours(_ value: Double) -> TimeLimit { TimeLimit(value, .workingHours) }
    /// Shorthand for `TimeLimit(value, .workingDays)`.
    public static func workingDays(_ value: Double) -> TimeLimit { TimeLimit(value, .workingDays) }
    /// Shorthand for `TimeLimit(value, .naturalHours)`.
    public static func naturalHours(_ value: Double) -> TimeLimit { TimeLimit(value, .naturalHours) }

    /// `true` for natural-time (urgent, 紧急) limits.
    public var isUrgent: Bool { unit == .naturalHours }

    /// "4 working_hours".
    public var description: String {
        let amount = value == value.rounded() ? String(Int(value)) : String(value)
        return "\(amount) \(unit.rawValue)"
    }
}
