import CityGridModel
import Foundation
import Testing

/// The shipped hotline tables and the class suggestions measured on the held-out citizen texts.
@Suite("Hotline categories and suggestions on the shipped reference data")
struct CitizenTextAccuracyTests {
    @Test("the labelled corpus: at least 300 texts, 100 held out, the rest trains; held-out texts are not copies of training texts")
    func corpus() throws {
        let data = try shippedReference()
        let texts = data.citizenTexts
        let heldOut = texts.filter(\.heldOut), training = texts.filter { !$0.heldOut }
        #expect(texts.count >= 300)
        #expect(heldOut.count == 100)
        #expect(training.count >= 200)
        #expect(Set(texts.map(\.text)).count == texts.count, "a text appears twice")
        // Every held-out class is also a training class, so each held-out text can be ranked right.
        #expect(Set(heldOut.map(\.classKey)).isSubset(of: Set(training.map(\.classKey))))
        // Near-copies would make the held-out figure meaningless: no held-out text shares more
        // than half of its character trigrams (Jaccard) with any training text.
        func trigrams(_ text: String) -> Set<String> {
            let s = SuggestionText.normalise(text, foldDigits: false)
            return s.count < 3 ? [] : Set((0...(s.count - 3)).map { String(String.UnicodeScalarView(s[$0..<($0 + 3)])) })
        }
        let trainingGrams = training.map { ($0.id, trigrams($0.text)) }
        var closest = (0.0, "", "")
        for text in heldOut {
            let grams = trigrams(text.text)
            for (id, other) in trainingGrams {
                let jaccard = Double(grams.intersection(other).count) / Double(max(1, grams.union(other).count))
                if jaccard > closest.0 { closest = (jaccard, text.id, id) }
            }
        }
        print("closest held-out / training pair: \(closest.1) / \(closest.2), trigram Jaccard \(String(format: "%.2f", closest.0))")
        #expect(closest.0 < 0.5)
    }

    @Test("top-1 and top-3 accuracy on the 100 held-out texts, printed with the worst classes' confusion")
    func heldOutAccuracy() throws {
        let data = try shippedReference()
        let started = Date()
        let suggester = ReportSuggester(reference: data)
        let trainingTime = Date().timeIntervalSince(started)
        let heldOut = data.citizenTexts.filter(\.heldOut)
        struct Tally { var top1 = 0, top3 = 0 }
        var combined = Tally(), classifier = Tally(), dictionary = Tally()
        var perClass: [ClassKey: (count: Int, right: Int, takenFor: [ClassKey: Int])] = [:]
        for text in heldOut {
            let truth = text.classKey
            let ranked = suggester.rankClasses(text.text).map(\.classKey)
            let byClassifier = suggester.classifier.similarities(text.text).map(\.label)
            let byDictionary = suggester.dictionary.hits(in: text.text).map(\.classKey)
            func count(_ ranking: [ClassKey], into tally: inout Tally) {
                if ranking.first == truth { tally.top1 += 1 }
                if ranking.prefix(3).contains(truth) { tally.top3 += 1 }
            }
            count(ranked, into: &combined)
            count(byClassifier, into: &classifier)
            count(byDictionary, into: &dictionary)
            var entry = perClass[truth] ?? (0, 0, [:])
            entry.count += 1
            if ranked.first == truth { entry.right += 1 } else if let wrong = ranked.first { entry.takenFor[wrong, default: 0] += 1 }
            perClass[truth] = entry
        }
        let n = Double(heldOut.count)
        func rate(_ x: Int) -> String { String(format: "%.2f", Double(x) / n) }
        func name(_ key: ClassKey) -> String { "\(key) \(data.caseClass(key)?.nameZh ?? "?")" }
        print("""
            Class suggestions on \(heldOut.count) held-out citizen texts (trained on \(suggester.basis.trainingTexts) texts, \
            \(suggester.basis.terms) terms, \(suggester.classifier.labels.count) classes, corpus \(suggester.basis.corpusVersion ?? "-"), \
            training took \(String(format: "%.3f", trainingTime)) s):
                                      top-1   top-3
              combined (suggestion)   \(rate(combined.top1))    \(rate(combined.top3))
              n-gram classifier       \(rate(classifier.top1))    \(rate(classifier.top3))
              term dictionary         \(rate(dictionary.top1))    \(rate(dictionary.top3))
            """)
        let worst = perClass.filter { $0.value.right < $0.value.count }
            .sorted { a, b in
                let ra = Double(a.value.right) / Double(a.value.count), rb = Double(b.value.right) / Double(b.value.count)
                return ra != rb ? ra < rb : a.key < b.key
            }
            .prefix(6)
        print("Worst classes (top-1 right / held-out texts, and what the others were taken for):")
        for (key, entry) in worst {
            let confused = entry.takenFor.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\(name($0.key)) ×\($0.value)" }.joined(separator: ", ")
            print("  \(name(key)): \(entry.right)/\(entry.count) → \(confused)")
        }
        // Sane floors, not tuned figures: they fail when a part breaks, not when it is a little worse.
        // The classifier has its own floor because the combined figure would hide a broken classifier
        // behind the dictionary.
        #expect(Double(combined.top3) / n >= 0.6)
        #expect(Double(classifier.top3) / n >= 0.6)
        #expect(Double(combined.top1) / n >= 0.4)
    }

    @Test("place suggestions on the shipped gazetteer carry the grid of the place's point")
    func gazetteerMatch() throws {
        let data = try shippedReference()
        let suggester = ReportSuggester(reference: data)
        let date = try #require(CivilDate(iso: "2026-06-01"))
        let call = suggester.suggest("喂，就在胜利东小区南门往东一百米，井盖没了，上次打过电话了", on: date)
        let place = try #require(call.places.first)
        #expect(place.name == "胜利东小区" && place.kind == .poi)
        let entry = try #require(data.gazetteerEntries(named: "胜利东小区").first)
        #expect(place.gridCode == data.grid(containing: entry.location, on: date)?.code)
        #expect(place.gridCode != nil && place.districtCode == entry.districtCode)
        #expect(call.classes.first.map { ["0101", "0102", "0104"].contains($0.classCode) && $0.kind == .component } == true,
                "a missing cover is some cover class: \(call.classes)")
        // A former name gives the current place; a house number beats its road; a typo is forgiven.
        #expect(suggester.suggest("人民广场东边有人发传单", on: date).places.first?.name == "新华广场")
        let house = try #require(data.gazetteer.first { $0.kind == .houseNumber })
        let atHouse = suggester.suggest("\(house.name)门口的路灯不亮", on: date)
        #expect(atHouse.places.first?.name == house.name && atHouse.places.first?.kind == .houseNumber)
        #expect(suggester.suggest("大昭寺门口摆摊的", on: date).places.first?.name == "大召寺")
        #expect(suggester.suggest("我也说不清在哪儿，反正垃圾很多", on: date).places.isEmpty)
    }

    @Test("the shipped mapping table: the brief's examples, not-ours categories, and the 2026 revision winning over 2025")
    func shippedMapping() throws {
        let data = try shippedReference()
        let table = data.hotlineCategories
        #expect(table.version == "2026.1")
        let dirtyRoad = table.resolve(code: "010101")
        #expect(dirtyRoad.outcome == .mapped && dirtyRoad.kind == .event && dirtyRoad.classCode == "0104")
        #expect(dirtyRoad.tablePath == "城乡建设 > 市容环卫 > 道路不洁")
        let wages = table.resolve(code: "040105")  // not listed: 0401 decides
        #expect(wages.outcome == .notOurs && wages.competentBody?.contains("人力资源和社会保障局") == true)
        #expect(table.resolve(code: "0501").outcome == .notOurs)
        #expect(table.resolve(code: "010302").reason == .acceptor, "a cover's class is read off the cover")
        #expect(table.resolve(code: "020101").classCode == "0505", "2026.1 maps sidewalk parking")
        #expect(table.resolve(code: "010207").reason == .retired)
        #expect(table.resolve(code: "880000").outcome == .unmapped)
        // Every mapped category is a class with filing conditions.
        for code in table.codes {
            guard let row = table.entry(code), let key = row.classKey else { continue }
            #expect(!data.filingConditions(for: key).isEmpty, "\(code) → \(key)")
        }
        #expect(data.classTerms.count >= 200)
    }
}
