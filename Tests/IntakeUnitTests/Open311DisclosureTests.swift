import CityGridModel
import CityGridPlatform
@testable import IntakeService
import Testing

/// What the public GeoReport list may show: the channels, the masking of personal data in the
/// text, and the citizen's status note.
@Suite("Open311 disclosure")
struct Open311DisclosureTests {
    @Test("phone numbers, ID numbers, e-mail and names given in the text are masked; other digits stay")
    func masking() {
        let cases: [(String, String)] = [
            ("路灯不亮，联系电话13812345678，谢谢", "路灯不亮，联系电话138****5678，谢谢"),
            ("手机 +86 139-1234-5678 随时打", "手机 139****5678 随时打"),
            ("座机0471-6912345", "座机0471-******45"),
            ("身份证150102199001011234", "身份证150*************34"),
            ("身份证号15010219900101123X。", "身份证号150*************3X。"),
            ("我叫张三丰，住在这里", "我叫张**，住在这里"),
            ("联系人：李四 电话 18600001111", "联系人：李** 电话 186****1111"),
            ("邮箱 zhang.san@example.com", "邮箱 z***@example.com"),
            ("新华大街58号楼前3个井盖丢了，车牌蒙A12345", "新华大街58号楼前3个井盖丢了，车牌蒙A12345"),
            ("2026年12月3日 8点起", "2026年12月3日 8点起"),
            ("我是幸福小区的住户", "我是幸福小区的住户"),
        ]
        for (text, expected) in cases {
            #expect(PersonalDataMask.mask(text) == expected, "\(text)")
        }
    }

    @Test("public channels: open311 and app by default; hotlines and 110 can never be made public")
    func channels() throws {
        #expect(try Open311Disclosure.fromEnvironment([:]).publicChannels == [.open311, .app])
        #expect(try Open311Disclosure.fromEnvironment(["CITYGRID_OPEN311_PUBLIC_CHANNELS": "open311, supervisor"]).publicChannels
                == [.open311, .supervisor])
        for refused in ["hotline_12345", "open311,police_110", "hotline_12319", "twitter"] {
            #expect(throws: ConfigurationError.self, "\(refused)") {
                try Open311Disclosure.fromEnvironment(["CITYGRID_OPEN311_PUBLIC_CHANNELS": refused])
            }
        }
    }

    @Test("status notes in Chinese: where the case stands, the outcome and its reason, masked")
    func notes() {
        #expect(Open311Disclosure.statusNote(state: "in_handling", reason: nil, duplicateOfNumber: nil) == "已派遣至处置部门，正在处置。")
        #expect(Open311Disclosure.statusNote(state: "closed", reason: nil, duplicateOfNumber: nil) == "已办结：问题已处置并经现场核查。")
        #expect(Open311Disclosure.statusNote(state: "not_accepted", reason: "不属于城市管理范围，请致电13812345678",
                                             duplicateOfNumber: nil) == "不予受理（不属于城市管理范围，请致电138****5678）。")
        #expect(Open311Disclosure.statusNote(state: "voided", reason: "重复上报", duplicateOfNumber: nil) == "已作废（重复上报）。")
        #expect(Open311Disclosure.statusNote(state: "in_handling", reason: nil, duplicateOfNumber: "20261203-0001")?
                    .contains("20261203-0001") == true)
        #expect(Open311Disclosure.statusNote(state: nil, reason: nil, duplicateOfNumber: nil) == nil)
        for state in CaseState.allCases {
            #expect(Open311Disclosure.statusNote(state: state.rawValue, reason: nil, duplicateOfNumber: nil) != nil, "\(state)")
        }
    }
}

/// The reporter's own status lookup: which digits identify the reporter, and the refusals made
/// before the database is asked.
@Suite("status lookup")
struct StatusLookupTests {
    @Test("the last four digits of each phone number in the contact, however it was typed")
    func suffixes() {
        #expect(StatusLookup.phoneSuffixes(in: "王先生 13812345678") == ["5678"])
        #expect(StatusLookup.phoneSuffixes(in: "138 1234 5678") == ["5678"])
        #expect(StatusLookup.phoneSuffixes(in: "0471-6912345 / a@example.org") == ["2345"])
        #expect(StatusLookup.phoneSuffixes(in: "Li a@example.org / 13800001111, 2号楼") == ["1111"])
        #expect(StatusLookup.phoneSuffixes(in: "a@example.org").isEmpty)
        #expect(StatusLookup.phoneSuffixes(in: "房号 1203").isEmpty)
        #expect(StatusLookup.phoneSuffixes(in: nil).isEmpty)
    }

    @Test("a malformed case number or suffix is 422 naming the field, before any lookup is counted")
    func shapes() {
        #expect(StatusLookup.validate(.init(caseNumber: "20261203-0042", phoneLast4: "5678")).isEmpty)
        #expect(StatusLookup.validate(.init(caseNumber: "2026-0042", phoneLast4: "5678")).map(\.field) == ["caseNumber"])
        #expect(StatusLookup.validate(.init(caseNumber: "20261203-0042", phoneLast4: "56789")).map(\.field) == ["phoneLast4"])
        #expect(StatusLookup.validate(.init(caseNumber: "' OR 1=1", phoneLast4: "abcd")).map(\.field) == ["caseNumber", "phoneLast4"])
    }
}
