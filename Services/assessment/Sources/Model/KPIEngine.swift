import CityGridModel
import Foundation

/// Computes every indicator of a period from case histories. Pure: no I/O, no clock — the city's
/// now comes in as a parameter.
///
/// Each history is folded as of the period end (so later events never change a past period), the
/// attribution rule (``Attribution``) picks the cases of the period, and each family is tallied.
/// A period that has not ended is judged as of `now` (``Period/asOf(now:)``): only cases whose
/// deadline has already passed or which have already ended are due, so a case due next week is not
/// overdue today. `now: nil` judges the period as finished.
public struct KPIEngine: Sendable {
    public var weights: AssessmentWeights
    /// Registered components per class code and area code (at ``AssessmentWeights/facilityAreaLevel``).
    public var registeredComponents: [FacilityKey: Int]
    /// Components whose reference state is not intact, per class and area (for `reference_state`).
    public var notIntactComponents: [FacilityKey: Int]

    public struct FacilityKey: Hashable, Sendable {
        public var classCode: String
        public var area: String
        public init(classCode: String, area: String) {
            self.classCode = classCode
            self.area = area
        }
    }

    public init(weights: AssessmentWeights = AssessmentWeights(), registeredComponents: [FacilityKey: Int] = [:],
                notIntactComponents: [FacilityKey: Int] = [:]) {
        self.weights = weights
        self.registeredComponents = registeredComponents
        self.notIntactComponents = notIntactComponents
    }

    /// A case folded for a period.
    public struct Folded: Sendable {
        public var history: CaseHistory
        public var facts: CaseFacts
        public var attributed: Bool
        /// The instant deadlines were judged at: the period end, or the city's now while it runs.
        public var asOf: Date
        /// The period's start: events from here up to ``asOf`` are the period's own (visits, reopenings).
        public var from: Date
    }

    /// Folds every history as of `period.end` and applies the attribution rule judged at
    /// `period.asOf(now:)`.
    public func fold(_ histories: [CaseHistory], for period: Period, now: Date? = nil) -> [Folded] {
        let asOf = period.asOf(now: now)
        return histories.map { h in
            let facts = CaseFacts.fold(caseId: h.caseId, events: h.events, asOf: period.end)
            return Folded(history: h, facts: facts, attributed: Attribution.counts(facts, in: period, asOf: asOf), asOf: asOf,
                          from: period.start)
        }
    }

    // MARK: departments

    public func departments(_ histories: [CaseHistory], period: Period, now: Date? = nil) -> [DepartmentFigures] {
        departments(folded: fold(histories, for: period, now: now))
    }

    public func departments(folded: [Folded]) -> [DepartmentFigures] {
        var byCode: [String: DepartmentFigures] = [:]
        func touch(_ code: String, _ body: (inout DepartmentFigures) -> Void) {
            var f = byCode[code] ?? DepartmentFigures(code: code)
            body(&f)
            byCode[code] = f
        }
        for c in folded where c.attributed && c.facts.isFiledCase {
            let f = c.facts
            // 挂账 takes the case out of the assessment, as voiding does: it counts only as
            // `suspended` for the department holding it. Its reworks, returns and extensions wait
            // until it resumes (they then count with the case), so no rate's numerator holds a case
            // its denominator leaves out.
            if f.suspended {
                if let d = f.department { touch(d) { $0.suspended += 1 } }
                continue
            }
            // Side counts go to the department that caused them.
            for (d, n) in f.reworks { touch(d) { $0.reworks += n } }
            for (d, n) in f.returns { touch(d) { $0.returns += n } }
            for (d, n) in f.extensions { touch(d) { $0.extensions += n } }
            guard let d = f.department else { continue }
            touch(d) { x in
                x.due += 1
                if f.handled {
                    x.handled += 1
                    if f.completedOnTime { x.handledOnTime += 1 } else { x.overdue += 1 }
                } else if let deadline = f.handlingDeadline, deadline < c.asOf {
                    // Not handled, and attributed by a deadline that has passed: overdue and pending.
                    x.overdue += 1
                    x.overduePending += 1
                }
            }
        }
        // 回访 and 重办 count when they happen, to the department that handled the case.
        for c in folded {
            for visit in ReturnVisitTally.events(of: c) {
                guard let d = visit.department else { continue }
                touch(d) { $0.tally(visit) }
            }
            // 重复投诉 count when they are made, to the department that had handled the case.
            for d in RepeatComplaintTally.departments(of: c) { touch(d) { $0.repeatComplaints += 1 } }
        }
        return byCode.values.map { x in
            var x = x
            x.satisfactionRate = rate(x.satisfied + x.basicallySatisfied, x.visits)
            let disposal = fraction(x.handled, x.due), onTime = fraction(x.handledOnTime, x.due)
            let rework = fraction(x.reworks, x.due), extensions = fraction(x.extensions, x.due)
            let overduePending = fraction(x.overduePending, x.due)
            x.disposalRate = disposal.map(r4)
            x.onTimeRate = onTime.map(r4)
            x.reworkRate = rework.map(r4)
            x.returnRate = rate(x.returns, x.due + x.returns)
            x.extensionRate = extensions.map(r4)
            x.overduePendingRate = overduePending.map(r4)
            if x.due > 0 {
                let w = weights
                let s = score([
                    (disposal, w.departmentDisposal), (onTime, w.departmentOnTime),
                    (rework.map { 1 - $0 }, w.departmentRework),
                    (overduePending.map { 1 - $0 }, w.departmentOverduePending),
                    (extensions.map { 1 - $0 }, w.departmentExtension),
                ])
                x.score = s
                x.grade = w.grade(s)
            }
            return x
        }.sorted { $0.code < $1.code }
    }

    // MARK: areas

    public func areas(_ histories: [CaseHistory], period: Period, level: AreaLevel, now: Date? = nil) -> [AreaFigures] {
        areas(folded: fold(histories, for: period, now: now), level: level)
    }

    public func areas(folded: [Folded], level: AreaLevel) -> [AreaFigures] {
        var byCode: [String: AreaFigures] = [:]
        var locationComplaints: [String: [String: Int]] = [:]
        for c in folded where c.attributed && c.facts.isFiledCase {
            guard let code = c.history.meta.area(level) else { continue }
            var x = byCode[code] ?? AreaFigures(level: level, code: code)
            let f = c.facts
            if f.suspended {
                x.suspended += 1
            } else {
                x.filed += 1
                if f.isClosed {
                    x.closed += 1
                    if f.completedOnTime { x.closedOnTime += 1 }
                }
                if c.history.meta.isPublicReport && f.verifiedAt != nil { x.verifiedPublicReports += 1 }
            }
            let complaints = 1 + c.history.duplicateLinks
            x.complaints += complaints
            let location = "\(c.history.meta.gridCode ?? "-")/\(c.history.meta.classCode ?? "-")"
            locationComplaints[code, default: [:]][location, default: 0] += complaints
            byCode[code] = x
        }
        let maxFiled = byCode.values.map(\.filed).max() ?? 0
        // 回访 and 重办 count when they happen, in the area of the case.
        for c in folded {
            guard let code = c.history.meta.area(level) else { continue }
            for visit in ReturnVisitTally.events(of: c) {
                var x = byCode[code] ?? AreaFigures(level: level, code: code)
                x.tally(visit)
                byCode[code] = x
            }
            let complaints = RepeatComplaintTally.times(of: c).count
            if complaints > 0 {
                var x = byCode[code] ?? AreaFigures(level: level, code: code)
                x.repeatComplaints += complaints
                byCode[code] = x
            }
        }
        return byCode.values.map { x in
            var x = x
            x.satisfactionRate = rate(x.satisfied + x.basicallySatisfied, x.visits)
            x.repeatLocations = locationComplaints[x.code, default: [:]].values.filter { $0 > weights.repeatThreshold }.count
            let close = fraction(x.closed, x.filed), onTimeClose = fraction(x.closedOnTime, x.filed)
            let publicReports = fraction(x.verifiedPublicReports, x.filed), filedShare = fraction(x.filed, maxFiled)
            x.closeRate = close.map(r4)
            x.onTimeCloseRate = onTimeClose.map(r4)
            x.publicReportRate = publicReports.map(r4)
            // Shown on the 0–100 scale with two decimals (the share rounded as a rate, times 100).
            x.filedScore = filedShare.map { r4(r4($0) * 100) }
            if x.filed > 0 {
                let w = weights
                let s = score([
                    (publicReports.map { 1 - $0 }, w.areaReportRate), (filedShare, w.areaFiledCount),
                    (close, w.areaCloseRate), (onTimeClose, w.areaOnTimeCloseRate),
                ])
                x.score = s
                x.grade = w.grade(s)
            }
            return x
        }.sorted { $0.code < $1.code }
    }

    // MARK: posts

    public func posts(_ histories: [CaseHistory], period: Period, post: Post, now: Date? = nil) -> [PostFigures] {
        posts(folded: fold(histories, for: period, now: now), period: period, post: post)
    }

    public func posts(folded: [Folded], period: Period, post: Post) -> [PostFigures] {
        var byActor: [String: PostFigures] = [:]
        func touch(_ actor: String, _ body: (inout PostFigures) -> Void) {
            var f = byActor[actor] ?? PostFigures(post: post, actorId: actor)
            body(&f)
            byActor[actor] = f
        }
        for c in folded {
            var lastDispatcher: String?
            for e in c.history.events {
                if e.at >= period.end { break }
                let inPeriod = period.contains(e.at)
                switch (post, e.action) {
                case (.supervisor, .report), (.supervisor, .reportSelfHandled):
                    guard inPeriod, e.actorRole == .supervisor else { break }
                    let valid = c.facts.filedAt != nil || c.facts.selfHandledApproved
                    touch(e.actorId) { $0.reports += 1; if valid { $0.validReports += 1 } }
                case (.supervisor, .verificationConfirmed), (.supervisor, .verificationRefuted):
                    guard inPeriod else { break }
                    touch(e.actorId) { $0.verifications += 1 }
                case (.supervisor, .checkPassed), (.supervisor, .checkFailed):
                    guard inPeriod else { break }
                    touch(e.actorId) { $0.checks += 1 }
                case (.acceptor, .accept), (.acceptor, .rejectAtAccept), (.acceptor, .handleAtIntake):
                    guard inPeriod else { break }
                    touch(e.actorId) { $0.accepted += 1; if e.stoppedOnTime { $0.acceptedOnTime += 1 } }
                case (.acceptor, .requestVerification):
                    guard inPeriod else { break }
                    touch(e.actorId) { x in
                        x.accepted += 1
                        x.verifyDispatches += 1
                        if e.stoppedOnTime { x.acceptedOnTime += 1; x.verifyDispatchesOnTime += 1 }
                    }
                case (.acceptor, .requestCheck):
                    guard inPeriod else { break }
                    touch(e.actorId) { $0.checkDispatches += 1; if e.stoppedOnTime { $0.checkDispatchesOnTime += 1 } }
                case (.dispatcher, .dispatch):
                    // Automatic dispatches (role system) are routing's, not a person's: not counted, not charged.
                    lastDispatcher = e.actorRole == .dispatcher ? e.actorId : nil
                    guard inPeriod, e.actorRole == .dispatcher else { break }
                    touch(e.actorId) { $0.dispatches += 1; if e.stoppedOnTime { $0.dispatchesOnTime += 1 } }
                case (.dispatcher, .approveReturn):
                    // An approved return is a wrong dispatch of whoever dispatched last.
                    guard inPeriod, let d = lastDispatcher else { break }
                    touch(d) { $0.returnedDispatches += 1 }
                default: break
                }
            }
        }
        if post == .supervisor {
            for c in folded {
                // 应核实数 / 应核查数 and their on-time share: the tasks really given to each
                // supervisor (FieldTaskJudgement), counted when their moment falls in the period.
                for charge in FieldTaskJudgement.charges(events: c.history.events, assignments: c.history.assignments, endedAt: c.facts.endedAt)
                where charge.instant >= period.start && charge.instant < c.asOf {
                    touch(charge.supervisorId) { x in
                        switch charge.kind {
                        case .verification: x.verificationsAssigned += 1; if charge.onTime { x.verificationsOnTime += 1 }
                        case .check: x.checksAssigned += 1; if charge.onTime { x.checksOnTime += 1 }
                        }
                    }
                }
                // 漏报: the period's filed cases (as the area figures count them) charged to the
                // supervisor responsible for the grid when each was reported.
                guard c.attributed, c.facts.isFiledCase, !c.facts.suspended, let responsible = c.history.meta.gridSupervisorId else { continue }
                let missed = c.history.meta.isPublicReport && c.facts.verifiedAt != nil
                touch(responsible) { x in
                    x.responsibleFiled += 1
                    if missed { x.missedReports += 1 }
                }
            }
        }
        let w = weights
        return byActor.values.map { x in
            var x = x
            switch post {
            case .supervisor:
                let valid = fraction(x.validReports, x.reports), missed = fraction(x.missedReports, x.responsibleFiled)
                let verify = fraction(x.verificationsOnTime, x.verificationsAssigned), check = fraction(x.checksOnTime, x.checksAssigned)
                x.validReportRate = valid.map(r4)
                x.missedReportRate = missed.map(r4)
                x.onTimeVerifyRate = verify.map(r4)
                x.onTimeCheckRate = check.map(r4)
                x.score = score([
                    (valid, w.supervisorValid), ((missed ?? 0).complement, w.supervisorMissed),
                    (verify, w.supervisorVerify), (check, w.supervisorCheck),
                ])
            case .acceptor:
                let verifyDispatch = fraction(x.verifyDispatchesOnTime, x.verifyDispatches)
                let checkDispatch = fraction(x.checkDispatchesOnTime, x.checkDispatches)
                x.onTimeAcceptRate = rate(x.acceptedOnTime, x.accepted)
                x.verifyDispatchRate = verifyDispatch.map(r4)
                x.checkDispatchRate = checkDispatch.map(r4)
                x.score = score([
                    (w.acceptorCountScore(x.accepted) / 100, w.acceptorCount),
                    (verifyDispatch, w.acceptorVerifyDispatch), (checkDispatch, w.acceptorCheckDispatch),
                ])
            case .dispatcher:
                let onTime = fraction(x.dispatchesOnTime, x.dispatches)
                let accurate = fraction(x.returnedDispatches, x.dispatches).map { 1 - $0 }
                x.onTimeDispatchRate = onTime.map(r4)
                x.accurateDispatchRate = accurate.map(r4)
                x.score = score([(onTime, w.dispatcherOnTime), (accurate, w.dispatcherAccuracy)])
            }
            x.grade = x.score.map(w.grade)
            return x
        }.sorted { $0.actorId < $1.actorId }
    }

    // MARK: facilities

    public func facilities(_ histories: [CaseHistory], period: Period, now: Date? = nil) -> [FacilityFigures] {
        facilities(folded: fold(histories, for: period, now: now), period: period)
    }

    /// 完好率 per component class and area. `open_case`: 1 − distinct components with a case open
    /// at some moment of the period (not voided) / registered components. `reference_state`:
    /// 1 − components not intact in the reference data / registered.
    public func facilities(folded: [Folded], period: Period) -> [FacilityFigures] {
        let level = weights.facilityAreaLevel
        var defective: [FacilityKey: Set<String>] = [:]
        if weights.facilityDefinition == "open_case" {
            for c in folded where c.history.meta.kind == .component && !c.facts.isVoided {
                guard let reported = c.facts.reportedAt, reported < period.end,
                      (c.facts.endedAt.map { $0 >= period.start } ?? true),
                      let classCode = c.history.meta.classCode, let area = c.history.meta.area(level) else { continue }
                // Without a component code the location (grid + class) stands in for the component.
                let component = c.history.meta.componentCode ?? "\(c.history.meta.gridCode ?? "-")/\(classCode)"
                defective[FacilityKey(classCode: classCode, area: area), default: []].insert(component)
            }
        }
        let keys = Set(registeredComponents.keys).union(defective.keys)
        return keys.map { k in
            let registered = registeredComponents[k] ?? 0
            let bad = weights.facilityDefinition == "open_case" ? defective[k]?.count ?? 0 : notIntactComponents[k] ?? 0
            let intact = registered == 0 ? nil : r4(max(0, 1 - Double(bad) / Double(registered)))
            return FacilityFigures(classCode: k.classCode, area: k.area, registered: registered, defective: bad, intactRate: intact)
        }.sorted { ($0.classCode, $0.area) < ($1.classCode, $1.area) }
    }

    // MARK: rankings

    /// Ranks by the published (rounded) score, highest first; no score last, unranked; equal scores
    /// share a rank. Compares with the previous period.
    public static func rank(_ current: [(code: String, score: Double?, grade: String?)],
                            previous: [(code: String, score: Double?, grade: String?)]) -> [RankingRow] {
        func ranks(_ rows: [(code: String, score: Double?, grade: String?)]) -> [String: Int] {
            let scored = rows.compactMap { r in r.score.map { (r.code, $0) } }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }
            var result: [String: Int] = [:]
            for (i, row) in scored.enumerated() {
                if i > 0, scored[i - 1].1 == row.1 { result[row.0] = result[scored[i - 1].0] } else { result[row.0] = i + 1 }
            }
            return result
        }
        let now = ranks(current), before = ranks(previous)
        let previousScores = Dictionary(previous.map { ($0.code, $0.score) }, uniquingKeysWith: { a, _ in a })
        return current.map { r in
            let rank = now[r.code], previousRank = before[r.code]
            let previousScore = previousScores[r.code] ?? nil
            return RankingRow(
                code: r.code, score: r.score, grade: r.grade, rank: rank, previousScore: previousScore, previousRank: previousRank,
                rankDelta: rank.flatMap { a in previousRank.map { $0 - a } },
                scoreDelta: r.score.flatMap { a in previousScore.map { ScoreRounding.round(a - $0) } })
        }.sorted { ($0.rank ?? Int.max, $0.code) < ($1.rank ?? Int.max, $1.code) }
    }
}

/// The return visits (回访) and reopenings (重办) of a case that happened in the period: from its
/// start up to the instant the period is judged at (its end, or the city's now while it runs).
/// They count by when they happen, not by the attribution rule: a visit is an event of its own,
/// and a case closed last month may be visited this month.
enum ReturnVisitTally {
    struct Event {
        var department: String?
        /// The verdict of a visit; `nil` for a reopening.
        var verdict: ReturnVisitVerdict?
        var isReopening: Bool
    }

    static func events(of c: KPIEngine.Folded) -> [Event] {
        c.history.events.compactMap { e in
            guard e.at >= c.from, e.at < c.asOf else { return nil }
            switch e.action {
            case .returnVisit:
                guard let verdict = e.verdict else { return nil }
                return Event(department: e.department, verdict: verdict, isReopening: false)
            case .reopen:
                return Event(department: e.department, verdict: nil, isReopening: true)
            default:
                return nil
            }
        }
    }
}

extension DepartmentFigures {
    mutating func tally(_ e: ReturnVisitTally.Event) {
        if e.isReopening { reopenings += 1 }
        switch e.verdict {
        case .satisfied?: visits += 1; satisfied += 1
        case .basicallySatisfied?: visits += 1; basicallySatisfied += 1
        case .dissatisfied?: visits += 1; dissatisfied += 1
        case nil: break
        }
    }
}

extension AreaFigures {
    mutating func tally(_ e: ReturnVisitTally.Event) {
        if e.isReopening { reopenings += 1 }
        switch e.verdict {
        case .satisfied?: visits += 1; satisfied += 1
        case .basicallySatisfied?: visits += 1; basicallySatisfied += 1
        case .dissatisfied?: visits += 1; dissatisfied += 1
        case nil: break
        }
    }
}

extension Double {
    /// 1 − self.
    var complement: Double { 1 - self }
}
