import CityGridModel
import CityGridPlatform
import Foundation

/// Checks a submission against the reference data and collects every problem (field path +
/// problem) rather than the first one. Pure: no I/O, the clock is passed in.
public struct ReportValidator: Sendable {
    public let reference: ReferenceData
    public let bounds: CityBounds
    /// The coordinate system each channel sends when a report does not declare one.
    public let channelCoordinates: ChannelCoordinates
    /// Class and place suggestions for reports that carry a hotline category; it also gives a
    /// ticket whose category maps to no class its provisional class.
    public let suggester: ReportSuggester
    /// Reports stamped further in the future than this are implausible (clock skew allowance).
    public var futureTolerance: TimeInterval = 10 * 60
    public static let maxDescriptionLength = 4_000
    public static let maxHotlineCategoryCodeLength = 32
    public static let maxHotlineCategoryPathLength = 200

    /// - Parameter suggester: trained from `reference` when not given.
    public init(reference: ReferenceData, bounds: CityBounds, channelCoordinates: ChannelCoordinates, suggester: ReportSuggester? = nil) {
        self.reference = reference
        self.bounds = bounds
        self.channelCoordinates = channelCoordinates
        self.suggester = suggester ?? ReportSuggester(reference: reference)
    }

    public func validate(_ s: ReportSubmission, now: Date, allowedChannels: Set<ReportChannel>? = nil)
        -> Result<ValidReport, ValidationFailure> {
        var problems: [FieldProblem] = []
        func problem(_ field: String, _ text: String) { problems.append(FieldProblem(field: field, problem: text)) }

        let channel = s.channel.flatMap(ReportChannel.init(rawValue:))
        if s.channel == nil || s.channel?.isEmpty == true {
            problem("channel", "is required")
        } else if channel == nil {
            problem("channel", "must be one of \(ReportChannel.allCases.map(\.rawValue).joined(separator: ", "))")
        } else if let allowed = allowedChannels, let channel, !allowed.contains(channel) {
            problem("channel", "must be one of \(allowed.map(\.rawValue).sorted().joined(separator: ", ")) here")
        }
        if let ref = s.channelReference, ref.count > 200 { problem("channelReference", "must be at most 200 characters") }

        // A 12345 ticket may name its category in the hotline's tree instead of a class: the
        // mapping table (or, failing it, the suggestions) gives the class once the rest is valid.
        var categoryCode: String?
        if let category = s.hotlineCategory {
            let code = category.code?.trimmingCharacters(in: .whitespaces) ?? ""
            if code.isEmpty {
                problem("hotlineCategory.code", "is required")
            } else if code.count > Self.maxHotlineCategoryCodeLength
                        || !code.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._".unicodeScalars.contains($0)) }) {
                problem("hotlineCategory.code", "must be 1–\(Self.maxHotlineCategoryCodeLength) ASCII letters, digits, '-', '.' or '_'")
            } else {
                categoryCode = code
            }
            if let path = category.path, path.count > Self.maxHotlineCategoryPathLength {
                problem("hotlineCategory.path", "must be at most \(Self.maxHotlineCategoryPathLength) characters")
            }
            if let channel, channel != .hotline12345 {
                problem("hotlineCategory", "only 12345 tickets carry a category of the 12345 hotline's tree")
            }
        }
        let classFromCategory = s.hotlineCategory != nil && (s.kind ?? "").isEmpty
            && (s.classCode?.trimmingCharacters(in: .whitespaces) ?? "").isEmpty

        let kind = s.kind.flatMap(ClassKind.init(rawValue:))
        if kind == nil && !classFromCategory { problem("kind", s.kind == nil ? "is required" : "must be 'component' or 'event'") }
        let classCode = s.classCode?.trimmingCharacters(in: .whitespaces) ?? ""
        var caseClass: CaseClass?
        if classFromCategory {
            if s.conditionId != nil {
                problem("conditionId", "needs kind and classCode; a hotline category's mapping brings its own condition")
            }
        } else if classCode.isEmpty {
            problem("classCode", "is required")
        } else if let kind {
            caseClass = reference.caseClass(ClassKey(kind, classCode))
            if caseClass == nil {
                problem("classCode", "\(kind.rawValue) class '\(classCode)' does not exist")
            } else if caseClass!.level < 2 {
                problem("classCode", "'\(classCode)' is a major class; report a sub-class")
                caseClass = nil
            }
        }
        if kind == nil && !classCode.isEmpty && !ClassKind.allCases.contains(where: { reference.caseClass(ClassKey($0, classCode)) != nil }) {
            problem("classCode", "class '\(classCode)' does not exist")
        }
        if let conditionId = s.conditionId, kind == nil, !classFromCategory,
           !ClassKind.allCases.contains(where: { reference.filingCondition($0, id: conditionId) != nil }) {
            problem("conditionId", "filing condition '\(conditionId)' does not exist")
        }
        if let conditionId = s.conditionId, let kind {
            if let condition = reference.filingCondition(kind, id: conditionId) {
                // The conditions that apply to a class: its own, or (third level) its sub-class's.
                let applicable = reference.filingConditions(for: ClassKey(kind, classCode)).map(\.id)
                if caseClass != nil && !applicable.contains(condition.id) {
                    problem("conditionId", "filing condition '\(conditionId)' belongs to class \(condition.classCode), not \(classCode)")
                }
            } else {
                problem("conditionId", "\(kind.rawValue) filing condition '\(conditionId)' does not exist")
            }
        }
        var component: ComponentRecord?
        if let code = s.componentCode {
            if code.count != 16 || !code.allSatisfy(\.isASCII) || !code.allSatisfy(\.isNumber) {
                problem("componentCode", "must be 16 digits")
            } else if let record = reference.component(code) {
                component = record
                if kind == .component && caseClass != nil && record.classCode != String(classCode.prefix(4)) {
                    problem("componentCode", "component \(code) is of class \(record.classCode), not \(classCode)")
                }
            } else {
                problem("componentCode", "component \(code) is not in the component register")
            }
        }

        let address = s.location?.address?.trimmingCharacters(in: .whitespacesAndNewlines)
        let (lon, lat, original) = coordinates(s, channel: channel, problem: problem)
        if (s.location?.longitude == nil || s.location?.latitude == nil) && (address ?? "").isEmpty && s.componentCode == nil {
            problem("location", "give coordinates, an address or a component code")
        }

        let description = s.description?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if description.isEmpty { problem("description", "must not be empty") }
        if description.count > Self.maxDescriptionLength { problem("description", "must be at most \(Self.maxDescriptionLength) characters") }

        let photos = validatePhotos(s, problem: problem)

        var reportedAt = now
        if let text = s.reportedAt {
            if let date = RFC3339.parse(text) {
                if date.timeIntervalSince(now) > futureTolerance { problem("reportedAt", "is in the future") }
                // Every deadline of the case is counted from here: a start the working calendar
                // does not cover would leave the case without deadlines.
                let calendar = reference.calendar
                if (try? calendar.isWorkingDay(calendar.civilDate(of: date))) == nil {
                    let first = calendar.coveredYears.min().map(String.init) ?? "none"
                    problem("reportedAt", "lies in a year the city's working calendar does not cover (first covered year: \(first))")
                }
                reportedAt = date
            } else {
                problem("reportedAt", "must be an RFC 3339 date-time with a time zone")
            }
        }

        guard problems.isEmpty, let channel else { return .failure(ValidationFailure(problems: problems)) }
        // A component's register position (WGS84, like all reference data) stands in for missing coordinates.
        var location = ReportedLocation(longitude: lon, latitude: lat, address: (address ?? "").isEmpty ? nil : address)
        if location.longitude == nil, let component {
            location.longitude = component.location.lon
            location.latitude = component.location.lat
        }
        var decision: HotlineCategoryDecision?
        var suggestions: ReportSuggestions?
        if let categoryCode {
            decision = reference.hotlineCategories.resolve(code: categoryCode, path: s.hotlineCategory?.path)
            suggestions = suggester.suggest(description, on: reference.calendar.civilDate(of: reportedAt))
        }
        let classification: (kind: ClassKind, code: String, condition: String?, source: ClassSource)
        if !classFromCategory, let kind {
            classification = (kind, classCode, s.conditionId, .reporter)
        } else if let decision, decision.outcome == .mapped, let kind = decision.kind, let code = decision.classCode {
            classification = (kind, code, decision.conditionId, .hotlineMapping)
        } else if let best = suggestions?.classes.first {
            // Unmapped or not ours: the best suggestion stands in, and the case waits for the acceptor.
            classification = (best.kind, best.classCode, nil, .suggestion)
        } else {
            return .failure(ValidationFailure(problems: [FieldProblem(
                field: "classCode", problem: "is required: hotline category '\(categoryCode ?? "")' maps to no class here and the text gives no suggestion")]))
        }
        var valid = ValidReport(
            channel: channel, channelReference: s.channelReference, reporterId: s.reporterId, reporterContact: s.reporterContact,
            kind: classification.kind, classCode: classification.code, conditionId: classification.condition, componentCode: s.componentCode,
            location: location, description: description, photos: photos, reportedAt: reportedAt, selfHandled: s.selfHandled,
            handledAtIntake: s.handledAtIntake)
        valid.originalLocation = original
        valid.hotlineCategory = decision
        valid.classSource = classification.source
        valid.suggestions = suggestions
        return .success(valid)
    }
}

extension ReportValidator {
    /// The report's coordinates in WGS84, and as sent with their system. The system is the one the
    /// report declares, else its channel's default; the point is converted before anything looks
    /// at it (the city box here; the grid, duplicate linking and every distance later), so a
    /// GCJ-02 point from a public app lands where the reporter stood, not 300–600 m away.
    /// With an unknown system or an invalid point, the coordinates are nil and a problem is named.
    func coordinates(_ s: ReportSubmission, channel: ReportChannel?, problem: (String, String) -> Void)
        -> (lon: Double?, lat: Double?, original: OriginalLocation?) {
        var system: CoordinateSystem?
        if let name = s.coordinateSystem {
            system = CoordinateSystem(name: name)
            if system == nil {
                problem("coordinateSystem", "'\(name.prefix(40))' is not a coordinate system here; use one of \(CoordinateSystem.names)")
            }
        } else if let channel {
            system = channelCoordinates.defaultSystem(for: channel)
        }
        let lon = s.location?.longitude
        let lat = s.location?.latitude
        if (lon == nil) != (lat == nil) {
            problem(lon == nil ? "location.longitude" : "location.latitude", "is required when the other coordinate is given")
        }
        guard let lon, let lat else { return (nil, nil, nil) }
        let sent = GeoPoint(lon: lon, lat: lat)
        guard sent.isValid else {
            problem("location", "coordinates (\(lon), \(lat)) are not valid degrees of longitude and latitude")
            return (nil, nil, nil)
        }
        // No system (an unknown name, or no channel to take the default from): already a problem.
        guard let system else { return (nil, nil, nil) }
        let point = system.toWGS84(sent)
        if !bounds.contains(point) {
            let converted = system == .wgs84 || system == .cgcs2000 ? "" : " (\(point.lon), \(point.lat) in WGS84)"
            problem("location", "coordinates (\(lon), \(lat)) in \(system.rawValue)\(converted) are outside the city")
        }
        return (point.lon, point.lat, OriginalLocation(longitude: lon, latitude: lat, system: system))
    }

    /// The photos with their purposes. A bare string is a `report` photo. `before` and `after`
    /// belong to a supervisor's self-handled report (自行处置), which needs at least one of each:
    /// they are its evidence, and supervision would refuse the report without them, so it is
    /// refused here, where the reporter can still fix it.
    func validatePhotos(_ s: ReportSubmission, problem: (String, String) -> Void) -> [Photo] {
        let selfHandled = s.selfHandled == true && s.channel == ReportChannel.supervisor.rawValue
        var photos: [Photo] = []
        for (i, input) in (s.photos ?? []).enumerated() {
            let field = input.bare ? "photos[\(i)]" : "photos[\(i)].url"
            guard input.wellFormed else {
                problem("photos[\(i)]", "must be a URL or an object with url and purpose")
                continue
            }
            let url = input.url.flatMap { URL(string: $0) }
            let scheme = url?.scheme?.lowercased()
            var valid = true
            if url == nil || !(scheme == "http" || scheme == "https") || (url?.host ?? "").isEmpty {
                problem(field, "must be an http(s) URL")
                valid = false
            }
            let purpose: PhotoPurpose? = input.purpose.map { PhotoPurpose(rawValue: $0) } ?? PhotoPurpose.report
            switch purpose {
            case nil:
                problem("photos[\(i)].purpose", "must be one of \(PhotoPurpose.reportPurposes.map(\.rawValue).joined(separator: ", "))")
                valid = false
            case .some(let p) where !PhotoPurpose.reportPurposes.contains(p):
                problem("photos[\(i)].purpose", "must be one of \(PhotoPurpose.reportPurposes.map(\.rawValue).joined(separator: ", ")) in a report")
                valid = false
            case .some(let p) where (p == .before || p == .after) && !selfHandled:
                problem("photos[\(i)].purpose", "before and after photos belong to a supervisor's self-handled report (selfHandled: true)")
                valid = false
            default:
                break
            }
            if valid, let url = input.url, let purpose { photos.append(Photo(url: url, purpose: purpose)) }
        }
        if selfHandled {
            let given = Set((s.photos ?? []).compactMap { $0.purpose.flatMap(PhotoPurpose.init(rawValue:)) })
            let missing = [PhotoPurpose.before, .after].filter { !given.contains($0) }
            if !missing.isEmpty {
                problem("photos", "a self-handled report needs at least one before and one after photo; missing: "
                            + missing.map(\.rawValue).joined(separator: ", "))
            }
        }
        return photos
    }
}

/// Every problem of a rejected submission.
public struct ValidationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [FieldProblem]
    public var description: String { problems.map { "\($0.field): \($0.problem)" }.joined(separator: "; ") }
}
