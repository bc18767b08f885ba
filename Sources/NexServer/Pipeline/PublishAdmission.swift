import NexAudit
import NexBroker
import NexConfig
import NexCrypto
import NexNotices
import NexWire

/// The checks a publish passes before its signature is verified, in order, each with its stable
/// code (docs/PROTOCOL.md): parse (the parser's code), reserved zero id (`malformed-envelope`),
/// sender is the TLS identity (`sender-mismatch`), topic syntax (`invalid-topic`), the node's
/// publish permission and the review rule (`permission-denied`), known kind (`unknown-kind`), topic
/// conventions, restriction entries (well-formed, on the roster), the notice schema, the workflow
/// rules, and the priority and handling codes (`invalid-notice`, D55, D58, D59; read once here and
/// carried to the connections' delivery lanes), the signature algorithm matches
/// the node's key (`unsupported-algorithm`), issued-at inside the replay window
/// (`outside-replay-window`). The first failing check is the answer.
///
/// Pure: the node's facts, its permissions and the replay window come from one settings
/// generation; the clock is passed in. The per-node publish rate (before) and failed-verification
/// budget (after) are shared state and stay outside, as steps of their own.
struct PublishAdmission: Sendable {
    /// The connection's node (roster id = certificate CN).
    let node: String
    let role: NodeRole
    /// The algorithm of the node's certificate key; an envelope must be signed with it.
    let keyAlgorithm: SignatureAlgorithm
    /// The node's permissions under the settings in force.
    let permissions: NodePermissions
    /// How far issued-at may be from nexd's clock (`limits.replayWindowSeconds`); also the clock
    /// skew a hit's `observed_at` may have past its issued-at.
    let replayWindowMillis: Int64
    /// How old a hit's `observed_at` may be (`limits.hitMaxAgeSeconds`).
    let hitMaxAgeMillis: Int64
    /// The roster in force: restriction entries and named NCBs are checked against it.
    let directory: NodeDirectory
    /// Whether `batch.1` is in effect on the connection: batch-signed envelopes are accepted (D73).
    var acceptsBatchSignatures = false

    init(node: String, role: NodeRole, keyAlgorithm: SignatureAlgorithm, permissions: NodePermissions, replayWindowMillis: Int64,
         hitMaxAgeMillis: Int64, directory: NodeDirectory) {
        self.node = node
        self.role = role
        self.keyAlgorithm = keyAlgorithm
        self.permissions = permissions
        self.replayWindowMillis = replayWindowMillis
        self.hitMaxAgeMillis = hitMaxAgeMillis
        self.directory = directory
    }

    /// The admission of `identity`'s publishes under `settings`.
    init(identity: NodeIdentity, settings: DaemonSettings) {
        self.init(node: identity.id, role: identity.role, keyAlgorithm: identity.certificate.publicKey.algorithm,
                  permissions: settings.permissions(of: identity.id),
                  replayWindowMillis: settings.configuration.limits.replayWindow.components.seconds * 1000,
                  hitMaxAgeMillis: settings.configuration.limits.hitMaxAge.components.seconds * 1000,
                  directory: settings.directory)
    }

    /// Runs the checks on a publish frame's bytes read at `nowMillis`.
    func admit(_ bytes: [UInt8], nowMillis now: Int64) -> Result<UnverifiedPublish, PublishRefusal> {
        let signed: SignedEnvelope
        do {
            signed = try SignedEnvelope(parsing: bytes)
        } catch {
            // Keep the parser's code (payload-too-large, unsupported-version, …); anything else
            // about the structure is malformed-envelope.
            return .failure(PublishRefusal(error.code, "envelope cannot be parsed: \(error.reason)", envelope: nil))
        }
        func refuse(_ code: WireErrorCode, _ reason: String) -> Result<UnverifiedPublish, PublishRefusal> {
            .failure(PublishRefusal(code, reason, envelope: signed))
        }
        let envelope = signed.envelope
        // The all-zero id is what a NACK names when it cannot name the envelope: a notice carrying
        // it could never be told apart from an unparseable one in the NACK, so it is refused here
        // (not in the parser, which must still read envelopes already in the audit log).
        guard envelope.messageID != .zero else {
            return refuse(.malformedEnvelope,
                          "message id \(MessageID.zero) is reserved (the id of a nack for an envelope that cannot be parsed); use a UUIDv7 or 16 random bytes")
        }
        guard envelope.sender == node else {
            return refuse(.senderMismatch, "envelope sender \"\(envelope.sender)\" is not this connection's identity \"\(node)\"")
        }
        let topic: Topic
        do {
            topic = try Topic(validating: envelope.topic)
        } catch {
            return refuse(.invalidTopic, error.reason)
        }
        if case .denied(let reason) = permissions.allowsPublish(to: topic) {
            return refuse(.permissionDenied, "\(node) (\(role.rawValue)): \(reason)")
        }
        if let reason = ReviewRule.refusal(role: role, topic: topic) {
            return refuse(.permissionDenied, "\(node) (\(role.rawValue)): \(reason)")
        }
        guard let kind = NoticeKind(rawValue: envelope.kind) else {
            return refuse(.unknownKind, "notice kind \"\(envelope.kind)\" is unknown; use one of \(NoticeKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let violation = TopicConventions.violation(kind: kind, topic: topic, allowedCountries: envelope.allowedCountries,
                                                      allowedNodes: envelope.allowedNodes,
                                                      deniedCountries: envelope.deniedCountries, deniedNodes: envelope.deniedNodes) {
            return refuse(.invalidNotice, violation)
        }
        if let problem = Self.restrictionProblem(envelope) ?? Self.rosterProblem(envelope, directory: directory) {
            return refuse(.invalidNotice, problem)
        }
        // Fast-path schema and workflow check (~1–3 µs per KiB): refused before any signature is verified.
        let placement = TopicConventions.placement(of: topic)
        let context = NoticeContext(sender: node, channel: placement.channel, country: placement.country,
                                    issuedAtMillis: envelope.issuedAtMillis, receivedAtMillis: now,
                                    clockSkewMillis: replayWindowMillis, hitMaxAgeMillis: hitMaxAgeMillis, directory: directory)
        let markings: NoticeMarkings
        switch NoticeValidator.admit(envelope.payload, as: kind, in: context) {
        case .success(let read): markings = read
        case .failure(let violation): return refuse(.invalidNotice, violation.description)
        }
        // no-further-dissemination is enforced by routing: the record must name who may have it (D58).
        if let violation = markings.recipientProblem(namesRecipients: !envelope.allowedCountries.isEmpty || !envelope.allowedNodes.isEmpty) {
            return refuse(.invalidNotice, violation.description)
        }
        let isBatch = Envelope.SignatureAlgorithm.isBatch(envelope.signatureAlgorithm)
        if isBatch, !acceptsBatchSignatures {
            return refuse(.unsupportedAlgorithm,
                          "signature algorithm \(envelope.signatureAlgorithm) is a batch signature, which needs the capability \(Capability.batch) (not listed in this connection's hello)")
        }
        guard let algorithm = SignatureAlgorithm(rawValue: Envelope.SignatureAlgorithm.keyAlgorithm(of: envelope.signatureAlgorithm)),
              algorithm == keyAlgorithm else {
            return refuse(.unsupportedAlgorithm,
                          "signature algorithm \(envelope.signatureAlgorithm) does not match the certificate's \(keyAlgorithm.name) key")
        }
        var seal: BatchSeal?
        if isBatch {
            do { seal = try signed.batchSeal() } catch { return refuse(error.code, error.reason) }
        }
        // The issued-at is peer data: compare without arithmetic that could overflow and trap.
        let (skew, overflow) = envelope.issuedAtMillis.subtractingReportingOverflow(now)
        guard !overflow, skew.magnitude <= UInt64(replayWindowMillis) else {
            return refuse(.outsideReplayWindow,
                          "issued-at \(Timestamp.format(millis: envelope.issuedAtMillis)) is more than \(replayWindowMillis / 1000) s from nexd's clock \(Timestamp.format(millis: now))")
        }
        var original: MessageID?
        if kind.isFollowUp, let followUp = NoticeValidator.followUp(in: envelope.payload, as: kind) {
            original = MessageID(string: followUp.original)
        }
        return .success(UnverifiedPublish(signed: signed, topic: topic, kind: kind, wireBytes: bytes, receivedAtMillis: now,
                                          markings: markings, original: original, seal: seal))
    }

    /// Restriction entries must be well-formed (lowercase ISO countries, node ids): a deny entry
    /// that could never match (`TZ`) would silently deny nothing.
    static func restrictionProblem(_ envelope: Envelope) -> String? {
        for (list, name) in [(envelope.allowedCountries, "allowed countries"), (envelope.deniedCountries, "denied countries")] {
            if let bad = list.first(where: { !RosterEntry.isValidCountry($0) }) {
                return "\(name): \"\(LogSafe.text(bad, limit: 40))\" is not a lowercase ISO 3166 alpha-2 code"
            }
        }
        for (list, name) in [(envelope.allowedNodes, "allowed nodes"), (envelope.deniedNodes, "denied nodes")] {
            if let bad = list.first(where: { !RosterEntry.isValidID($0) }) {
                return "\(name): \"\(LogSafe.text(bad, limit: 80))\" is not a node id"
            }
        }
        return nil
    }

    /// Restriction entries must name the roster (D55): a country with no node on it, or a node id
    /// not on it, would restrict to (or deny) no one, without a word.
    static func rosterProblem(_ envelope: Envelope, directory: NodeDirectory) -> String? {
        for (list, name) in [(envelope.allowedCountries, "allowed countries"), (envelope.deniedCountries, "denied countries")] {
            if let bad = list.first(where: { !directory.hasNode(in: $0) }) {
                return "\(name): \"\(bad)\" has no node on the roster, so the entry could reach or withhold no one; name countries of roster nodes"
            }
        }
        for (list, name) in [(envelope.allowedNodes, "allowed nodes"), (envelope.deniedNodes, "denied nodes")] {
            if let bad = list.first(where: { directory.node($0) == nil }) {
                return "\(name): \"\(bad)\" is not on the roster; name roster nodes"
            }
        }
        return nil
    }
}
