/// The type of a notice field, as `docs/NOTICES.md` names it.
indirect enum FieldType: Sendable {
    /// A non-empty string of at most `NoticeLimits.maximumStringBytes` UTF-8 bytes.
    case text
    /// One of a fixed set of strings.
    case choice([String])
    /// `YYYY-MM-DD`, a valid Gregorian calendar date.
    case date
    /// RFC 3339 UTC date-time `YYYY-MM-DDThh:mm:ssZ`, optionally with a fraction of a second.
    case dateTime
    /// A lowercase ISO 3166-1 alpha-2 code: two letters `a`–`z`.
    case country
    /// A node id: lowercase tokens of `[a-z0-9-]` joined by dots, at most 64 bytes.
    case nodeID
    /// A message id: lowercase UUID text, 8-4-4-4-12 hexadecimal digits.
    case messageID
    /// An integer number (no fraction, no exponent) within the range.
    case integer(ClosedRange<Int>)
    /// `true` or `false`.
    case boolean
    /// A synthetic biometric template: canonical base64 (RFC 4648 §4, padded) of exactly that many
    /// bytes (docs/BIOMETRICS.md, D64).
    case template(bytes: Int)
    /// An array of at most `NoticeLimits.maximumArrayItems` items, non-empty when the field is required.
    case list(FieldType)
    /// An object with the given fields and an optional cross-field rule.
    case object(ObjectSchema)

    /// What a value of this type looks like, for "expected …" reasons.
    var expectation: String { expectation(isRequired: false) }

    /// What a value of a field of this type looks like; a required array must not be empty.
    func expectation(isRequired: Bool) -> String {
        switch self {
        case .text: "readable text (not blank, no control or bidirectional-override characters) of at most \(NoticeLimits.maximumStringBytes) bytes"
        case .choice(let values): "one of " + values.map { "\"\($0)\"" }.joined(separator: ", ")
        case .date: "a date YYYY-MM-DD"
        case .dateTime: "a UTC date-time YYYY-MM-DDThh:mm:ssZ (RFC 3339, optional fraction of a second)"
        case .country: "a lowercase ISO 3166 alpha-2 country code such as \"rw\""
        case .nodeID: "a node id (lowercase tokens of [a-z0-9-] joined by dots, at most 64 bytes) such as \"ncb.rw.kigali\""
        case .messageID: "a message id (lowercase UUID text 8-4-4-4-12) such as \"0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b\""
        case .integer(let range): "an integer from \(range.lowerBound) to \(range.upperBound)"
        case .boolean: "true or false"
        case .template(let bytes): "a synthetic template: base64 of exactly \(bytes) bytes (\(ScalarSyntax.base64Length(of: bytes)) characters)"
        case .list(let element): (isRequired ? "a non-empty array" : "an array") + " (at most \(NoticeLimits.maximumArrayItems) items) of \(element.plural)"
        case .object(let schema): schema.noun
        }
    }

    /// The expectation for the items of an array.
    private var plural: String {
        switch self {
        case .text: "non-empty strings"
        case .country: "lowercase ISO 3166 alpha-2 country codes"
        default: "items, each " + expectation
        }
    }
}
