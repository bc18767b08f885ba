/// What the broker acts on beyond routing, as a record's document states it: its priority and
/// handling codes (common members, D58) and, for a record that can be followed up, its
/// `expires_at` (D61).
public struct NoticeMarkings: Sendable, Equatable {
    /// `normal` when the document has no `priority`.
    public var priority: NoticePriority
    /// In document order, each at most once.
    public var handling: [HandlingCode]
    /// When nexd expires the record (Unix milliseconds): its `expires_at`, or an update's new
    /// document's; nil when there is none, and for other kinds.
    public var expiresAtMillis: Int64?

    /// What a document without `priority`, `handling` or `expires_at` means.
    public static let unmarked = NoticeMarkings(priority: .normal, handling: [])

    /// Creates markings.
    public init(priority: NoticePriority, handling: [HandlingCode], expiresAtMillis: Int64? = nil) {
        self.priority = priority
        self.handling = handling
        self.expiresAtMillis = expiresAtMillis
    }

    /// Whether the originator restricted the record to the recipients it names.
    public var forbidsFurtherDissemination: Bool { handling.contains(.noFurtherDissemination) }

    /// Why these markings cannot travel in an envelope that names (or not) its recipients: a
    /// record marked `no-further-dissemination` must name allowed countries or nodes (nexd then
    /// delivers it only to them; D58). Nil when fine.
    public func recipientProblem(namesRecipients: Bool) -> NoticeViolation? {
        guard forbidsFurtherDissemination, !namesRecipients else { return nil }
        return NoticeViolation(field: "handling", reason: "\"no-further-dissemination\" needs named recipients: give the envelope allowed countries or allowed nodes (nexd delivers the record only to them)")
    }

    /// The markings of a document, read leniently for display (`nex subscribe`): unknown values are
    /// skipped; nil when the document is not a JSON object.
    public static func read(from document: [UInt8]) -> NoticeMarkings? {
        document.withUnsafeBytes { bytes -> NoticeMarkings? in
            guard let parsed = try? JSONDocument(parsing: bytes), parsed.nodes[0].kind == .object else { return nil }
            var markings = NoticeMarkings.unmarked
            if case .found(let index) = parsed.member(NoticeValidator.priorityKey, in: 0), parsed.nodes[index].kind == .string,
               let priority = NoticePriority(rawValue: parsed.text(at: index)) {
                markings.priority = priority
            }
            if case .found(let index) = parsed.member(NoticeValidator.handlingKey, in: 0), parsed.nodes[index].kind == .array {
                var item = index + 1
                for _ in 0..<parsed.nodes[index].count {
                    if parsed.nodes[item].kind == .string, let code = HandlingCode(rawValue: parsed.text(at: item)), !markings.handling.contains(code) {
                        markings.handling.append(code)
                    }
                    item = parsed.nodes[item].next
                }
            }
            return markings
        }
    }
}
