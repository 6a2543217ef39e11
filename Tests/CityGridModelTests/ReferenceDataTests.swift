import CityGridModel
import Foundation
import Testing

/// `Shared/reference-data` of this repository, found from this file's location.
private let referenceDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Shared/reference-data")

/// Progress reports seen while loading the shared data, (file, done, total).
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(String, Int, Int)] = []
    func add(_ file: String, _ done: Int, _ total: Int) { lock.withLock { items.append((file, done, total)) } }
    var all: [(String, Int, Int)] { lock.withLock { items } }
}

private let progressLog = ProgressLog()

/// Loaded once for the whole suite (Swift initialises globals lazily and thread-safely).
private let shipped: Result<ReferenceData, any Error> = Result {
    try ReferenceData.load(from: referenceDirectory) { progressLog.add($0, $1, $2) }
}

private func data() throws -> ReferenceData {
    switch shipped {
    case .success(let data): return data
    case .failure(let error):
        Issue.record("loading \(referenceDirectory.path) failed: \(error)")
        throw error
    }
}

/// The shipped reference data, loaded once for every suite of this module that reads it.
func shippedReference() throws -> ReferenceData { try data() }

@Suite("Reference data")
struct ReferenceDataTests {
    // MARK: The shipped directory

    @Test("the shipped reference data loads without errors")
    func loadsShippedData() throws {
        let data = try data()
        #expect(data.version == data.city.dataVersion)
        #expect(data.city.timeZoneIdentifier == "Asia/Shanghai")
        #expect(data.city.isDemo)
        #expect(data.calendar.coveredYears.contains(2026))
        #expect(data.calendar.workPeriods == WorkPeriod.defaultPeriods)
        // Large files report progress every ReferenceData.progressInterval rows and once at the end.
        let componentReports = progressLog.all.filter { $0.0 == "components.csv" }
        #expect(componentReports.count > 2)
        #expect(componentReports.last.map { $0.1 == $0.2 } == true)
    }

    @Test("counts: districts, streets, grids, components, gazetteer, reports")
    func counts() throws {
        let data = try data()
        #expect(Set(data.districts.map(\.code)) == ["150102", "150103", "150104", "150105"])
        for district in data.districts {
            let streets = data.streets.filter { $0.districtCode == district.code }
            #expect((4...8).contains(streets.count), "\(district.name) has \(streets.count) streets")
        }
        #expect(data.grids.count >= 1400)
        let current = data.grids(validOn: CivilDate(iso: "2026-06-01")!)
        #expect(current.count >= 1400)
        #expect(Set(current.map(\.districtCode)).count == 4)
        #expect(data.components.count >= 3000)
        #expect(data.gazetteer.count >= 1500)
        #expect(data.labelledReports.count >= 250)
        let mean = current.map(\.areaSquareMetres).reduce(0, +) / Double(current.count)
        #expect((9_000...11_000).contains(mean), "mean grid area \(mean) m²")
    }

    @Test("every department named in the brief, every utility owner, every street office")
    func departments() throws {
        let data = try data()
        let expected = ["CGZF", "SCJG", "GAXF", "CSGH", "SZGY", "YLLH", "SRHW", "STHJ", "JT", "SW",
                        "UTIL-WATER", "UTIL-DRAIN", "UTIL-POWER", "UTIL-GAS", "UTIL-HEAT", "UTIL-TELECOM"]
        for code in expected { #expect(data.department(code) != nil, "missing \(code)") }
        for street in data.streets {
            #expect(data.department("STREET-\(street.code)")?.kind == .streetOffice)
        }
        for district in data.districts {
            #expect(data.department(district.governmentDepartment)?.kind == .districtGovernment)
        }
    }

    @Test("class tree: all majors, sub-classes with conditions and rules, third level, local extensions")
    func classTree() throws {
        let data = try data()
        let majors = { (kind: ClassKind) in Set(data.classes.filter { $0.kind == kind && $0.level == 1 }.map(\.code)) }
        #expect(majors(.component) == ["01", "02", "03", "04", "05", "06", "21"])
        #expect(majors(.event) == ["01", "02", "03", "04", "05", "21"])
        #expect(data.subclass(.component, "0101")?.nameZh == "上水井盖")
        #expect(data.subclass(.event, "0101")?.nameZh == "私搭乱建")
        #expect(data.subclass(.event, "0504")?.nameZh == "店外经营")
        #expect(data.children(of: ClassKey(.event, "0504")).map(\.code) == ["050401", "050402", "050403"])
        #expect(data.subclass(.event, "05") == nil)  // a major is not a sub-class
        #expect(data.classes.contains { $0.isLocalExtension && $0.level == 2 })
        for c in data.classes where c.level >= 2 {
            #expect(!data.filingConditions(for: c.key).isEmpty, "\(c.key) has no filing condition")
            #expect(data.resolver.rule(for: c.key) != nil, "\(c.key) has no rule")
        }
    }

    @Test("filing conditions carry the worked examples of domain.md §4.2")
    func filingConditions() throws {
        let data = try data()
        // 违法搭建: three stages, three conditions.
        let illegal = data.filingConditions(for: ClassKey(.event, "0101"))
        #expect(illegal.map(\.id) == ["0101-01", "0101-02", "0101-03"])
        #expect(illegal.map { $0.limit(for: .a) } == [.workingHours(4), .workingDays(7), .workingDays(20)])
        // 暴露垃圾 4 working hours in the core.
        #expect(data.filingCondition(.event, id: "0102-01")?.limit(for: .a) == .workingHours(4))
        // Missing manhole cover: urgent, 2 natural hours, in every area class.
        let cover = try #require(data.filingCondition(.component, id: "0101-01"))
        #expect(AreaClass.allCases.allSatisfy { cover.limit(for: $0) == .naturalHours(2) })
        #expect(cover.limit(for: .a).isUrgent)
        #expect(data.stageLimit(.verify)?.limit == .workingHours(1))
        #expect(TimedStage.allCases.allSatisfy { data.stageLimit($0) != nil })
    }

    @Test("grids: codes, versions, point lookup")
    func grids() throws {
        let data = try data()
        for grid in data.grids {
            #expect(grid.code.count == 15 && grid.code.hasPrefix(grid.communityCode))
            #expect(data.community(grid.communityCode) != nil)
        }
        let retired = data.grids.filter { $0.validTo != nil }
        #expect(retired.count >= 3)
        for old in retired {
            let before = old.validFrom, after = try #require(old.validTo)
            #expect(old.replacedBy.count == 2)
            #expect(data.grids(validOn: before).contains { $0.code == old.code })
            #expect(!data.grids(validOn: after).contains { $0.code == old.code })
            // The old grid's area is now covered by its successors.
            let successors = old.replacedBy.compactMap { data.grid($0) }
            #expect(abs(successors.map(\.areaSquareMetres).reduce(0, +) - old.areaSquareMetres) < 1)
            let inside = successors[0].polygon.centroid
            #expect(data.grid(containing: inside, on: before)?.code == old.code)
            #expect(data.grid(containing: inside, on: after)?.code == successors[0].code)
        }
        #expect(data.grid(containing: GeoPoint(lon: 111.60, lat: 40.75), on: CivilDate(iso: "2026-06-01")!) == nil)
        let territory = try #require(data.territory(ofGrid: data.grids[0].code))
        #expect(territory.streetOffice == "STREET-\(territory.streetCode)")
        #expect(territory.districtGovernment == "GOV-\(territory.districtCode)")
    }

    @Test("components: owners, grids, water covers owned by UTIL-WATER")
    func components() throws {
        let data = try data()
        let waterCovers = data.components.filter { $0.classCode == "0101" }
        #expect(!waterCovers.isEmpty && waterCovers.allSatisfy { $0.ownerDepartment == "UTIL-WATER" })
        #expect(data.components.contains { $0.classCode == "0114" && $0.ownerDepartment == nil })
        for component in data.components.prefix(500) {
            #expect(component.code.count == 16)
            #expect(data.grid(containing: component.location, on: CivilDate(iso: "2026-06-01")!)?.code == component.gridCode)
        }
        let first = data.components[0]
        #expect(data.component(first.code) == first)
    }

    @Test("gazetteer: historical names, house numbers, points inside grids")
    func gazetteer() throws {
        let data = try data()
        #expect(data.gazetteerEntries(named: "人民广场").map(\.name) == ["新华广场"])
        #expect(data.gazetteerEntries(named: "内蒙古博物院").first?.kind == .poi)
        #expect(data.gazetteerEntries(named: "大召寺").count == 1)
        let renamed = try #require(data.gazetteer.first { $0.kind == .road && !$0.historicalNames.isEmpty })
        #expect(renamed.line != nil)
        let house = try #require(data.gazetteer.first { $0.kind == .houseNumber && $0.road == renamed.name })
        #expect(data.houseNumber(road: renamed.historicalNames[0], number: house.houseNumber!) == house)
        #expect(data.houseNumber(road: renamed.name, number: house.houseNumber!) == house)
        for entry in data.gazetteer {
            #expect(data.gridIndex.grid(containing: entry.location) != nil, "\(entry.name) outside all grids")
        }
        let kinds = Set(data.gazetteer.map(\.kind))
        #expect(kinds == Set(GazetteerKind.allCases))
    }

    @Test("labelled reports agree with the resolver and the grid index")
    func labelledReports() throws {
        let data = try data()
        var manual = 0
        for report in data.labelledReports {
            let resolution = data.resolve(subclass: report.classKey, componentCode: report.componentCode, gridCode: report.expectedGrid)
            #expect(resolution.departmentCode == report.expectedDepartment, "\(report.id): \(resolution)")
            if report.expectedDepartment == nil {
                manual += 1
                #expect(report.expectedGrid == nil && report.location == nil)
            }
            if let p = report.location {
                let date = data.calendar.civilDate(of: report.reportedAt)
                #expect(data.grid(containing: p, on: date)?.code == report.expectedGrid)
            }
        }
        let share = Double(manual) / Double(data.labelledReports.count)
        #expect((0.03...0.08).contains(share), "manual share \(share)")
        #expect(data.labelledReports.contains { $0.caseType == "historical" })
        #expect(data.labelledReports.contains { $0.caseType == "typo" })
        #expect(data.labelledReports.contains { $0.componentCode != nil })
    }

    // MARK: Resolver

    private static let resolver = ResponsibilityResolver(
        rules: [
            ResponsibilityRule(kind: .component, classCode: "01", order: .ownerThenTerritory, sectorDepartment: "SZGY", streetFirst: false),
            ResponsibilityRule(kind: .component, classCode: "0101", order: .ownerThenTerritory, sectorDepartment: "UTIL-WATER", streetFirst: false),
            ResponsibilityRule(kind: .component, classCode: "05", order: .ownerThenTerritory, sectorDepartment: nil, streetFirst: true),
            ResponsibilityRule(kind: .event, classCode: "05", order: .territoryThenOwner, sectorDepartment: "CGZF", streetFirst: true),
            ResponsibilityRule(kind: .event, classCode: "0505", order: .territoryThenOwner, sectorDepartment: "GAXF", streetFirst: false),
            ResponsibilityRule(kind: .event, classCode: "050401", order: .territoryThenOwner, sectorDepartment: "SCJG", streetFirst: false),
            ResponsibilityRule(kind: .event, classCode: "2199", order: .territoryThenOwner, sectorDepartment: "DISTRICT", streetFirst: false),
            ResponsibilityRule(kind: .event, classCode: "0499", order: .territoryThenOwner, sectorDepartment: nil, streetFirst: true),
        ],
        departmentCodes: ["SZGY", "UTIL-WATER", "UTIL-GAS", "CGZF", "GAXF", "SCJG", "STREET-150102001", "GOV-150102"])

    private func resolve(_ kind: ClassKind, _ code: String, owner: String? = nil, street: String? = "STREET-150102001",
                         district: String? = "GOV-150102") -> Resolution {
        Self.resolver.resolve(subclass: ClassKey(kind, code), componentOwner: owner, streetOffice: street, districtGovernment: district)
    }

    @Test("components: owner first (先属主), then sector, then territory")
    func resolverComponents() {
        #expect(resolve(.component, "0101", owner: "UTIL-GAS") == .department("UTIL-GAS", via: .owner))
        #expect(resolve(.component, "0101") == .department("UTIL-WATER", via: .sector))
        #expect(resolve(.component, "0118") == .department("SZGY", via: .sector))  // major 01 rule
        #expect(resolve(.component, "0101", owner: "NO-SUCH-DEPT") == .department("UTIL-WATER", via: .sector))
        #expect(resolve(.component, "0501") == .department("STREET-150102001", via: .street))
        #expect(resolve(.component, "0501", street: nil) == .department("GOV-150102", via: .district))
        // A registered owner is enough even without a located grid.
        #expect(resolve(.component, "0501", owner: "SZGY", street: nil, district: nil) == .department("SZGY", via: .owner))
    }

    @Test("events: territory first (先属地), sector departments where the rule says so")
    func resolverEvents() {
        #expect(resolve(.event, "0504") == .department("STREET-150102001", via: .street))
        #expect(resolve(.event, "0504", street: nil) == .department("CGZF", via: .sector))
        #expect(resolve(.event, "0505") == .department("GAXF", via: .sector))
        #expect(resolve(.event, "050401") == .department("SCJG", via: .sector))  // third-level rule wins
        #expect(resolve(.event, "050402") == .department("STREET-150102001", via: .street))  // falls back to major 05
        #expect(resolve(.event, "2199") == .department("GOV-150102", via: .sector))  // 无责任主体 → district government
        #expect(resolve(.event, "0499", street: nil) == .department("GOV-150102", via: .district))
    }

    @Test("manual dispatch: no location, no rule, no candidate")
    func resolverManual() {
        #expect(resolve(.event, "0504", street: nil, district: nil) == .manual(.locationUnknown))
        #expect(resolve(.event, "0301") == .manual(.noRule))
        #expect(resolve(.event, "0499", street: "STREET-UNKNOWN", district: "GOV-UNKNOWN") == .manual(.noCandidate))
        #expect(Resolution.manual(.locationUnknown).departmentCode == nil)
    }

    @Test("rule steps follow the two principles")
    func ruleSteps() {
        let component = ResponsibilityRule(kind: .component, classCode: "01", order: .ownerThenTerritory, sectorDepartment: "X", streetFirst: false)
        #expect(component.steps == [.owner, .sector, .street, .district])
        let event = ResponsibilityRule(kind: .event, classCode: "05", order: .territoryThenOwner, sectorDepartment: "X", streetFirst: true)
        #expect(event.steps == [.street, .sector, .owner, .district])
    }

    // MARK: CSV reader

    @Test("CSV reader: quoting, embedded newlines, CRLF, BOM and line numbers")
    func csvReader() {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, y\",3\r\n\n4,\"multi\nline \"\"quoted\"\"\",6\n7,8\n9,10,11"
        let (table, errors) = CSVTable.parse(text, file: "t.csv")
        #expect(table.header == ["a", "b", "c"])
        #expect(table.records.map(\.line) == [2, 4, 7])
        #expect(table.records[0].fields == ["1", "x, y", "3"])
        #expect(table.records[1].fields == ["4", "multi\nline \"quoted\"", "6"])
        #expect(errors.map(\.description) == ["t.csv:6: expected 3 fields, found 2"])
        let (_, unterminated) = CSVTable.parse("a,b\n1,\"open\n2,3\n", file: "u.csv")
        #expect(unterminated.map(\.description) == ["u.csv:2: unterminated quoted field"])
    }

    // MARK: Broken data

    /// Writes a small reference-data directory with deliberate mistakes and returns the load errors.
    private func brokenLoadErrors() throws -> [ReferenceDataError] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refdata-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("calendar"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let files: [String: String] = [
            "VERSION": "test-1\n",
            "city.csv": "city_code,city_name,time_zone,data_version,demo\n150100,测试市,Asia/Nowhere,test-2,true\n",
            "calendar/work-periods.csv": "start,end\n08:00,12:00\n14:00,18:00\n",
            "calendar/2026.csv": "date,type,name\n2026-01-01,holiday,元旦\n2025-10-01,holiday,国庆节\n2026-03-03,workday,误写\n",
            "classes.csv": """
                kind,major_code,sub_code,third_code,name_zh,name_en,parent_code,local_extension,source
                component,01,,,公用设施,Public utilities,,false,domain
                component,01,0101,,上水井盖,Water cover,01,false,domain
                event,05,,,街面秩序,Street order,,false,domain
                event,05,0504,,店外经营,Outside business,05,false,domain
                event,05,0505,,机动车乱停放,Parking,05,maybe,domain
                event,06,0601,,无父类,Orphan,06,false,demo

                """,
            "filing-conditions.csv": """
                kind,condition_id,class_code,description,limit_a,unit_a,limit_b,unit_b,limit_c,unit_c,closing_condition,responsible_hint,source
                component,0101-01,0101,井盖缺失,2,natural_hours,2,natural_hours,2,natural_hours,已补装,owner,domain
                event,0504-1,0504,店外经营,2,working_hours,4,working_hours,4,working_hours,已入店,territory,demo
                event,0601-01,0601,"描述, 含逗号",0,working_hours,4,weeks,4,working_hours,已处理,NOPE,demo

                """,
            "stage-limits.csv": "stage,limit,unit,description,source\naccept,0.5,working_hours,受理,demo\n",
            "departments.csv": """
                code,name,kind,district_code,responsibilities,source
                CGZF,执法局,department,,event:05,demo
                GOV-150102,新城区人民政府,district_government,150102,event:2199,demo
                STREET-150102001,某街道办事处,street_office,150199,event:05,demo
                bad code,坏代码,department,,,demo

                """,
            "responsibility-rules.csv": """
                kind,class_code,rule_order,sector_department,street_first,note
                component,01,owner_then_territory,UTIL-WATER,false,
                event,05,owner_then_territory,CGZF,true,

                """,
            "districts.csv": "code,name,name_en,government_department,source\n150102,新城区,Xincheng,GOV-150102,demo\n",
            "streets.csv": "code,district_code,name,office_department,source\n150102001,150102,某街道,STREET-150102001,demo\n",
            "communities.csv": "code,street_code,name,source\n150102001001,150102001,某社区,demo\n",
            "grids.csv": """
                code,community_code,area_class,land_use,area_m2,valid_from,valid_to,replaced_by,polygon,source
                150102001001001,150102001001,A,mixed,10104,2026-01-01,,,"POLYGON((111.68 40.83, 111.68 40.8291, 111.6812 40.8291, 111.6812 40.83, 111.68 40.83))",demo
                150102001009001,150102001009,A,mixed,10000,2026-01-01,,,"POLYGON((111.70 40.83, 111.70 40.8291, 111.7012 40.8291, 111.70 40.83))",demo
                150102001001002,150102001001,D,mixed,10000,2026-01-01,,,"POLYGON((111.69 40.83, 111.69 40.8291, 111.6912 40.8291, 111.6912 40.83))",demo

                """,
            "components.csv": """
                code,class_code,name,owner_department,manager_department,maintainer,grid_code,lon,lat,state,source
                1501020101000001,0101,上水井盖,UTIL-WATER,SZGY,供水,150102001001001,111.6806,40.8295,intact,demo
                150102010100002,0101,上水井盖,CGZF,CGZF,供水,150102001001001,111.6806,40.8295,intact,demo

                """,
            "gazetteer.csv": """
                id,kind,name,road,house_number,district_code,lon,lat,line,historical_names,source
                G1,poi,某广场,,,150102,111.6806,40.8295,,,demo
                G2,house_number,某路1号,某路,1,150102,111.75,40.85,,,demo

                """,
            "hotline-categories.csv": """
                version,code,name,disposition,kind,class_code,condition_id,competent_body,note,source
                2025.1,01,城乡建设,acceptor,,,,,,demo
                2025.1,0101,井盖,mapped,component,0101,0101-01,,,demo
                2025.1,0102,店外,mapped,event,0504,0504-09,,,demo
                2025.1,0103,无类,mapped,event,0999,,,,demo
                2025.1,04,劳动保障,not_ours,,,,,,demo
                2025.1,0501,医疗,not_ours,,,,卫健委,,demo
                2026.x,0104,坏版本,acceptor,,,,,,demo
                2025.1,010,坏码,acceptor,,,,,,demo
                2025.1,0101,井盖,acceptor,,,,,,demo
                2025.1,0105,其他,acceptor,event,0504,,,,demo
                2024.1,0106,早于父类,acceptor,,,,,,demo
                2025.1,0107,管不着,maybe,,,,,,demo

                """,
            "class-terms.csv": """
                term,kind,class_code,weight,source
                井盖,component,0101,3,demo
                店外,event,0504,0,demo
                废话,event,0999,1,demo
                井盖,component,0101,2,demo
                ，。,event,0504,1,demo

                """,
            "citizen-texts.csv": """
                text_id,version,kind,class_code,held_out,text,source
                T1,2026.1,component,0101,false,井盖没了,demo
                T1,2026.1,event,0504,false,重复,demo
                T2,v1,event,0504,true,版本坏,demo
                T3,2026.1,event,0504,maybe,坏布尔,demo
                T4,2026.1,event,0999,false,无类,demo

                """,
        ]
        for (name, content) in files {
            try content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        do {
            _ = try ReferenceData.load(from: dir)
            Issue.record("broken data loaded without errors")
            return []
        } catch let errors as ReferenceDataErrors {
            return errors.errors
        }
    }

    @Test("broken hotline tables: mapping rows, terms and texts are checked like the other files")
    func brokenHotlineTables() throws {
        let rendered = Set(try brokenLoadErrors().map(\.description))
        let expected = [
            "hotline-categories.csv:4: field 'condition_id': event filing condition 0504-09 does not belong to class 0504",
            "hotline-categories.csv:5: field 'class_code': unknown sub-class event:0999",
            "hotline-categories.csv:6: field 'competent_body': a not_ours category names who handles it instead",
            "hotline-categories.csv:7: field 'code': parent 05 is not in the table",
            "hotline-categories.csv:8: field 'version': expected a version like 2026.1 (numbers separated by dots), found '2026.x'",
            "hotline-categories.csv:9: field 'code': expected 2, 4, 6 or 8 digits (two per level), found '010'",
            "hotline-categories.csv:10: field 'code': duplicate '2025.1|0101' (first defined on line 3)",
            "hotline-categories.csv:11: field 'kind': a category marked acceptor maps to nothing",
            "hotline-categories.csv:11: field 'class_code': a category marked acceptor maps to nothing",
            "hotline-categories.csv:12: field 'code': parent 01 first appears in version 2025.1, after 2024.1",
            "hotline-categories.csv:13: field 'disposition': 'maybe' is not one of mapped|not_ours|acceptor|retired",
            "class-terms.csv:3: field 'weight': a term's weight must be positive, found 0.0",
            "class-terms.csv:4: field 'class_code': unknown sub-class event:0999",
            "class-terms.csv:5: field 'term': duplicate '井盖|component:0101' (first defined on line 2)",
            "class-terms.csv:6: field 'term': '，。' has no letters or characters left after punctuation is removed",
            "citizen-texts.csv:3: field 'text_id': duplicate 'T1' (first defined on line 2)",
            "citizen-texts.csv:4: field 'version': expected a version like 2026.1, found 'v1'",
            "citizen-texts.csv:5: field 'held_out': expected true or false, found 'maybe'",
            "citizen-texts.csv:6: field 'class_code': unknown sub-class event:0999",
        ]
        for line in expected {
            #expect(rendered.contains(line), "missing: \(line)")
        }
        // The valid rows are not reported.
        #expect(!rendered.contains { $0.hasPrefix("hotline-categories.csv:2:") || $0.hasPrefix("hotline-categories.csv:3:") })
        #expect(!rendered.contains { $0.hasPrefix("class-terms.csv:2:") || $0.hasPrefix("citizen-texts.csv:2:") })
    }

    @Test("a mapping table without training texts is refused: nothing could give an unmapped ticket its class")
    func mappingNeedsTexts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refdata-hotline-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: referenceDirectory, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let texts = dir.appendingPathComponent("citizen-texts.csv")
        let header = try String(contentsOf: texts, encoding: .utf8).split(separator: "\n")[0]
        try (header + "\nT1,2026.1,event,0104,true,只有留出的文本,demo\n").write(to: texts, atomically: true, encoding: .utf8)
        do {
            _ = try ReferenceData.load(from: dir)
            Issue.record("a mapping table without training texts loaded")
        } catch let errors as ReferenceDataErrors {
            #expect(errors.errors.map(\.description).contains { $0.hasPrefix("hotline-categories.csv: a category table needs training texts") },
                    "\(errors.errors.map(\.description))")
        }
    }

    @Test("broken rows: every error names file, line and field, and all are collected")
    func brokenData() throws {
        let errors = try brokenLoadErrors()
        let rendered = Set(errors.map(\.description))
        let expected = [
            "city.csv:2: field 'time_zone': unknown time zone 'Asia/Nowhere'",
            "city.csv:2: field 'data_version': 'test-2' differs from VERSION 'test-1'",
            "calendar/2026.csv:3: field 'date': 2025-10-01 is not in 2026",
            "calendar/2026.csv:4: field 'type': 2026-03-03 is a weekday; a make-up working day (workday) must be a Saturday or Sunday",
            "classes.csv:6: field 'local_extension': expected true or false, found 'maybe'",
            "classes.csv:7: field 'parent_code': parent event:06 is not defined",
            "classes.csv:7: field 'sub_code': class event:0601 has no responsibility rule (nor has its major)",
            "filing-conditions.csv:3: field 'condition_id': expected '0504-NN', found '0504-1'",
            "filing-conditions.csv:4: field 'limit_a': time limit must be positive, found 0.0",
            "filing-conditions.csv:4: field 'unit_b': 'weeks' is not one of working_hours|working_days|natural_hours",
            "classes.csv:5: field 'sub_code': sub-class event:0504 has no filing condition in filing-conditions.csv",
            "stage-limits.csv: field 'stage': no limit for stage 'verify'",
            "departments.csv:4: field 'district_code': unknown district 150199",
            "departments.csv:5: field 'code': department codes are 2–32 characters A–Z, 0–9 and '-', found 'bad code'",
            "responsibility-rules.csv:3: field 'rule_order': event rules follow territory_then_owner (部件先属主后属地, 事件先属地后属主)",
            "responsibility-rules.csv:2: field 'sector_department': unknown department UTIL-WATER",
            "grids.csv:3: field 'community_code': unknown community 150102001009",
            "grids.csv:4: field 'area_class': 'D' is not one of A|B|C",
            "components.csv:2: field 'owner_department': unknown department UTIL-WATER",
            "components.csv:3: field 'code': component code must be 16 digits, found '150102010100002'",
            "gazetteer.csv:3: field 'lon': point 111.75 40.85 is not inside any unit grid",
        ]
        for line in expected {
            #expect(rendered.contains(line), "missing: \(line)")
        }
        // The triangle's recorded area is wrong; the unclosed ring is reported against its field.
        #expect(errors.contains { $0.file == "grids.csv" && $0.line == 3 && $0.field == "area_m2" })
        #expect(errors.contains { $0.file == "grids.csv" && $0.line == 4 && $0.field == "polygon" })
        #expect(errors.contains { $0.file == "labelled-reports.csv" } == false)  // optional file
        #expect(errors.count >= expected.count)
    }
}
