/// The fields of a JSON object in a notice, plus a rule that spans fields.
///
/// Members not listed are allowed and ignored, for forward compatibility.
struct ObjectSchema: Sendable {
    /// A rule relating fields of the same object, checked after each field on its own.
    enum Rule: Sendable {
        /// Exactly one of the two fields is present; otherwise the object itself is at fault.
        case exactlyOne(of: String, or: String)
        /// The integer field `upper` is at least the integer field `lower`; otherwise `upper` is at fault.
        case notLess(String, than: String)
        /// The string field `field` (a choice, already checked) decides which other fields must
        /// be present and which must be absent; the field at fault is the one required or forbidden.
        case outcome(of: String, [String: Presence])
    }

    /// Which fields a value of a deciding field requires and forbids (``Rule/outcome(of:_:)``).
    struct Presence: Sendable {
        let required: [String]
        let forbidden: [String]
    }

    /// How reasons name such an object ("a person object").
    let noun: String
    /// The members the schema reads, in the order they are checked.
    let fields: [Field]
    /// A cross-field rule, if any.
    let rule: Rule?

    init(_ noun: String, _ fields: [Field], rule: Rule? = nil) {
        self.noun = noun
        self.fields = fields
        self.rule = rule
    }
}
