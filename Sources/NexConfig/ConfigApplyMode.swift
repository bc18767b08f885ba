/// What a reload (SIGHUP) does with a key whose value changed. Each key of ``ConfigKeyTable`` has
/// one, and Config/nexd.yaml shows it at the start of the key's annotation (``annotation``).
public enum ConfigApplyMode: String, Sendable, CaseIterable {
    /// The next check after the reload uses the new value, on the connections already open too
    /// (limits read at each use, the roster, the permissions, the revocation list).
    case live
    /// Fixed for a connection when it opens (its frame decoder, its control-frame budget, its
    /// handshake timer): connections opened after the reload get the new value, open ones keep theirs.
    case newConnections
    /// Built into something made once at start-up (the listener, the audit log, the verification
    /// pool, the replay cache, the per-node rate limiters): the reload keeps the running value and
    /// names the key (log and audit record) until a restart.
    case restartOnly

    /// The marker of this mode in Config/nexd.yaml: `(live)`, `(new connections)`, `(restart)`.
    public var annotation: String {
        switch self {
        case .live: "(live)"
        case .newConnections: "(new connections)"
        case .restartOnly: "(restart)"
        }
    }
}
