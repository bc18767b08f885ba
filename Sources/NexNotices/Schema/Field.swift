/// One member of a notice object: its name, type and whether it must be present.
struct Field: Sendable {
    /// The member name as it appears in JSON.
    let name: String
    /// `name` in UTF-8, compared against the document's bytes.
    let key: [UInt8]
    /// What the value must be.
    let type: FieldType
    /// Whether a document without this member is refused.
    let isRequired: Bool

    private init(_ name: String, _ type: FieldType, isRequired: Bool) {
        self.name = name
        self.key = Array(name.utf8)
        self.type = type
        self.isRequired = isRequired
    }

    /// A member that must be present.
    static func required(_ name: String, _ type: FieldType) -> Field {
        Field(name, type, isRequired: true)
    }

    /// A member that may be absent; when present it must still have the right type.
    static func optional(_ name: String, _ type: FieldType) -> Field {
        Field(name, type, isRequired: false)
    }
}
