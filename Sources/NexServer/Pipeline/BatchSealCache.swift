import Dispatch
import NexAudit
import NexCrypto
import NexSync

/// The batch signatures one connection's node has had checked (D73), so a batch of N costs one
/// signature check, not N: keyed by the root signature's bytes (at most 72, ``BatchSeal`` bounds
/// them), each with the claim it was checked against (batch size, root, restrictions digest) and
/// the verdict. Bounded (oldest out first). The verification pool's threads share it: the first
/// to meet a signature checks it, and siblings that meet it meanwhile wait for that verdict
/// (``verdict(for:check:)``) instead of checking again.
final class BatchSealCache: Sendable {
    /// A checked batch signature.
    struct Entry: Sendable {
        let claim: EnvelopeBatch.Claim
        let isValid: Bool
    }

    /// A signature being checked or checked: the entry once known.
    private final class Slot: @unchecked Sendable {
        let done = DispatchGroup()
        var entry: Entry?   // written once before `done` is left, read after waiting on it
        init() { done.enter() }
    }

    /// How many batch signatures are remembered (a publisher interleaving more batches than this
    /// pays a check per batch again, nothing else).
    static let capacity = 64

    private let slots = Locked<(byKey: [[UInt8]: Slot], order: [[UInt8]])>(([:], []))

    /// What is known of `claim`'s signature: the entry of the check made for it (by this call, when
    /// no check of it is known or under way: `check` runs, and its result is remembered, replacing
    /// an entry for another claim whose check failed) and whether this call made that check.
    func verdict(for claim: EnvelopeBatch.Claim, check: () -> Bool) -> (entry: Entry, checkedHere: Bool) {
        let key = claim.rootSignature
        var superseded: Slot?
        while true {
            let (slot, isNew) = slots.withLock { state -> (Slot, Bool) in
                if let existing = state.byKey[key], existing !== superseded { return (existing, false) }
                let slot = Slot()
                if state.byKey.updateValue(slot, forKey: key) == nil {
                    state.order.append(key)
                    if state.order.count > Self.capacity { state.byKey[state.order.removeFirst()] = nil }
                }
                return (slot, true)
            }
            if isNew {
                let entry = Entry(claim: claim, isValid: check())
                slot.entry = entry
                slot.done.leave()
                return (entry, true)
            }
            slot.done.wait()   // never long: its owner only verifies one signature, then leaves
            guard let entry = slot.entry else { continue }
            // A failed check of another claim says nothing of this one: check this claim.
            if !entry.isValid, entry.claim != claim {
                superseded = slot
                continue
            }
            return (entry, false)
        }
    }
}
