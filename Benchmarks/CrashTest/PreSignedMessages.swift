import Dispatch
import NexClient
import NexLoad
import NexNotices
import NexWire

/// One publisher's notices, signed before the run: the exact `publish` frame of each is kept, so a
/// re-send after a crash is byte-identical to the first send (docs/DECISIONS.md D5).
struct PreSignedMessages: Sendable {
    /// The publisher's node id.
    let nodeID: String
    /// Message ids, in publish order.
    let ids: [MessageID]
    /// The encoded `publish` frame of each message.
    let frames: [[UInt8]]

    var count: Int { ids.count }

    /// Signs `count` notices of `kind` for publisher `index` of the run on topic `topic`, on every
    /// core. Ids carry the publisher and sequence (``MessageTag``) so a report can name them.
    /// With `batch`, the notices are batch-signed in groups of that many (D73): a re-send after a
    /// crash is then one notice of a batch, alone, byte-identical.
    static func sign(credentials: NodeCredentials, index: Int, topic: String, count: Int, payload: [UInt8],
                     runTag: UInt16, issuedAtMillis: Int64, batch: Int? = nil) throws -> PreSignedMessages {
        let ids = (0..<count).map {
            MessageTag(publisher: index, isMeasured: true, sequence: $0).messageID(runTag: runTag, millis: UInt64(issuedAtMillis))
        }
        // The notice names the requesting NCB of the topic's country (D55).
        let payload = NoticeFactory.payload(payload, forTopic: topic)
        let chunk = batch.map { $0 * max(1, 256 / $0) } ?? 256
        let slots = SigningSlots(count: (count + chunk - 1) / chunk)
        DispatchQueue.concurrentPerform(iterations: slots.count) { job in
            var frames: [[UInt8]] = []
            do {
                let envelopes = ((job * chunk)..<min(count, (job + 1) * chunk)).map { sequence in
                    Envelope(messageID: ids[sequence], sender: credentials.nodeID, topic: topic,
                             kind: NoticeKind.red.rawValue, issuedAtMillis: issuedAtMillis, payload: payload)
                }
                frames += try NoticeSigner.sign(envelopes, batch: batch, with: credentials.key).map { FrameEncoder.encode(.publish(envelope: $0.wireBytes)) }
                slots.store(job, .success(frames))
            } catch {
                slots.store(job, .failure(error))
            }
        }
        var frames: [[UInt8]] = []
        frames.reserveCapacity(count)
        for job in 0..<slots.count { frames += try slots.take(job).get() }
        return PreSignedMessages(nodeID: credentials.nodeID, ids: ids, frames: frames)
    }
}

/// One slot per signing job; each job writes only its own slot, read after `concurrentPerform`
/// returned, so no two threads touch a slot at once.
private final class SigningSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Result<[[UInt8]], any Error>?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    var count: Int { slots.count }

    func store(_ job: Int, _ value: Result<[[UInt8]], any Error>) {
        slots[job] = value
    }

    func take(_ job: Int) -> Result<[[UInt8]], any Error> {
        slots[job] ?? .failure(LoadError("signing job \(job) produced nothing"))
    }
}
