import NexNotices

/// One accepted notice, request, alert or diffusion in the ``NoticeRegistry``: 32 bytes (size and
/// stride), the strings interned by the registry (D56, D60).
struct NoticeRecord: Sendable, Equatable {
    /// Where a record is in its life.
    enum State: UInt8, Sendable {
        /// Accepted, possibly updated (`version` > 1).
        case active
        /// Cancelled (by the General Secretariat, or a diffusion by its NCB): nothing follows it.
        case cancelled
        /// A request withdrawn by its NCB: nothing follows it.
        case withdrawn
        /// Its `expires_at` passed and nexd told its holders (D61): nothing follows it.
        case expired
    }

    /// The audit sequence of the acceptance record (where its envelope is).
    var acceptedSequence: UInt64
    /// The sending node (interned).
    var owner: UInt32
    /// The topic it was published on (interned).
    var topic: UInt32
    /// Its restrictions (interned; index 0 is "unrestricted").
    var restrictions: UInt32
    /// The nodes that hold it (an interned sorted set of interned nodes).
    var holders: UInt32
    var kind: NoticeKind
    var state: State = .active
    /// 1 for the original, +1 per accepted update.
    var version: UInt16 = 1
    /// When it was accepted: the acceptance record's time, whole seconds since 1970 (rounded down;
    /// `UInt32` lasts until 2106). Kept in what was the record's padding, so a record is still 32
    /// bytes (D60): a hit may not be observed before it.
    var acceptedAtSeconds: UInt32 = 0
}
