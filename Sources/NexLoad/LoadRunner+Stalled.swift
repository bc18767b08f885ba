#if canImport(Glibc)
import Glibc
#endif

extension LoadRunner {
    /// How long a draining stalled subscriber may go without a frame before its connection is
    /// taken to be still open: by then the kernel's and nexd's buffers for it are empty.
    static let stalledQuietNanoseconds: UInt64 = 500_000_000
    /// The longest the end-of-run drain of the stalled subscribers may take.
    static let stalledDrainSeconds = 20.0

    /// Ends the stall once the measured figures are collected: every stalled subscriber reads
    /// again, until nexd's end of stream (it had closed the connection) or half a second of
    /// silence (it had not). Returns their tallies, in order; their fates are set.
    func drain(_ nodes: [StalledSubscriberNode]) -> [DeliveryTally] {
        guard !nodes.isEmpty else { return [] }
        for node in nodes { node.connection.lane.queue.sync { node.drain() } }
        let deadline = MonotonicClock.nanoseconds() + UInt64(Self.stalledDrainSeconds * 1e9)
        var pending = nodes
        while !pending.isEmpty, MonotonicClock.nanoseconds() < deadline {
            usleep(20_000)
            pending = pending.filter { node in
                node.connection.lane.queue.sync {
                    guard node.fate == .stalled else { return false }
                    return MonotonicClock.nanoseconds() - node.lastActivity < Self.stalledQuietNanoseconds
                }
            }
        }
        return nodes.map { node in
            node.connection.lane.queue.sync {
                node.finish()
                return node.tally
            }
        }
    }

    /// The report entry of a drained stalled subscriber.
    static func outcome(of node: StalledSubscriberNode, tally: DeliveryTally, accounting: LossAccounting) -> LoadReport.StalledSubscriber {
        let (fate, reason): (String, String?) = switch node.fate {
        case .closed(let reason): ("closed", reason)
        case .connected, .stalled: ("connected", nil)
        }
        return LoadReport.StalledSubscriber(
            node: node.nodeID, fate: fate, closeReason: reason, expected: accounting.expected, received: accounting.delivered,
            deliveriesBeforeStall: node.deliveriesBeforeStall, deliveries: tally.deliveries)
    }
}
