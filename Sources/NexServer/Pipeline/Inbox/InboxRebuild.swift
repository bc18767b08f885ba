import NexAudit
import NexBroker
import NexCrypto
import NexWire

/// Start-up: the inboxes as the audit log left them (D54). The log is their only store, and
/// ``InboxLedger`` — the fold `nex audit query --waiting` answers from — says what each inbox
/// holds; this adds the envelopes, from the accepted `publish` record directly before each `route`
/// record that names an inbox. A clean stop and a crash rebuild alike.
///
/// Only the lines that concern inboxes are parsed (``InboxLedger/mayConcernInboxes(_:)``), and an
/// accepted publish only when the route record after it names an inbox. The notice registry is
/// folded in the same pass (``RegistryRebuild``: the route lines' bytes, no parse).
///
/// A batch-signed notice's record stores its envelope without the root signature (format 6, D74):
/// the `batch` records of the window are remembered, and the signature put back for redelivery.
struct InboxRebuild {
    private(set) var ledger = InboxLedger()
    /// The notice registry, folded in the same pass (D56).
    private(set) var registry = RegistryRebuild()
    /// Envelopes of entries that may still be pending, by acceptance sequence.
    private var messages: [UInt64: DeliveryMessage] = [:]
    /// The last accepted `publish` line read (its route record follows it in the same append).
    private var lastAcceptance: ArraySlice<UInt8>?
    /// The root signatures of the `batch` records of the window (format 6).
    private var batchSignatures = BatchRecordWindow<[UInt8]>()
    private var linesSincePrune = 0
    private(set) var lines = 0

    /// Reads every segment of the log in `directory`, oldest first.
    static func read(_ directory: String) throws -> InboxRebuild {
        var rebuild = InboxRebuild()
        let reader = AuditReader(directory: directory)
        try reader.forEachLine(in: try reader.segments()) { line in
            if !line.isTorn { rebuild.apply(line: line.bytes) }
            return true
        }
        return rebuild
    }

    /// Folds one complete record line in (log order).
    mutating func apply(line: ArraySlice<UInt8>) {
        lines += 1
        linesSincePrune += 1
        if linesSincePrune >= 100_000 { prune() }
        if InboxLedger.isAcceptedPublish(line) {
            lastAcceptance = line
            return
        }
        if EnvelopeBatch.isBatchRecord(line) {
            noteBatch(line)
            return
        }
        if let held = lastAcceptance { registry.apply(publish: held, route: line) }
        guard InboxLedger.mayConcernInboxes(line), let record = AuditRecord(segment: "", line: 0, bytes: Array(line)) else { return }
        ledger.apply(record)
        if record.event == "route", let sequence = record.sequence, sequence > 1, let held = lastAcceptance,
           let message = message(accepted: held, sequence: sequence - 1) {
            messages[message.auditSequence] = message
        }
    }

    /// The inboxes for nexd: each with its filter, its pending entries in acceptance order, and
    /// how many it dropped since its node last attached (reported at the next attach). Every inbox
    /// the log describes is defined, even past a `limits.inboxesPerNode` lowered since.
    func book(limits: InboxLimits) -> InboxBook {
        var book = InboxBook(limits: limits)
        for (key, entries) in ledger.allPending.sorted(by: { $0.key < $1.key }) {
            guard let filter = ledger.filter(of: key).flatMap({ try? TopicFilter(validating: $0) }) else { continue }
            _ = book.define(key, filter: filter, ignoringLimit: true)
            for entry in entries {
                guard let message = messages[entry.acceptanceSequence] else { continue }
                book.append(InboxEntry(message: message, acceptedAtMillis: message.receivedAtMillis), to: key)
            }
            let expired = ledger.expiredSinceAttach(of: key)
            book.noteExpiredSinceAttach(key, count: UInt32(clamping: expired.count), bounds: expired.bounds)
        }
        return book
    }

    /// What the log describes that ``book(limits:)`` cannot rebuild, one sentence each: an inbox
    /// with pending entries whose filter is missing or no longer valid, entries whose accepted
    /// envelope was not found.
    var problems: [String] {
        var problems: [String] = []
        for (key, entries) in ledger.allPending.sorted(by: { $0.key < $1.key }) where !entries.isEmpty {
            guard let filter = ledger.filter(of: key), (try? TopicFilter(validating: filter)) != nil else {
                problems.append("inbox \(key.name) of \(key.node): \(entries.count) entries waiting but no valid filter on record; not rebuilt")
                continue
            }
            let missing = entries.filter { messages[$0.acceptanceSequence] == nil }.count
            if missing > 0 {
                problems.append("inbox \(key.name) of \(key.node): \(missing) waiting entries without their accepted envelope in the log; not rebuilt")
            }
        }
        return problems
    }

    /// Forgets the envelopes no inbox still holds (receipted or expired).
    private mutating func prune() {
        linesSincePrune = 0
        let pending = Set(ledger.allPending.values.joined().map(\.acceptanceSequence))
        messages = messages.filter { pending.contains($0.key) }
    }

    private mutating func noteBatch(_ line: ArraySlice<UInt8>) {
        guard let record = AuditRecord(segment: "", line: 0, bytes: Array(line)), let sequence = record.sequence,
              let claim = EnvelopeBatch.claim(ofBatchRecord: record),
              let fingerprint = record.string("cert").flatMap(SHA256Digest.init(hex:)) else { return }
        batchSignatures.note(claim.recordKey(certificate: fingerprint), at: sequence, value: claim.rootSignature)
    }

    /// The delivery of the accepted publish in `line`, if it is the record at `sequence`: its
    /// envelope as the originator sent it (a batch-signed one with its root signature put back).
    private func message(accepted line: ArraySlice<UInt8>, sequence: UInt64) -> DeliveryMessage? {
        guard let record = AuditRecord(segment: "", line: 0, bytes: Array(line)), record.sequence == sequence,
              record.string("outcome") == "accepted", let stored = record.base64("envelope"),
              let id = record.string("msg").flatMap(MessageID.init(string:)), let node = record.string("node"),
              let fingerprint = record.string("cert").flatMap(SHA256Digest.init(hex:)), let time = record.timeMillis,
              let envelope = sentEnvelope(stored: stored, certificate: fingerprint, sequence: sequence)
        else { return nil }
        return DeliveryMessage(envelope: envelope, messageID: id, originNode: node, receivedAtMillis: time,
                               certificateFingerprint: fingerprint.bytes, auditSequence: sequence,
                               order: DeliveryOrder(envelopeBytes: envelope))
    }

    /// A stored envelope as sent: as it is, or a batch-signed one with the root signature of its
    /// `batch` record (nil when none is in the window: the log is not nexd's).
    private func sentEnvelope(stored: [UInt8], certificate: SHA256Digest, sequence: UInt64) -> [UInt8]? {
        guard let signed = try? SignedEnvelope(parsing: stored),
              Envelope.SignatureAlgorithm.isBatch(signed.envelope.signatureAlgorithm) else { return stored }
        guard let (seal, claim) = (try? EnvelopeBatch.storedClaim(of: signed, digest: EnvelopeBatch.digest(ofBody: signed.body))) ?? nil
        else { return nil }
        if !seal.rootSignature.isEmpty { return stored }   // format 5 and older: the whole seal
        guard let signature = batchSignatures.value(of: claim.recordKey(certificate: certificate), before: sequence) else { return nil }
        return signed.wireBytes(sealedWith: seal, rootSignature: signature)
    }
}
