/// The values `event`, `reason` and `outcome` can take in a record, as docs/AUDIT.md lists them:
/// what `nex audit query` accepts for `--event`, `--reason` and `--outcome`.
public enum AuditVocabulary {
    /// Every `event` (docs/AUDIT.md §Events): the event kinds plus `checkpoint`.
    public static let events: [String] = AuditEvent.Kind.allCases.map(\.rawValue) + ["checkpoint"]

    /// Every `outcome`.
    public static let outcomes = ["accepted", "refused", "duplicate"]

    /// Every `reason` (docs/AUDIT.md §Reason codes), and the reasons of `withheld` entries.
    public static let reasons: [String] = [
        "no-certificate", "unknown-ca", "certificate-expired", "certificate-not-yet-valid", "invalid-purpose",
        "certificate-revoked", "crl-expired", "crl-not-yet-valid", "crl-unavailable", "crl-invalid", "protocol-version",
        "bad-certificate", "peer-alert", "io", "tls-error", "closed-during-handshake", "handshake-timeout",
        "handshake-evicted", "too-many-connections", "too-many-connections-for-node", "connect-rate", "not-in-roster", "internal-error",
        "audit-unavailable", "overloaded", "slow-consumer", "slow-consumer-dropped", "control-frame-rate", "idle-timeout",
        "incomplete-frame",
        "removed-from-roster", "roster-changed", "ca-removed", "shutdown", "permission-revoked", "inbox-moved", "invalid-config", "audit-write-failed", "sealed-after-crash",
        // inbox records (format 3)
        "redelivered", "receipted", "expired",
        // publish refusals: the wire error of the nack
        "malformed-envelope", "unsupported-version", "invalid-topic", "payload-too-large", "sender-mismatch",
        "permission-denied", "unknown-kind", "invalid-notice", "unsupported-algorithm", "outside-replay-window",
        "bad-signature", "replay",
        // subscribe refusals and protocol errors
        "invalid-filter", "duplicate-subscription", "too-many-subscriptions",
        "malformed-frame", "frame-too-large", "unknown-frame-type", "protocol-violation",
        // withheld entries of a route
        "denied-node", "denied-country", "not-in-allowed", "subscriber-permission", "no-capability",
    ]
}
