import NexNotices
import Testing

/// Removing any required member from a valid template yields a violation naming exactly that member.
@Suite struct RequiredFieldTests {
    static let person = ["family_name", "forenames", "sex"]

    static func subject(_ name: String = "subject") -> [String] {
        [name] + person.map { "\(name).\($0)" }
    }

    /// The required members of each kind, as dotted paths into its template (`docs/NOTICES.md`).
    static let requiredPaths: [NoticeKind: [String]] = [
        .red: subject() + ["charges", "warrant", "warrant.issuing_country", "warrant.reference", "warrant.issued_on", "requested_by"],
        .yellow: subject() + ["missing_since", "last_seen_place", "requested_by"],
        .blue: subject() + ["information_sought", "requested_by"],
        .black: ["body", "body.sex", "body.estimated_age_min", "body.estimated_age_max", "body.found_on",
                 "body.found_place", "body.found_country", "requested_by"],
        .green: subject() + ["warning", "offence_area", "requested_by"],
        .orange: ["threat_category", "description", "valid_until"],
        .purple: ["crime_area", "modus_operandi"],
        .silver: subject() + ["assets", "assets[0].asset_type", "assets[0].description", "assets[0].country", "requested_by"],
        .unSpecial: ["sanctions_regime", "un_reference", "measures"] + subject(),
        .diffusion: ["purpose", "summary", "from_ncb"],
        .hit: ["matched", "checkpoint", "observed_at", "action_taken"],
        // The template is a refusal: its reason is required by the outcome rule.
        .decision: ["request", "outcome", "reason", "requested_by"],
        .update: ["original", "reason", "version", "document", "document.purpose", "document.summary", "document.from_ncb"],
        .cancel: ["original", "reason"],
        .withdraw: ["original", "reason"],
        .expire: ["original", "reason", "expires_at"],
        .hitAck: ["hit", "assessment", "acknowledged_by"],
        .actionRequest: ["hit", "action", "requested_by"],
        .sltd: ["document_number", "document_type", "issuing_country", "status", "reported_on", "reported_by"],
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var kind: NoticeKind
        var path: String
        var testDescription: String { "\(kind.rawValue): \(path)" }
    }

    static let cases: [Case] = NoticeKind.allCases.flatMap { kind in
        (["kind"] + requiredPaths[kind]!).map { Case(kind: kind, path: $0) }
    }

    @Test(arguments: cases)
    func missingRequiredMemberIsNamed(_ test: Case) throws {
        let document = DocumentEditing.template(test.kind, removing: test.path)
        let violation = try #require(NoticeValidator.validate(document, as: test.kind))
        #expect(violation.field == test.path)
        #expect(violation.reason.hasPrefix("required member is missing; expected "))
    }

    @Test(arguments: NoticeKind.allCases)
    func everyKindHasATable(_ kind: NoticeKind) {
        #expect(!(Self.requiredPaths[kind] ?? []).isEmpty)
    }

    /// Optional members may be left out.
    @Test(arguments: [
        Case(kind: .red, path: "subject.date_of_birth"),
        Case(kind: .red, path: "subject.nationalities"),
        Case(kind: .red, path: "fictional"),
        Case(kind: .orange, path: "affected_countries"),
        Case(kind: .purple, path: "countries_seen"),
        Case(kind: .hit, path: "traveller"),
    ])
    func optionalMemberMayBeAbsent(_ test: Case) {
        #expect(NoticeValidator.validate(DocumentEditing.template(test.kind, removing: test.path), as: test.kind) == nil)
    }
}
