import CityGridModel
import Foundation

/// Our class tree as GeoReport v2 services: every sub-class is a service `<kind>-<code>`
/// (`event-0502`), grouped by its major class; the filing conditions are its attribute list.
public struct Open311Catalogue: Sendable {
    public let reference: ReferenceData

    public init(reference: ReferenceData) {
        self.reference = reference
    }

    /// The sub-classes (level 2), components first, in code order.
    public var services: [CaseClass] {
        reference.classes.filter { $0.level == 2 }.sorted { $0.key < $1.key }
    }

    public static func code(_ c: CaseClass) -> String { "\(c.kind.rawValue)-\(c.code)" }

    /// The sub-class a service code names, if any.
    public func service(_ code: String) -> CaseClass? {
        guard let dash = code.firstIndex(of: "-"), let kind = ClassKind(rawValue: String(code[..<dash])) else { return nil }
        let classCode = String(code[code.index(after: dash)...])
        guard let found = reference.caseClass(ClassKey(kind, classCode)), found.level == 2 else { return nil }
        return found
    }

    public func serviceValue(_ c: CaseClass) -> Open311Value {
        let group = reference.caseClass(ClassKey(c.kind, c.key.majorCode))
        let kindName = c.kind == .component ? "部件 component" : "事件 event"
        return .object([
            ("service_code", .text(Self.code(c))),
            ("service_name", .text(c.nameZh)),
            ("description", .text("\(c.nameEn) (\(kindName) \(c.code))")),
            ("metadata", .bool(true)),
            ("type", .text("realtime")),
            ("keywords", .text([c.nameEn, c.nameZh, c.kind.rawValue, c.code].joined(separator: ","))),
            ("group", .text(group.map(\.nameZh) ?? c.key.majorCode)),
        ])
    }

    public var serviceList: Open311Document {
        Open311Document(root: "services", value: .list(element: "service", services.map(serviceValue)))
    }

    /// The definition: the filing condition (立案条件) as a single-value list and, for
    /// components, the 16-digit component code.
    public func definition(_ c: CaseClass) -> Open311Document {
        var attributes: [Open311Value] = []
        let conditions = reference.filingConditions(for: c.key)
        if !conditions.isEmpty {
            attributes.append(.object([
                ("variable", .bool(true)),
                ("code", .text("condition")),
                ("datatype", .text("singlevaluelist")),
                ("required", .bool(false)),
                ("datatype_description", .text("The filing condition (立案条件) that best describes the problem.")),
                ("order", .int(attributes.count + 1)),
                ("description", .text("立案条件 / filing condition")),
                ("values", .list(element: "value", conditions.map { .object([("key", .text($0.id)), ("name", .text($0.description))]) })),
            ]))
        }
        if c.kind == .component {
            attributes.append(.object([
                ("variable", .bool(true)),
                ("code", .text("component_code")),
                ("datatype", .text("string")),
                ("required", .bool(false)),
                ("datatype_description", .text("16 digits, as printed on the component's tag (部件编码).")),
                ("order", .int(attributes.count + 1)),
                ("description", .text("部件编码 / component code")),
            ]))
        }
        return Open311Document(root: "service_definition", value: .object([
            ("service_code", .text(Self.code(c))),
            ("attributes", .list(element: "attribute", attributes)),
        ]))
    }
}
