/// Checks the values of a parsed document against a schema.
///
/// Violations are built only on failure, with paths relative to the value checked; each
/// enclosing level adds its own name on the way out (`NoticeViolation.inside(_:)`), so the
/// success path allocates nothing for paths.
struct SchemaChecker {
    let document: JSONDocument

    /// The first violation among the members of the object at tape index `object`, in schema order.
    func checkMembers(of object: Int, against schema: ObjectSchema) -> NoticeViolation? {
        for field in schema.fields {
            switch document.member(field.key, in: object) {
            case .missing:
                if field.isRequired {
                    return NoticeViolation(field: field.name, reason: "required member is missing; expected \(field.type.expectation(isRequired: true))")
                }
            case .duplicate:
                return NoticeViolation(field: field.name, reason: "the member appears more than once; expected it once")
            case .found(let value):
                if let violation = check(value, against: field.type, isRequired: field.isRequired) {
                    return violation.inside(field.name)
                }
            }
        }
        return schema.rule.flatMap { check($0, in: object) }
    }

    /// The violation of the value at tape index `index` against `type`, with a path relative to it.
    func check(_ index: Int, against type: FieldType, isRequired: Bool) -> NoticeViolation? {
        let node = document.nodes[index]
        let isValid: Bool
        switch type {
        case .text:
            isValid = node.kind == .string && node.count > 0 && node.count <= NoticeLimits.maximumStringBytes
                && document.withStringBytes(at: index, ScalarSyntax.isText)
        case .choice(let values):
            isValid = node.kind == .string && document.withStringBytes(at: index) { bytes in
                values.contains { $0.utf8.elementsEqual(bytes) }
            }
        case .date: isValid = isString(node, index, ScalarSyntax.isDate)
        case .dateTime: isValid = isString(node, index, ScalarSyntax.isDateTime)
        case .country: isValid = isString(node, index, ScalarSyntax.isCountry)
        case .nodeID: isValid = isString(node, index, ScalarSyntax.isNodeID)
        case .messageID: isValid = isString(node, index, ScalarSyntax.isMessageID)
        case .integer(let range):
            isValid = document.integer(at: index).map(range.contains) ?? false
        case .boolean:
            isValid = node.kind == .boolean
        case .template(let bytes):
            isValid = isString(node, index) { ScalarSyntax.isBase64($0, decodedLength: bytes) }
        case .list(let element):
            guard node.kind == .array, node.count <= NoticeLimits.maximumArrayItems, !(isRequired && node.count == 0) else {
                return mismatch(index, expected: type.expectation(isRequired: isRequired))
            }
            var item = index + 1
            for position in 0..<node.count {
                if let violation = check(item, against: element, isRequired: true) {
                    return violation.inside("[\(position)]")
                }
                item = document.nodes[item].next
            }
            return nil
        case .object(let schema):
            guard node.kind == .object else { return mismatch(index, expected: type.expectation) }
            return checkMembers(of: index, against: schema)
        }
        return isValid ? nil : mismatch(index, expected: type.expectation(isRequired: isRequired))
    }

    private func isString(_ node: JSONNode, _ index: Int, _ syntax: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        node.kind == .string && document.withStringBytes(at: index, syntax)
    }

    private func mismatch(_ index: Int, expected: String) -> NoticeViolation {
        NoticeViolation(field: "", reason: "expected \(expected), got \(document.describeValue(at: index))")
    }

    private func check(_ rule: ObjectSchema.Rule, in object: Int) -> NoticeViolation? {
        switch rule {
        case .exactlyOne(let first, let second):
            let hasFirst = isPresent(first, in: object)
            let hasSecond = isPresent(second, in: object)
            guard hasFirst != hasSecond else {
                return NoticeViolation(
                    field: "",
                    reason: "expected exactly one of \"\(first)\" or \"\(second)\", got \(hasFirst ? "both" : "neither")")
            }
            return nil
        case .notLess(let upper, let lower):
            guard case .found(let upperIndex) = document.member(Array(upper.utf8), in: object),
                  case .found(let lowerIndex) = document.member(Array(lower.utf8), in: object),
                  let upperValue = document.integer(at: upperIndex),
                  let lowerValue = document.integer(at: lowerIndex), upperValue < lowerValue else { return nil }
            return NoticeViolation(field: upper, reason: "expected at least \(lower) (\(lowerValue)), got \(upperValue)")
        case .outcome(let field, let presence):
            guard case .found(let index) = document.member(Array(field.utf8), in: object) else { return nil }
            let value = document.text(at: index)
            guard let rule = presence[value] else { return nil }
            if let missing = rule.required.first(where: { !isPresent($0, in: object) }) {
                return NoticeViolation(field: missing, reason: "required member is missing; expected it when \(field) is \"\(value)\"")
            }
            if let extra = rule.forbidden.first(where: { isPresent($0, in: object) }) {
                return NoticeViolation(field: extra, reason: "expected no such member when \(field) is \"\(value)\"")
            }
            return nil
        }
    }

    private func isPresent(_ name: String, in object: Int) -> Bool {
        if case .missing = document.member(Array(name.utf8), in: object) { return false }
        return true
    }
}
