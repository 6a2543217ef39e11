import CityGridModel
import Foundation

/// Repeat complaints (重复投诉) of a case that count in a period (pure). A repeat complaint is the
/// same caller calling again about the same place and class after the case had ended; intake
/// decides it (`RepeatFound`, relation `repeat_complaint`). Like return visits, complaints count
/// when they are made — from the period's start up to the instant it is judged at — whatever
/// period the case itself was attributed to: a case closed last month may be complained about
/// again this month. They count for the department that had handled the case when the
/// complaint came (the department of its last timeline entry before then that names one), and
/// in the area of the case.
enum RepeatComplaintTally {
    /// The times of the case's repeat complaints in the period.
    static func times(of c: KPIEngine.Folded) -> [Date] {
        c.history.repeatComplaints.filter { $0 >= c.from && $0 < c.asOf }
    }

    /// The department each of the period's repeat complaints counts for, one entry per complaint
    /// (none for a case no department ever held: it was not accepted, or ended before dispatch).
    static func departments(of c: KPIEngine.Folded) -> [String] {
        times(of: c).compactMap { at in
            c.history.events.last { $0.at <= at && $0.department != nil }?.department
        }
    }
}
