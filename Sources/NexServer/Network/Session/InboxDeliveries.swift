/// The durable-inbox entries one connection was handed (held or sent) and whose receipt has not
/// yet moved their inbox's cursor past them. Deliveries leave by priority (D58), so an inbox's
/// entries may be sent out of acceptance order; a cumulative receipt therefore moves an inbox's
/// cursor only over a **contiguous prefix**: to the highest sequence S such that every entry ≤ S of
/// that inbox handed to this connection, sent or still held, is receipted. Entries receipted above
/// a gap stay in the inbox until the gap is receipted (after a reconnect they are sent again: at
/// least once, the client drops duplicates). A value: no I/O, tested as a table.
struct InboxDeliveries {
    /// One inbox's entries on this connection, ascending by acceptance sequence.
    private struct Track {
        /// Handed and not yet passed by the cursor, ascending, from `start`.
        var sequences: [UInt64] = []
        var start = 0
        /// Those of ``sequences`` that are receipted.
        var receipted: Set<UInt64> = []
        /// The highest sequence the cursor was moved to from this connection (0: none).
        var cursor: UInt64 = 0

        mutating func hand(_ sequence: UInt64) {
            guard sequence > cursor else { return }
            if let last = sequences.last, start < sequences.count, sequence <= last {
                // Out of order (a re-attach's backlog): insert, once.
                let slot = sequences[start...].firstIndex { $0 >= sequence } ?? sequences.count
                if slot < sequences.count, sequences[slot] == sequence { return }
                sequences.insert(sequence, at: slot)
            } else {
                sequences.append(sequence)
            }
        }

        /// Moves the cursor over the receipted prefix; returns whether it moved.
        mutating func advance() -> Bool {
            var moved = false
            while start < sequences.count, receipted.remove(sequences[start]) != nil {
                cursor = sequences[start]
                start += 1
                moved = true
            }
            if start == sequences.count {
                sequences.removeAll(keepingCapacity: true)
                start = 0
            } else if start > 1024, start * 2 > sequences.count {
                sequences.removeFirst(start)
                start = 0
            }
            return moved
        }
    }

    private var tracks: [String: Track] = [:]
    /// Sent deliveries carrying entries, in delivery order, from `start`.
    private var pending: [(delivery: UInt64, inbox: String, auditSequence: UInt64)] = []
    private var start = 0

    /// Entry `auditSequence` of `inbox` was handed to the connection (held or about to be sent).
    mutating func held(inbox: String, auditSequence: UInt64) {
        tracks[inbox, default: Track()].hand(auditSequence)
    }

    /// The connection no longer holds `inbox` (its durable subscription ended: unsubscribed,
    /// withdrawn, taken over): its entries here stop moving the inbox's cursor. What it received
    /// and did not receipt stays in the inbox and comes again at the next attach (at least once);
    /// entries held here but never sent can no longer leave a gap that nothing fills.
    mutating func forget(inbox: String) {
        tracks[inbox] = nil
    }

    /// Delivery `delivery` carried the entry `auditSequence` of `inbox` (handed already, or now).
    mutating func delivered(_ delivery: UInt64, inbox: String, auditSequence: UInt64) {
        tracks[inbox, default: Track()].hand(auditSequence)
        pending.append((delivery, inbox, auditSequence))
    }

    /// A receipt through `through`: each inbox whose cursor moved, with its new cursor, in the
    /// order the inboxes were first covered by this receipt.
    mutating func receipt(through: UInt64) -> [(inbox: String, cursor: UInt64)] {
        var touched: [String] = []
        while start < pending.count, pending[start].delivery <= through {
            let item = pending[start]
            if let track = tracks[item.inbox], item.auditSequence > track.cursor {
                tracks[item.inbox]!.receipted.insert(item.auditSequence)
                if !touched.contains(item.inbox) { touched.append(item.inbox) }
            }
            start += 1
        }
        if start == pending.count {
            pending.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1024, start * 2 > pending.count {
            pending.removeFirst(start)
            start = 0
        }
        return touched.compactMap { inbox in
            tracks[inbox]!.advance() ? (inbox, tracks[inbox]!.cursor) : nil
        }
    }
}
