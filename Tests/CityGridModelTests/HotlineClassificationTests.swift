import CityGridModel
import Foundation
import Testing

/// The hotline category table, the term dictionary, the place spotter and the n-gram classifier,
/// each on small hand-made inputs (no files).
@Suite("Hotline categories and suggestions (pure)")
struct HotlineClassificationTests {
    // MARK: Mapping table

    static let rows: [HotlineCategoryRow] = [
        .init(version: "2025.1", code: "01", name: "城乡建设", disposition: .acceptor),
        .init(version: "2025.1", code: "0101", name: "市容环卫", disposition: .acceptor),
        .init(version: "2025.1", code: "010101", name: "道路不洁", disposition: .mapped, classKey: ClassKey(.event, "0104"), conditionId: "0104-01"),
        .init(version: "2025.1", code: "010102", name: "垃圾桶满溢", disposition: .mapped, classKey: ClassKey(.component, "0305")),
        .init(version: "2025.1", code: "010103", name: "井盖缺失", disposition: .acceptor),
        .init(version: "2025.1", code: "010104", name: "门头牌匾", disposition: .mapped, classKey: ClassKey(.event, "0205")),
        .init(version: "2025.1", code: "010105", name: "机动车乱停放", disposition: .notOurs, competentBody: "交警支队"),
        .init(version: "2025.1", code: "04", name: "劳动保障", disposition: .notOurs, competentBody: "人社局"),
        .init(version: "2025.1", code: "0402", name: "社会保险", disposition: .notOurs, competentBody: "社保中心"),
        .init(version: "2025.1", code: "09", name: "民政", disposition: .notOurs, competentBody: "民政局"),
        .init(version: "2025.1", code: "0901", name: "流浪乞讨", disposition: .mapped, classKey: ClassKey(.event, "0502"), conditionId: "0502-01"),
        // The platform's 2026 tree: a category retired, one added, one that passed to city management.
        .init(version: "2026.1", code: "010104", name: "门头牌匾", disposition: .retired),
        .init(version: "2026.1", code: "010106", name: "共享单车", disposition: .mapped, classKey: ClassKey(.event, "2101")),
        .init(version: "2026.1", code: "010105", name: "机动车乱停放", disposition: .mapped, classKey: ClassKey(.event, "0505"),
              conditionId: "0505-01"),
    ]
    static let table = HotlineCategoryTable(rows: rows)

    @Test("versions compare as numbers, part by part")
    func versions() throws {
        func v(_ text: String) -> TableVersion { TableVersion(text) ?? TableVersion("0")! }
        #expect(TableVersion("2026.10")?.parts == [2026, 10])
        #expect(v("2025.1") < v("2026.1"))
        #expect(v("2026.9") < v("2026.10"))
        #expect(v("2026") < v("2026.1"))
        #expect(v("2026.1") == v("2026.1"))
        for bad in ["", "2026.", ".1", "2026.x", "v2026", "2026..1", "1e3"] { #expect(TableVersion(bad) == nil, "\(bad)") }
    }

    @Test("a mapped category gives its class, condition, the table's path and version")
    func mapped() {
        let decision = Self.table.resolve(code: "010101", path: "城乡建设>市容环卫>道路不洁")
        #expect(decision.outcome == .mapped)
        #expect(decision.kind == .event && decision.classCode == "0104" && decision.conditionId == "0104-01")
        #expect(decision.reason == nil && decision.competentBody == nil)
        #expect(decision.path == "城乡建设>市容环卫>道路不洁")
        #expect(decision.tablePath == "城乡建设 > 市容环卫 > 道路不洁")
        #expect(decision.decidedBy == "010101")
        #expect(decision.mappingVersion == "2026.1")
        // Without a condition the class's own conditions apply later.
        let bins = Self.table.resolve(code: "010102")
        #expect(bins.outcome == .mapped && bins.kind == .component && bins.classCode == "0305" && bins.conditionId == nil)
    }

    @Test("unmapped: an unknown code, a category the acceptor classifies, a coarse inner node, a retired category")
    func unmapped() {
        let unknown = Self.table.resolve(code: "019999")
        #expect(unknown.outcome == .unmapped && unknown.reason == .unknownCode && unknown.decidedBy == nil)
        #expect(unknown.tablePath == "城乡建设", "the path names the ancestors the table knows")
        #expect(unknown.kind == nil && unknown.classCode == nil)
        let covers = Self.table.resolve(code: "010103")
        #expect(covers.outcome == .unmapped && covers.reason == .acceptor && covers.decidedBy == "010103")
        let coarse = Self.table.resolve(code: "0101")
        #expect(coarse.outcome == .unmapped && coarse.reason == .acceptor)
        let retired = Self.table.resolve(code: "010104")
        #expect(retired.outcome == .unmapped && retired.reason == .retired && retired.classCode == nil)
        // A mapping is not inherited: a finer code under a mapped category is unknown.
        #expect(Self.table.resolve(code: "01010101").outcome == .unmapped)
        // Nothing known at all.
        let stranger = Self.table.resolve(code: "77")
        #expect(stranger.outcome == .unmapped && stranger.tablePath == nil)
        #expect(HotlineCategoryTable.empty.resolve(code: "010101").outcome == .unmapped)
        #expect(HotlineCategoryTable.empty.version == nil)
    }

    @Test("not ours: the category's own row, or the nearest listed ancestor, names the competent body")
    func notOurs() {
        let pay = Self.table.resolve(code: "0401")  // not listed: 04 decides
        #expect(pay.outcome == .notOurs && pay.competentBody == "人社局" && pay.decidedBy == "04" && pay.reason == nil)
        let pension = Self.table.resolve(code: "040203")  // 0402 is the nearest listed ancestor
        #expect(pension.outcome == .notOurs && pension.competentBody == "社保中心" && pension.decidedBy == "0402")
        let whole = Self.table.resolve(code: "04")
        #expect(whole.outcome == .notOurs && whole.decidedBy == "04")
        // A category of ours under a parent that is not.
        let begging = Self.table.resolve(code: "0901")
        #expect(begging.outcome == .mapped && begging.classCode == "0502")
        #expect(Self.table.resolve(code: "0902").outcome == .notOurs)
    }

    @Test("a newer version of a row wins, whatever the row order; the table's version is the newest")
    func newerVersionWins() {
        let parking = Self.table.resolve(code: "010105")
        #expect(parking.outcome == .mapped && parking.classCode == "0505", "2026.1 maps what 2025.1 sent away")
        #expect(Self.table.resolve(code: "010106").classCode == "2101")
        for seed in 0..<5 {
            var generator = SeededGenerator(seed: UInt64(seed))
            let shuffled = HotlineCategoryTable(rows: Self.rows.shuffled(using: &generator))
            for code in ["010101", "010104", "010105", "0401", "0901", "019999"] {
                #expect(shuffled.resolve(code: code) == Self.table.resolve(code: code), "\(code) with seed \(seed)")
            }
            #expect(shuffled.version == "2026.1")
        }
        // 2026.10 is newer than 2026.9 (numbers, not text).
        let later = HotlineCategoryTable(rows: [
            .init(version: "2026.10", code: "01", name: "城乡建设", disposition: .notOurs, competentBody: "新"),
            .init(version: "2026.9", code: "01", name: "城乡建设", disposition: .notOurs, competentBody: "旧"),
        ])
        #expect(later.resolve(code: "01").competentBody == "新")
        #expect(later.version == "2026.10")
        #expect(Self.table.entry("010104")?.disposition == .retired)
    }

    @Test("a report waits for the acceptor when its class came from a suggestion or its category is not ours")
    func acceptorHold() {
        let notOurs = Self.table.resolve(code: "0401"), mapped = Self.table.resolve(code: "010101"), unknown = Self.table.resolve(code: "019999")
        #expect(AcceptorHold.required(classSource: .suggestion, hotlineCategory: unknown))
        #expect(AcceptorHold.required(classSource: .suggestion, hotlineCategory: notOurs))
        #expect(AcceptorHold.required(classSource: .reporter, hotlineCategory: notOurs), "the agent's class does not make it ours")
        #expect(!AcceptorHold.required(classSource: .hotlineMapping, hotlineCategory: mapped))
        #expect(!AcceptorHold.required(classSource: .reporter, hotlineCategory: unknown), "the agent chose the class")
        #expect(!AcceptorHold.required(classSource: nil, hotlineCategory: nil))
    }

    // MARK: Term dictionary

    @Test("terms: weights add per class, each term once, on normalised text; a shared term adds to each class")
    func terms() {
        let dictionary = ClassTermDictionary(terms: [
            ClassTerm(term: "井盖", classKey: ClassKey(.component, "0101"), weight: 1.5),
            ClassTerm(term: "上水", classKey: ClassKey(.component, "0101"), weight: 3),
            ClassTerm(term: "井盖", classKey: ClassKey(.component, "0102"), weight: 1.5),
            ClassTerm(term: "KTV", classKey: ClassKey(.event, "0508"), weight: 2.5),
            ClassTerm(term: "烧烤", classKey: ClassKey(.event, "0510"), weight: 3),
        ])
        #expect(dictionary.count == 5)
        let hits = dictionary.hits(in: "喂，井盖没了，上面写着“上 水”，那个井盖就在路边")
        #expect(hits.map(\.classKey) == [ClassKey(.component, "0101"), ClassKey(.component, "0102")])
        #expect(hits.first?.weight == 4.5 && hits.first?.terms == ["井盖", "上水"])
        #expect(hits.last?.weight == 1.5)
        #expect(dictionary.hits(in: "楼下的ＫＴＶ唱到半夜").map(\.classKey) == [ClassKey(.event, "0508")], "full-width and case fold")
        #expect(dictionary.hits(in: "没什么关系的话").isEmpty)
    }

    // MARK: Places

    static let gazetteer: [GazetteerEntry] = [
        entry("R1", .road, "海拉尔东路", history: ["海拉尔路"]),
        entry("H1", .houseNumber, "海拉尔东路23号", road: "海拉尔东路", number: "23"),
        entry("P1", .poi, "大召寺"),
        entry("P2", .poi, "新华广场", history: ["人民广场"]),
        entry("P3", .poi, "胜利东小区"),
        entry("P4", .poi, "内蒙古师范大学"),
        entry("P5", .poi, "内蒙古大学"),
        entry("A1", .area, "胜利东社区"),
        entry("P6", .poi, "河边"),
    ]

    static func entry(_ id: String, _ kind: GazetteerKind, _ name: String, road: String? = nil, number: String? = nil,
                      history: [String] = []) -> GazetteerEntry {
        GazetteerEntry(id: id, kind: kind, name: name, road: road, houseNumber: number, districtCode: "150102",
                       location: GeoPoint(lon: 111.68, lat: 40.82), line: nil, historicalNames: history, source: .demo)
    }

    @Test("places: names inside a call, former names, house numbers before roads, longest name wins")
    func places() {
        let spotter = PlaceSpotter(gazetteer: Self.gazetteer)
        let found = spotter.spot("喂，就在胜利东小区南门往东一百米，挨着人民广场那边")
        #expect(found.map(\.entry.id) == ["P3", "P2"])
        #expect(found.last?.matched == "人民广场" && found.last?.entry.name == "新华广场")
        #expect(found.allSatisfy { $0.exact })
        let house = spotter.spot("海拉尔东路23号门口有人摆摊")
        #expect(house.first?.entry.id == "H1" && house.first?.score == 1.0)
        #expect(!house.contains { $0.entry.id == "R1" }, "the road inside the house number is not a second place")
        #expect(spotter.spot("海拉尔东路99号").first?.entry.id == "R1", "an unknown number leaves the road")
        #expect(spotter.spot("内蒙古师范大学东门").map(\.entry.id) == ["P4"], "内蒙古大学 is not read into 内蒙古师范大学")
        #expect(spotter.spot("没有地名的一句话").isEmpty)
        #expect(spotter.spot("胜利东小区、大召寺、新华广场、海拉尔东路", limit: 2).count == 2)
    }

    @Test("places: one wrong character is forgiven in longer names and in a POI's later characters, at a lower score")
    func placeTypos() {
        let spotter = PlaceSpotter(gazetteer: Self.gazetteer)
        let temple = spotter.spot("大昭寺门口")
        #expect(temple.first?.entry.id == "P1" && temple.first?.exact == false)
        #expect(temple.first?.score == PlaceSpotter.score(kind: .poi, exact: false))
        #expect(spotter.spot("海拉儿东路").first?.entry.id == "R1")
        #expect(spotter.spot("小召寺").isEmpty, "never the first character of a three-character name")
        #expect(spotter.spot("在海边").isEmpty, "never a two-character name")
        #expect(spotter.spot("在河边").first?.entry.id == "P6")
    }

    // MARK: Classifier

    static let training: [(text: String, label: String)] = [
        ("路灯不亮了，晚上黑乎乎的", "lamp"), ("这一排路灯都坏了不亮", "lamp"), ("路灯杆歪了灯罩要掉", "lamp"),
        ("楼下烧烤摊烟太大", "bbq"), ("露天烧烤烤羊肉串到半夜", "bbq"), ("烧烤的炭火烟熏得不行", "bbq"),
        ("井盖没了一个大窟窿", "cover"), ("井盖碎了踩上去晃", "cover"), ("马路上的井盖松了咣当响", "cover"),
    ]

    @Test("classifier: nearest centroid over character n-grams ranks the matching class first; shares sum to 1")
    func classifier() {
        let model = CharNGramClassifier(training: Self.training)
        #expect(model.labels == ["bbq", "cover", "lamp"])
        #expect(model.trainingCount == 9)
        #expect(model.similarities("喂，我们这儿路灯一直不亮").first?.label == "lamp")
        #expect(model.similarities("有人在楼下烤串，烟大").first?.label == "bbq")
        #expect(model.similarities("那个井盖丢了").first?.label == "cover")
        let shares = model.shares("那个井盖丢了")
        #expect(abs(shares.map(\.share).reduce(0, +) - 1) < 1e-9)
        #expect(shares.first?.label == "cover")
        // Deterministic: the same training gives the same answer.
        let again = CharNGramClassifier(training: Self.training)
        #expect(again.similarities("路边有个坑").map(\.label) == model.similarities("路边有个坑").map(\.label))
        // A text with no known n-gram scores zero everywhere; ties go by label.
        #expect(model.similarities("ＸＹＺ").allSatisfy { $0.similarity == 0 })
        #expect(CharNGramClassifier<String>(training: []).similarities("路灯").isEmpty)
    }

    @Test("suggester: the dictionary and the classifier combine; without a term the classifier alone ranks")
    func suggester() {
        let texts = Self.training.enumerated().map { index, item in
            LabelledCitizenText(id: "T\(index)", version: index < 6 ? "2026.1" : "2026.2",
                                classKey: ClassKey(.event, ["lamp": "0118", "bbq": "0510", "cover": "0101"][item.label]!), heldOut: false,
                                text: item.text)
        } + [LabelledCitizenText(id: "H", version: "2027.1", classKey: ClassKey(.event, "0510"), heldOut: true, text: "烧烤")]
        let terms = [ClassTerm(term: "消火栓", classKey: ClassKey(.component, "0113"), weight: 3)]
        let suggester = ReportSuggester(texts: texts, terms: terms, gazetteer: Self.gazetteer, gridIndex: nil)
        #expect(suggester.basis == ReportSuggestions.Basis(corpusVersion: "2026.2", trainingTexts: 9, terms: 1), "held-out texts never train")
        // No term: λ = 0, the score is the classifier's share.
        let plain = suggester.rankClasses("路灯不亮")
        #expect(plain.first?.classKey == ClassKey(.event, "0118"))
        #expect(plain.allSatisfy { $0.score == $0.classifier && $0.dictionary == 0 })
        // A term the training texts never saw still reaches the top three, with its terms named.
        let hydrant = suggester.suggest("路边那个消火栓一直漏水，就在胜利东小区门口", on: nil)
        #expect(hydrant.classes.count == 3)
        let top = hydrant.classes.first
        #expect(top?.classKey == ClassKey(.component, "0113") && top?.terms == ["消火栓"] && top?.dictionary == 1)
        #expect(top.map { abs($0.score - (1 - ReportSuggester.dictionaryWeight) * $0.classifier - ReportSuggester.dictionaryWeight) < 0.001 } == true)
        #expect(hydrant.classes.map(\.score) == hydrant.classes.map(\.score).sorted(by: >))
        #expect(hydrant.places.map(\.name) == ["胜利东小区"] && hydrant.places.first?.gridCode == nil)
    }
}

/// A small deterministic generator for shuffles (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
