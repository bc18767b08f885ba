import NexCrypto
import NexWire

/// One shard of the replay cache: the remembered ids whose seeded hash selects it, and their expiries.
///
/// Small by construction (the cache has a shard per ~1,024 ids of its capacity, and a publisher
/// cannot aim ids at one shard because the hash is seeded at random per process), so growing its
/// dictionary or its heap copies a few thousand entries at most, never the whole cache (D49). Confined to the broker
/// queue (a part of `ReplayCache`).
struct ReplayShard {
    /// Stale heap items (of removed ids) a shard tolerates beyond its live ones before rebuilding its heap.
    static let staleItemSlack = 16

    private var entries: [MessageID: ReplayCache.Entry] = [:]
    /// Every id of `entries` by expiry; may also hold stale items for removed ids (skipped when popped).
    private var expiries = ExpiryHeap()

    /// The ids remembered here.
    var count: Int { entries.count }

    /// When this shard next has something to prune: its heap's earliest expiry (`Int64.max` if empty).
    var earliestExpiry: Int64 { expiries.peek()?.expiresAtMillis ?? .max }

    /// What is remembered about `id`, if anything.
    subscript(id: MessageID) -> ReplayCache.Entry? { entries[id] }

    /// Remembers `entry` for `id`; returns the entry it replaced, if any.
    mutating func insert(_ id: MessageID, entry: ReplayCache.Entry) -> ReplayCache.Entry? {
        expiries.push(.init(expiresAtMillis: entry.expiresAtMillis, id: id))
        return entries.updateValue(entry, forKey: id)
    }

    /// Forgets `id` if it is remembered with `digest`; returns the forgotten entry.
    mutating func remove(_ id: MessageID, digest: SHA256Digest) -> ReplayCache.Entry? {
        guard let entry = entries[id], entry.signedDigest == digest else { return nil }
        entries[id] = nil
        // The heap item stays; rebuild once stale items outnumber live ones.
        if expiries.count > 2 * entries.count + Self.staleItemSlack {
            expiries = ExpiryHeap(entries.map { .init(expiresAtMillis: $0.value.expiresAtMillis, id: $0.key) })
        }
        return entry
    }

    /// Forgets every entry whose expiry has passed, earliest expiry first, releasing each from its
    /// node's count. Returns how many were forgotten.
    mutating func prune(nowMillis: Int64, releasingFrom nodes: inout ReplayNodeCounts) -> Int {
        var forgotten = 0
        while let earliest = expiries.peek(), earliest.expiresAtMillis <= nowMillis {
            expiries.pop()
            // Stale if the id was removed, or removed and accepted again with another expiry.
            guard let entry = entries[earliest.id], entry.expiresAtMillis == earliest.expiresAtMillis else { continue }
            entries[earliest.id] = nil
            nodes.release(entry.node)
            forgotten += 1
        }
        return forgotten
    }
}
