import Dispatch

/// The quality of service of every queue a notice crosses in nexd: the connection I/O queues, the
/// verification pool, the broker and the audit writer (D77).
///
/// One value for all of them: Dispatch on Linux turns QoS into the threads' nice values, and a
/// serial stage at a lower QoS than the parallel stages feeding it (the broker and the writer once
/// ran at the default, nice 0, under I/O and verification threads at nice -2) is starved by them
/// exactly when the load is highest — a broker thread was seen runnable for 89 ms without running.
public enum MessagePath {
    /// The QoS of the message path's queues (`.userInitiated`). Urgent work raises it per block.
    public static let qos: DispatchQoS = .userInitiated
}
