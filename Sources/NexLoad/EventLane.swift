import Dispatch

/// A serial queue shared by many client connections, with one scratch buffer for TLS reads.
///
/// Every connection of a lane runs its sources on ``queue``, so the scratch buffer is used by one
/// connection at a time. A few lanes (about one per core) carry hundreds or thousands of
/// connections without a thread per connection.
final class EventLane: @unchecked Sendable {
    /// The lane's serial queue; it owns ``scratch`` and every connection of the lane.
    let queue: DispatchQueue
    /// Read buffer for `SSL_read`, reused across connections (confined to ``queue``).
    let scratch: UnsafeMutableRawBufferPointer

    init(index: Int) {
        queue = DispatchQueue(label: "nex.load.lane.\(index)", qos: .userInitiated)
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit {
        scratch.deallocate()
    }
}
