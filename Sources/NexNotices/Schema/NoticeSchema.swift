/// The document schema of each notice kind, as specified in `docs/NOTICES.md`.
///
/// Every kind also has `kind` (checked first, against the envelope's kind) and the optional
/// boolean `fictional`; unknown members are ignored everywhere.
enum NoticeSchema {
    /// The top-level schema of documents of `kind`, without `kind` itself.
    static func schema(for kind: NoticeKind) -> ObjectSchema {
        switch kind {
        case .red: red
        case .yellow: yellow
        case .blue: blue
        case .black: black
        case .green: green
        case .orange: orange
        case .purple: purple
        case .silver: silver
        case .unSpecial: unSpecial
        case .diffusion: diffusion
        case .sltd: sltd
        case .hitAck: hitAck
        case .actionRequest: actionRequest
        case .hit: hit
        case .decision: decision
        case .update: update
        case .cancel, .withdraw: ending
        case .expire: expire
        }
    }

    /// A natural person (subject of most kinds, traveller of a hit).
    static let person = FieldType.object(ObjectSchema("a person object", [
        .required("family_name", .text),
        .required("forenames", .text),
        .required("sex", .choice(["M", "F", "U"])),
        .optional("date_of_birth", .date),
        .optional("place_of_birth", .text),
        .optional("nationalities", .list(.country)),
        .optional("distinguishing_marks", .text),
        .optional("biometrics", .object(ObjectSchema("a biometrics object", [
            .optional("face", .template(bytes: 128)),
            .optional("fingerprint", .template(bytes: 64)),
        ]))),
    ]))

    private static let fictional = Field.optional("fictional", .boolean)

    /// The request a published notice answers (its message id), optional (D59).
    private static let request = Field.optional("request", .messageID)

    private static func notice(_ fields: [Field], rule: ObjectSchema.Rule? = nil) -> ObjectSchema {
        ObjectSchema("a notice object", [fictional] + fields, rule: rule)
    }

    /// When nexd ends the record and tells its holders (a simulation device, D61), optional.
    private static let expiresAt = Field.optional("expires_at", .dateTime)

    /// A colour notice: its fields plus the optional `request` it answers and `expires_at`.
    private static func colourNotice(_ fields: [Field]) -> ObjectSchema {
        notice(fields + [request, expiresAt])
    }

    static let red = colourNotice([
        .required("subject", person),
        .required("charges", .list(.text)),
        .required("warrant", .object(ObjectSchema("a warrant object", [
            .required("issuing_country", .country),
            .required("reference", .text),
            .required("issued_on", .date),
        ]))),
        .required("requested_by", .nodeID),
    ])

    static let yellow = colourNotice([
        .required("subject", person),
        .required("missing_since", .date),
        .required("last_seen_place", .text),
        .required("requested_by", .nodeID),
    ])

    static let blue = colourNotice([
        .required("subject", person),
        .required("information_sought", .text),
        .required("requested_by", .nodeID),
    ])

    static let black = colourNotice([
        .required("body", .object(ObjectSchema("a body object", [
            .required("sex", .choice(["M", "F", "U"])),
            .required("estimated_age_min", .integer(0...150)),
            .required("estimated_age_max", .integer(0...150)),
            .required("found_on", .date),
            .required("found_place", .text),
            .required("found_country", .country),
        ], rule: .notLess("estimated_age_max", than: "estimated_age_min")))),
        .optional("distinguishing_marks", .text),
        .required("requested_by", .nodeID),
    ])

    static let green = colourNotice([
        .required("subject", person),
        .required("warning", .text),
        .required("offence_area", .text),
        .required("requested_by", .nodeID),
    ])

    static let orange = colourNotice([
        .required("threat_category", .choice(["chemical", "biological", "radiological", "nuclear", "explosive", "other"])),
        .required("description", .text),
        .required("valid_until", .date),
        .optional("affected_countries", .list(.country)),
        .optional("requested_by", .nodeID),
    ])

    static let purple = colourNotice([
        .required("crime_area", .choice([
            "counterfeit-pharmaceuticals", "cybercrime", "trafficking", "terrorism-financing", "fraud", "other",
        ])),
        .required("modus_operandi", .text),
        .optional("objects_and_concealment", .text),
        .optional("countries_seen", .list(.country)),
        .optional("requested_by", .nodeID),
    ])

    static let silver = colourNotice([
        .required("subject", person),
        .required("assets", .list(.object(ObjectSchema("an asset object", [
            .required("asset_type", .choice(["bank-account", "real-estate", "vehicle", "company", "crypto-asset", "other"])),
            .required("description", .text),
            .required("country", .country),
        ])))),
        .required("requested_by", .nodeID),
    ])

    static let unSpecial = colourNotice([
        .required("sanctions_regime", .text),
        .required("un_reference", .text),
        .required("measures", .list(.choice(["assets-freeze", "travel-ban", "arms-embargo"]))),
        .required("subject", person),
    ])

    static let diffusion = notice([
        .required("purpose", .choice(["arrest", "locate", "information", "warning"])),
        .optional("subject", person),
        .required("summary", .text),
        .required("from_ncb", .nodeID),
        expiresAt,
    ])

    /// A lost or stolen travel document record (D62): the document, its state, who reported it.
    static let sltd = notice([
        .required("document_number", .text),
        .required("document_type", .choice(["passport", "identity-card", "travel-document", "visa"])),
        .required("issuing_country", .country),
        .required("status", .choice(["lost", "stolen", "revoked"])),
        .required("reported_on", .date),
        .optional("holder", person),
        .required("reported_by", .nodeID),
        expiresAt,
    ])

    /// The owner NCB's acknowledgement of a hit (D63).
    static let hitAck = notice([
        .required("hit", .messageID),
        .required("assessment", .choice(["confirmed", "not-a-match", "under-review"])),
        .required("acknowledged_by", .nodeID),
        .optional("note", .text),
    ])

    /// An NCB's request to the border post for the action the matched record calls for (D63).
    static let actionRequest = notice([
        .required("hit", .messageID),
        .required("action", .choice(["detain", "refuse-entry", "allow-and-monitor", "collect-information", "seize-document"])),
        .required("requested_by", .nodeID),
        .optional("legal_basis", .text),
        .optional("note", .text),
    ])

    static let hit = notice([
        .required("matched", .object(ObjectSchema("a matched object", [
            .optional("notice_message_id", .messageID),
            .optional("document_number", .text),
        ], rule: .exactlyOne(of: "notice_message_id", or: "document_number")))),
        .required("checkpoint", .nodeID),
        .required("observed_at", .dateTime),
        .optional("traveller", person),
        .required("action_taken", .choice(["detained", "refused-entry", "allowed-monitored", "information-only"])),
        // How the post matched (issue 16 §3): carried for the owner NCB's assessment, not enforced.
        .optional("match", .object(ObjectSchema("a match object", [
            .required("method", .choice(["document", "nominal", "face", "fingerprint"])),
            .optional("similarity_permille", .integer(-1000...1000)),
            .optional("strength", .choice(["name-and-date-of-birth", "name-only"])),
        ]))),
    ])

    /// The General Secretariat's decision on a request (D59): accepted names the notice published,
    /// refused gives a reason.
    static let decision = notice([
        .required("request", .messageID),
        .required("outcome", .choice(["accepted", "refused"])),
        .optional("notice_message_id", .messageID),
        .optional("reason", .text),
        .required("requested_by", .nodeID),
    ], rule: .outcome(of: "outcome", [
        "accepted": .init(required: ["notice_message_id"], forbidden: []),
        "refused": .init(required: ["reason"], forbidden: ["notice_message_id"]),
    ]))

    /// The members every follow-up has (D57): the original's message id and why.
    private static let followUpFields: [Field] = [
        .required("original", .messageID),
        .required("reason", .choice(FollowUpReason.givenByNodes.map(\.rawValue))),
        .optional("reason_text", .text),
    ]
    private static let followUpRule = ObjectSchema.Rule.outcome(of: "reason", [
        FollowUpReason.other.rawValue: .init(required: ["reason_text"], forbidden: []),
    ])

    /// `cancel` and `withdraw`: the original and the reason.
    static let ending = notice(followUpFields, rule: followUpRule)

    /// `update`: also the new version and the full new document (checked against the schema of
    /// its own `kind` by ``NoticeValidator``, and against the original's kind by nexd).
    static let update = notice(followUpFields + [
        .required("version", .integer(2...1_000_000)),
        .required("document", .object(ObjectSchema("a notice object", []))),
    ], rule: followUpRule)

    /// `expire` (nexd's own, D61): the original, the reason `expired`, and the time that passed.
    static let expire = notice([
        .required("original", .messageID),
        .required("reason", .choice([FollowUpReason.expired.rawValue])),
        .required("expires_at", .dateTime),
    ])
}
