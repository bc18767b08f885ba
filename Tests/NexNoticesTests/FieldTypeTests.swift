import NexNotices
import Testing

/// A value of the wrong type or format is reported against the exact field path.
@Suite struct FieldTypeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var kind: NoticeKind
        var path: String
        var json: String
        var field: String
        init(_ kind: NoticeKind, _ path: String, _ json: String, field: String? = nil) {
            self.kind = kind
            self.path = path
            self.json = json
            self.field = field ?? path
        }
        var testDescription: String { "\(kind.rawValue): \(path) = \(json)" }
    }

    static let wrongValues: [Case] = [
        // string fields
        Case(.red, "subject.family_name", "42"),
        Case(.red, "subject.forenames", "\"\""),
        Case(.red, "subject.place_of_birth", "null"),
        Case(.red, "warrant.reference", "[\"RW-1\"]"),
        Case(.red, "subject.family_name", "\"\(String(repeating: "A", count: 4097))\""),
        Case(.blue, "information_sought", "true"),
        // dates and date-times
        Case(.red, "subject.date_of_birth", "\"2026-02-30\""),
        Case(.red, "subject.date_of_birth", "\"17/03/1984\""),
        Case(.red, "warrant.issued_on", "\"2025-02-29\""),
        Case(.red, "warrant.issued_on", "\"2026-13-01\""),
        Case(.red, "warrant.issued_on", "\"0000-01-01\""),
        Case(.yellow, "missing_since", "\"2026-1-01\""),
        Case(.orange, "valid_until", "20260101"),
        Case(.hit, "observed_at", "\"2026-01-01T00:00:00+02:00\""),
        Case(.hit, "observed_at", "\"2026-01-01 00:00:00Z\""),
        Case(.hit, "observed_at", "\"2026-01-01T24:00:00Z\""),
        Case(.hit, "observed_at", "\"2026-01-01T00:00:00.Z\""),
        Case(.hit, "observed_at", "\"2026-01-01T00:00:00z\""),
        // countries
        Case(.red, "warrant.issuing_country", "\"RW\""),
        Case(.red, "warrant.issuing_country", "\"rwa\""),
        Case(.red, "subject.nationalities", "[\"ke\", \"K1\"]", field: "subject.nationalities[1]"),
        Case(.black, "body.found_country", "\"\""),
        Case(.silver, "assets[0].country", "\"Rw\""),
        // node ids
        Case(.red, "requested_by", "\"NCB.RW.Kigali\""),
        Case(.red, "requested_by", "\"ncb..kigali\""),
        Case(.red, "requested_by", "\"ncb.rw.\""),
        Case(.diffusion, "from_ncb", "\"ncb rw kigali\""),
        Case(.hit, "checkpoint", "\"bcp.\(String(repeating: "x", count: 64))\""),
        // message ids
        Case(.hit, "matched.notice_message_id", "\"0190C2A4-7B1E-7C3D-9A2B-3C4D5E6F7A8B\""),
        Case(.hit, "matched.notice_message_id", "\"0190c2a47b1e7c3d9a2b3c4d5e6f7a8b\""),
        // enums
        Case(.red, "subject.sex", "\"X\""),
        Case(.red, "subject.sex", "\"m\""),
        Case(.orange, "threat_category", "\"cyber\""),
        Case(.purple, "crime_area", "\"Cybercrime\""),
        Case(.silver, "assets[0].asset_type", "\"yacht\""),
        Case(.unSpecial, "measures", "[\"travel-ban\", \"visa-ban\"]", field: "measures[1]"),
        Case(.diffusion, "purpose", "\"arrest \""),
        Case(.hit, "action_taken", "1"),
        // integers and booleans
        Case(.black, "body.estimated_age_min", "30.5"),
        Case(.black, "body.estimated_age_min", "-1"),
        Case(.black, "body.estimated_age_max", "151"),
        Case(.black, "body.estimated_age_max", "99999999999999999999999"),
        Case(.red, "fictional", "\"true\""),
        // arrays and objects
        Case(.red, "charges", "[]"),
        Case(.red, "charges", "\"one charge\""),
        Case(.red, "charges", "[\"a\", 2]", field: "charges[1]"),
        Case(.red, "subject", "\"MWANGI-FICTIVE\""),
        Case(.red, "warrant", "[]"),
        Case(.silver, "assets", "[{}]", field: "assets[0].asset_type"),
        Case(.silver, "assets", "[]"),
        Case(.hit, "traveller", "{\"family_name\": \"X-FICTIVE\", \"forenames\": \"Y\"}", field: "traveller.sex"),
        Case(.orange, "affected_countries", "\"ke\""),
        Case(.orange, "affected_countries", "[\(Array(repeating: "\"ke\"", count: 257).joined(separator: ","))]"),
    ]

    @Test(arguments: wrongValues)
    func wrongValueIsNamed(_ test: Case) throws {
        let document = DocumentEditing.template(test.kind, setting: test.path, to: test.json)
        let violation = try #require(NoticeValidator.validate(document, as: test.kind))
        #expect(violation.field == test.field)
        #expect(violation.reason.hasPrefix("expected ") && violation.reason.contains(", got ")
            || violation.reason.hasPrefix("required member is missing; expected "))
    }

    /// Integers are written as integers: an exponent or a fraction is refused even when whole
    /// (JSONSerialization would normalise these, so the text is edited directly).
    @Test(arguments: ["4e1", "40.0", "40E0", "-0", "040"])
    func integerSpelling(_ spelling: String) throws {
        let text = NoticeTemplate.document(for: .black).replacingOccurrences(of: "\"estimated_age_max\": 40", with: "\"estimated_age_max\": \(spelling)")
        #expect(text.contains(spelling))
        let violation = try #require(NoticeValidator.validate(Array(text.utf8), as: .black))
        #expect(violation.field == (spelling == "040" ? "" : "body.estimated_age_max"))
    }

    static let acceptedValues: [Case] = [
        Case(.red, "subject.date_of_birth", "\"2024-02-29\""),
        Case(.red, "subject.date_of_birth", "\"2000-02-29\""),
        Case(.red, "subject.family_name", "\"NGÖZI-FICTIVE 😀\""),
        Case(.red, "subject.family_name", "\"\(String(repeating: "A", count: 4096))\""),
        Case(.orange, "affected_countries", "[]"),
        Case(.hit, "observed_at", "\"2026-01-01T23:59:59.123456789Z\""),
        Case(.hit, "checkpoint", "\"bcp-1.x\""),
        Case(.black, "body.estimated_age_min", "40"),
        Case(.red, "fictional", "false"),
        Case(.red, "unknown_future_member", "{\"anything\": [1, 2, null]}"),
        Case(.red, "subject.unknown_future_member", "null"),
    ]

    @Test(arguments: acceptedValues)
    func acceptedValue(_ test: Case) {
        let document = DocumentEditing.template(test.kind, setting: test.path, to: test.json)
        #expect(NoticeValidator.validate(document, as: test.kind) == nil)
    }
}
