import Dispatch
import NexClient
import NexCrypto
import NexNotices
import NexWire

/// Pre-encoded `publish` frames of one publisher and phase, back to back in one buffer.
struct PreparedNotices: Sendable {
    /// The frames' bytes, in sequence order.
    var bytes: [UInt8] = []
    /// `offsets[i]..<offsets[i + 1]` is frame `i`.
    var offsets: [Int] = [0]

    var count: Int { offsets.count - 1 }

    mutating func append(_ frame: [UInt8]) {
        bytes.append(contentsOf: frame)
        offsets.append(bytes.count)
    }
}

/// Builds valid notice documents of a target size and signs them ahead of the measured phase.
public enum NoticeFactory {
    /// A valid compact document of `kind`, padded with a `"padding"` member to `bytes` bytes when
    /// the document is shorter (unknown members are allowed by the notice schemas).
    public static func document(kind: NoticeKind, bytes: Int) -> [UInt8] {
        // Compact the pretty template: drop newlines and the indentation that follows them.
        var compact: [UInt8] = []
        var skippingIndent = false
        for byte in NoticeTemplate.document(for: kind).utf8 {
            if byte == UInt8(ascii: "\n") { skippingIndent = true; continue }
            if skippingIndent, byte == UInt8(ascii: " ") { continue }
            skippingIndent = false
            compact.append(byte)
        }
        let prefix = Array(#"{"padding":""#.utf8)
        let overhead = prefix.count + 2 - 1  // closing quote and comma, less the replaced opening brace
        let fill = bytes - compact.count - overhead
        guard fill >= 0 else { return compact }
        var padded = prefix
        padded.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: fill))
        padded.append(contentsOf: Array(#"","#.utf8))
        padded.append(contentsOf: compact.dropFirst())
        return padded
    }

    /// `payload` (a ``document(kind:bytes:)``) as published on `topic`: a notice on
    /// `notice.<kind>.<cc>` names the requesting NCB of its country (D55), so the template's
    /// `"ncb.zz.example"` becomes ``BenchmarkRoster/requestingNCBID(country:)`` — the same length,
    /// so the payload's size is unchanged.
    public static func payload(_ payload: [UInt8], forTopic topic: String) -> [UInt8] {
        let tokens = topic.split(separator: ".")
        guard tokens.count == 3, tokens[0] == "notice" else { return payload }
        let placeholder = Array(#""ncb.zz.example""#.utf8)
        let named = Array("\"\(BenchmarkRoster.requestingNCBID(country: String(tokens[2])))\"".utf8)
        guard named.count == placeholder.count, let start = payload.indices.first(where: {
            $0 + placeholder.count <= payload.count && payload[$0..<$0 + placeholder.count].elementsEqual(placeholder)
        }) else { return payload }
        var result = payload
        result.replaceSubrange(start..<start + placeholder.count, with: named)
        return result
    }

    /// Signs `count` notices for publisher `publisher` of the run, on every core.
    ///
    /// Issued-at is `issuedAtMillis` for all of them: the caller picks it so that every send
    /// falls within nexd's replay window of it (either side). Publisher `p` publishes on
    /// `topics[p]`, unless `rotatingTopics` is given: then notice `s` of every publisher goes to
    /// `rotatingTopics[s % rotatingTopics.count]` (the reconnect storm's notices over countries).
    /// `payload` (a document) with `"priority":"<priority>"` as its first member (D58).
    static func marked(_ payload: [UInt8], priority: String) -> [UInt8] {
        guard payload.first == UInt8(ascii: "{") else { return payload }
        return [UInt8(ascii: "{")] + Array(#""priority":"\#(priority)","#.utf8) + payload.dropFirst()
    }

    static func prepare(
        publishers: [NodeCredentials], topics: [String], kind: NoticeKind, payload: [UInt8], runTag: UInt16,
        isMeasured: Bool, countPerPublisher: Int, issuedAtMillis: Int64, rotatingTopics: [String] = [], firstIndex: Int = 0,
        batch: Int? = nil
    ) throws(LoadError) -> [PreparedNotices] {
        // A job signs whole batches (D73): its chunk is a multiple of the batch size.
        let chunk = batch.map { $0 * max(1, 512 / $0) } ?? 512
        let chunksPerPublisher = (countPerPublisher + chunk - 1) / chunk
        let total = publishers.count * chunksPerPublisher
        let results = ResultSlots(count: total)
        let millis = UInt64(issuedAtMillis)
        let payloads = Dictionary(Set(topics + rotatingTopics).map { ($0, Self.payload(payload, forTopic: $0)) },
                                  uniquingKeysWith: { first, _ in first })
        DispatchQueue.concurrentPerform(iterations: total) { job in
            let publisher = job / chunksPerPublisher
            let first = (job % chunksPerPublisher) * chunk
            let last = min(first + chunk, countPerPublisher)
            let credentials = publishers[publisher]
            var prepared = PreparedNotices()
            prepared.bytes.reserveCapacity((last - first) * (payload.count + 256))
            do {
                let envelopes = (first..<last).map { sequence in
                    let tag = MessageTag(publisher: firstIndex + publisher, isMeasured: isMeasured, sequence: sequence)
                    let topic = rotatingTopics.isEmpty ? topics[publisher] : rotatingTopics[sequence % rotatingTopics.count]
                    return Envelope(
                        messageID: tag.messageID(runTag: runTag, millis: millis), sender: credentials.nodeID,
                        topic: topic, kind: kind.rawValue, issuedAtMillis: issuedAtMillis, payload: payloads[topic] ?? payload)
                }
                for notice in try NoticeSigner.sign(envelopes, batch: batch, with: credentials.key) { prepared.append(FrameEncoder.encode(.publish(envelope: notice.wireBytes))) }
                results.store(job, .success(prepared))
            } catch {
                results.store(job, .failure(LoadError("cannot sign a notice as \(credentials.nodeID): \(error)")))
            }
        }
        var out: [PreparedNotices] = []
        for publisher in publishers.indices {
            var merged = PreparedNotices()
            for job in (publisher * chunksPerPublisher)..<((publisher + 1) * chunksPerPublisher) {
                let part: PreparedNotices
                switch results.take(job) {
                case .success(let value): part = value
                case .failure(let error): throw error
                }
                let base = merged.bytes.count
                merged.bytes.append(contentsOf: part.bytes)
                merged.offsets.append(contentsOf: part.offsets.dropFirst().map { $0 + base })
            }
            out.append(merged)
        }
        return out
    }
}

/// One slot per concurrent job; each job writes only its own slot, and the slots are read after
/// `concurrentPerform` returned, so no two threads touch a slot at once.
private final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Result<PreparedNotices, LoadError>?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func store(_ index: Int, _ value: Result<PreparedNotices, LoadError>) {
        slots[index] = value
    }

    func take(_ index: Int) -> Result<PreparedNotices, LoadError> {
        slots[index] ?? .failure(LoadError("signing job \(index) produced nothing"))
    }
}
