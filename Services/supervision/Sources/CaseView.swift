import CityGridModel
import Foundation
import PGClient

/// A case as the query API shows it.
public struct CaseView: Codable, Sendable {
    public var id: UUID
    public var number: String
    public var state: CaseState
    public var stateLabel: String
    public var version: Int
    public var channel: ReportChannel
    public var reporterId: String?
    public var kind: ClassKind
    public var classCode: String
    public var conditionId: String?
    public var componentCode: String?
    public var gridCode: String?
    public var communityCode: String?
    public var streetCode: String?
    public var districtCode: String?
    public var areaClass: AreaClass?
    public var longitude: Double?
    public var latitude: Double?
    public var address: String?
    public var description: String
    public var photos: [Photo]
    public var currentDepartment: String?
    public var currentDispatchId: UUID?
    public var handlingDeadline: Date?
    /// What the handling deadline was counted on (calendar years and their standing).
    public var handlingDeadlineBasis: DeadlineBasis?
    /// `true` when the running clock's deadline was counted on a provisional calendar year and
    /// may still move when the State Council's notice is imported.
    public var deadlineProvisional: Bool
    public var clock: StageClock?
    public var pendingRequest: PendingRequest?
    public var returnedBy: [String]
    public var reworkCount: Int
    public var returnCount: Int
    public var extensionCount: Int
    public var duplicateCount: Int
    public var duplicateOf: UUID?
    public var suspended: Bool
    /// 重办: how often a return visit reopened the case.
    public var reopenCount: Int
    /// A reopening the return-visit policy put before the shift leader, not yet decided (重办待定).
    public var reopenReferral: ReopenReferral?
    public var reportedAt: Date
    /// The commands (`POST /cases/{id}/<name>`) the reader's role may send now; empty for a view
    /// made without a reader (a command's answer to a system caller).
    public var actions: [String]
    /// Where the class came from (`reporter`, `hotline_mapping`, `suggestion`); absent for a
    /// reporter's own class.
    public var classSource: ClassSource?
    /// What intake's mapping table made of a 12345 ticket's own category.
    public var hotlineCategory: HotlineCategoryDecision?
    /// `true` while the case is before acceptance (reported, awaiting_accept) and the standing
    /// acceptance policy leaves it to the acceptor: nobody chose its class, or its hotline category
    /// is outside city management.
    public var awaitsAcceptor: Bool
    /// Class and place suggestions from the text, for the acceptor: only in the single case's
    /// view (`GET /cases/{id}`), not in lists.
    public var suggestions: ReportSuggestions?

    /// - Parameter detail: the single case's view, with the suggestions.
    init(_ stored: StoredCase, for role: Role?, detail: Bool = false) {
        let f = stored.facts
        let r = stored.record
        id = r.id; number = r.caseNumber; state = r.state; stateLabel = r.state.label; version = r.version
        channel = f.channel; reporterId = f.reporterId; kind = f.kind; classCode = f.classCode
        conditionId = r.conditionId ?? f.conditionId; componentCode = f.componentCode
        gridCode = r.gridCode ?? f.gridCode; communityCode = f.communityCode; streetCode = f.streetCode
        districtCode = f.districtCode; areaClass = f.areaClass; longitude = f.longitude; latitude = f.latitude
        address = f.address; description = f.description; photos = f.photos
        currentDepartment = r.currentDepartment; currentDispatchId = r.currentDispatchId; handlingDeadline = r.handlingDeadline
        handlingDeadlineBasis = r.handlingDeadlineBasis; deadlineProvisional = r.clock?.basis?.isProvisional ?? false
        clock = r.clock; pendingRequest = r.pendingRequest; returnedBy = r.returnedBy.sorted()
        reworkCount = r.reworkCount; returnCount = r.returnCount; extensionCount = r.extensionCount
        duplicateCount = stored.duplicateCount; duplicateOf = r.duplicateOf; suspended = r.isSuspended; reportedAt = r.reportedAt
        reopenCount = r.reopenCount; reopenReferral = r.reopenReferral
        actions = StaffCommand.offered(to: role, on: r).map(\.rawValue)
        classSource = f.classSource; hotlineCategory = f.hotlineCategory
        awaitsAcceptor = f.awaitsAcceptor && (r.state == .reported || r.state == .awaitingAccept)
        suggestions = detail ? f.suggestions : nil
    }
}

/// One timeline row: a workflow transition (with its full entry) or an annotation.
public struct TimelineRow: Codable, Sendable {
    public var sequence: Int
    public var kind: String
    public var action: String
    public var from: String?
    public var to: String
    public var actorId: String
    public var actorRole: String
    public var actorDepartment: String?
    public var department: String?
    public var at: Date
    public var reason: String?
    public var details: [String: String]
    public var stoppedClock: StageClock?
    public var startedClock: StageClock?
    /// The photos the entry holds (its report's, a completion's, a check's…), with the stored
    /// upload behind each one held here; absent when it holds none.
    public var photos: [EntryPhoto]?
}

/// A case's stored JSON as read from `supervision.cases`, not yet decoded.
struct StoredCaseText: Sendable {
    var id: UUID
    var facts: String
    var record: String
    var duplicateCount: Int
}

/// The JSON of case views already made, for the lists.
///
/// Decoding a case's `facts` and `record` and encoding its view was ~5 ms of a 50-case page
/// (Foundation's Codable, ~90 µs a case), against 0.1–0.4 ms in PostgreSQL; the same few
/// thousand recent cases fill most pages that people keep open. A view is a function of the
/// stored row and the reader's role (``CaseView/init(_:for:detail:)``), so it is kept under the
/// row's own text: an entry is used only when `facts`, `record` and `duplicate_count` are byte for
/// byte what the database just returned, and any change to the case is a miss that makes the view
/// anew. A cached page is therefore the same bytes an uncached one would be, never staler than
/// the rows read. Bounded (least recently used go first); `CITYGRID_SUPERVISION_VIEW_CACHE` sets
/// how many cases it holds (default 10,000, about 4 KB each with one role's view; 0 turns it off).
final class CaseViewCache: @unchecked Sendable {
    static let defaultCapacity = 10_000

    private struct Entry {
        var facts: String
        var record: String
        var duplicateCount: Int
        /// The view's JSON per reader's role (`""`: no reader).
        var views: [String: [UInt8]]
        var used: UInt64
    }

    let capacity: Int
    private let lock = NSLock()
    private var entries: [UUID: Entry] = [:]
    private var tick: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { lock.withLock { entries.count } }

    /// The JSON of each case's list view (``CaseView/init(_:for:detail:)`` without detail) for
    /// `role`, in order, exactly as `MessageCoding.encoder()` writes it.
    func json(of cases: [StoredCaseText], for role: Role?) throws -> [[UInt8]] {
        let key = role?.rawValue ?? ""
        var found = [[UInt8]?](repeating: nil, count: cases.count)
        if capacity > 0 {
            lock.withLock {
                tick &+= 1
                for (i, stored) in cases.enumerated() {
                    guard let entry = entries[stored.id], let view = entry.views[key], entry.duplicateCount == stored.duplicateCount,
                          Self.same(entry.facts, stored.facts), Self.same(entry.record, stored.record) else { continue }
                    found[i] = view
                    entries[stored.id]?.used = tick
                }
            }
        }
        var made: [(Int, [UInt8])] = []
        let encoder = MessageCoding.encoder()
        for i in found.indices where found[i] == nil {
            let view = CaseView(try CaseStore.decode(cases[i]), for: role)
            let json = [UInt8](try encoder.encode(view))
            found[i] = json
            made.append((i, json))
        }
        if capacity > 0 && !made.isEmpty {
            lock.withLock {
                tick &+= 1
                for (i, json) in made {
                    let stored = cases[i]
                    if var entry = entries[stored.id], entry.duplicateCount == stored.duplicateCount,
                       Self.same(entry.facts, stored.facts), Self.same(entry.record, stored.record) {
                        entry.views[key] = json
                        entry.used = tick
                        entries[stored.id] = entry
                    } else {
                        entries[stored.id] = Entry(facts: stored.facts, record: stored.record, duplicateCount: stored.duplicateCount,
                                                   views: [key: json], used: tick)
                    }
                }
                if entries.count > capacity { evict() }
            }
        }
        return found.map { $0 ?? [] }
    }

    /// Keeps the most recently used three quarters of `capacity` (in the lock).
    private func evict() {
        let keep = capacity * 3 / 4
        guard keep > 0 else { entries.removeAll(); return }
        let cut = entries.values.map(\.used).sorted(by: >)[keep - 1]
        entries = entries.filter { $0.value.used >= cut }
    }

    /// Byte equality (`==` on non-ASCII strings compares them through Unicode normalization).
    static func same(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
        }
    }
}
