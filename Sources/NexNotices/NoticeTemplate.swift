/// Starting documents for `nex notice new KIND`: valid, pretty-printed, obviously fictional.
///
/// Placeholders use the user-assigned country code `zz`, node ids under `*.zz.example`, names
/// ending in `-FICTIVE` and `"fictional": true`, so a template can never pass for a real notice.
/// Every template validates as its kind (`NoticeValidator.validate(_:as:)`).
public enum NoticeTemplate {
    /// A valid, pretty-printed JSON document for `kind` with fictional placeholder values.
    public static func document(for kind: NoticeKind) -> String {
        let body: String
        switch kind {
        case .red:
            body = """
                  "subject": \(person),
                  "charges": ["PLACEHOLDER CHARGE (fictional)"],
                  "warrant": {
                    "issuing_country": "zz",
                    "reference": "ZZ-FICT-0000-0000",
                    "issued_on": "2026-01-01"
                  },
                  "requested_by": "ncb.zz.example"
                """
        case .yellow:
            body = """
                  "subject": \(person),
                  "missing_since": "2026-01-01",
                  "last_seen_place": "PLACEHOLDER PLACE (fictional)",
                  "requested_by": "ncb.zz.example"
                """
        case .blue:
            body = """
                  "subject": \(person),
                  "information_sought": "PLACEHOLDER: current location and activities (fictional)",
                  "requested_by": "ncb.zz.example"
                """
        case .black:
            body = """
                  "body": {
                    "sex": "U",
                    "estimated_age_min": 30,
                    "estimated_age_max": 40,
                    "found_on": "2026-01-01",
                    "found_place": "PLACEHOLDER PLACE (fictional)",
                    "found_country": "zz"
                  },
                  "requested_by": "ncb.zz.example"
                """
        case .green:
            body = """
                  "subject": \(person),
                  "warning": "PLACEHOLDER WARNING (fictional)",
                  "offence_area": "PLACEHOLDER OFFENCE AREA (fictional)",
                  "requested_by": "ncb.zz.example"
                """
        case .orange:
            body = """
                  "threat_category": "other",
                  "description": "PLACEHOLDER THREAT DESCRIPTION (fictional)",
                  "valid_until": "2026-12-31",
                  "affected_countries": ["zz"]
                """
        case .purple:
            body = """
                  "crime_area": "other",
                  "modus_operandi": "PLACEHOLDER MODUS OPERANDI (fictional)",
                  "countries_seen": ["zz"]
                """
        case .silver:
            body = """
                  "subject": \(person),
                  "assets": [
                    {
                      "asset_type": "other",
                      "description": "PLACEHOLDER ASSET (fictional)",
                      "country": "zz"
                    }
                  ],
                  "requested_by": "ncb.zz.example"
                """
        case .unSpecial:
            body = """
                  "sanctions_regime": "0000",
                  "un_reference": "ZZi.000-FICT",
                  "measures": ["assets-freeze", "travel-ban"],
                  "subject": \(person)
                """
        case .diffusion:
            body = """
                  "purpose": "information",
                  "summary": "PLACEHOLDER SUMMARY (fictional)",
                  "from_ncb": "ncb.zz.example"
                """
        case .hitAck:
            body = """
                  "hit": "00000000-0000-0000-0000-000000000000",
                  "assessment": "confirmed",
                  "acknowledged_by": "ncb.zz.example"
                """
        case .actionRequest:
            body = """
                  "hit": "00000000-0000-0000-0000-000000000000",
                  "action": "detain",
                  "requested_by": "ncb.zz.example"
                """
        case .sltd:
            body = """
                  "document_number": "ZZ0000000",
                  "document_type": "passport",
                  "issuing_country": "zz",
                  "status": "stolen",
                  "reported_on": "2026-01-01",
                  "reported_by": "ncb.zz.example"
                """
        case .update:
            body = """
                  "original": "00000000-0000-0000-0000-000000000000",
                  "reason": "other",
                  "reason_text": "PLACEHOLDER: what changed (fictional)",
                  "version": 2,
                  "document": {
                    "kind": "diffusion",
                    "fictional": true,
                    "purpose": "information",
                    "summary": "PLACEHOLDER SUMMARY (fictional)",
                    "from_ncb": "ncb.zz.example"
                  }
                """
        case .cancel, .withdraw:
            body = """
                  "original": "00000000-0000-0000-0000-000000000000",
                  "reason": "other",
                  "reason_text": "PLACEHOLDER: why it ends (fictional)"
                """
        case .expire:
            // Sent by nexd only (D61): shown so that a reader knows the form, never published.
            body = """
                  "original": "00000000-0000-0000-0000-000000000000",
                  "reason": "expired",
                  "expires_at": "2026-01-01T00:00:00Z"
                """
        case .hit:
            body = """
                  "matched": {
                    "notice_message_id": "00000000-0000-0000-0000-000000000000"
                  },
                  "checkpoint": "bcp.zz.example",
                  "observed_at": "2026-01-01T00:00:00Z",
                  "action_taken": "information-only"
                """
        case .decision:
            body = """
                  "request": "00000000-0000-0000-0000-000000000000",
                  "outcome": "refused",
                  "reason": "PLACEHOLDER REASON (fictional)",
                  "requested_by": "ncb.zz.example"
                """
        }
        return """
            {
              "kind": "\(kind.rawValue)",
              "fictional": true,
            \(body)
            }

            """
    }

    /// A placeholder person object, indented to sit as a member value at the first level.
    private static let person = """
        {
            "family_name": "FAMILY-NAME-FICTIVE",
            "forenames": "Forename Fictive",
            "sex": "U",
            "date_of_birth": "2000-01-01",
            "nationalities": ["zz"]
          }
        """
}
