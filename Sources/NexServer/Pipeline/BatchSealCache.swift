import NexAudit
import NexCrypto
import NexSync

/// The batch signatures one connection's node has had checked (D73), so a batch of N costs one
/// signature check, not N: keyed by the root signature's bytes, each with the claim it was checked
/// against (batch size, root, restrictions digest) and the verdict. Bounded (oldest out first);
/// read and written by the verification pool's threads, behind a lock held only for the lookup.
final class BatchSealCache: Sendable {
    /// A checked batch signature.
    struct Entry: Sendable {
        let claim: EnvelopeBatch.Claim
        let isValid: Bool
    }

    /// How many batch signatures are remembered (a publisher interleaving more batches than this
    /// pays a check per batch again, nothing else).
    static let capacity = 64

    private let entries = Locked<(byKey: [[UInt8]: Entry], order: [[UInt8]])>(([:], []))

    /// The entry for `signature`, if it was checked.
    func entry(for signature: [UInt8]) -> Entry? {
        entries.withLock { $0.byKey[signature] }
    }

    /// Remembers a check (replacing an earlier one of the same signature).
    func remember(_ entry: Entry) {
        let key = entry.claim.rootSignature
        entries.withLock { state in
            if state.byKey.updateValue(entry, forKey: key) == nil {
                state.order.append(key)
                if state.order.count > Self.capacity {
                    state.byKey[state.order.removeFirst()] = nil
                }
            }
        }
    }
}
