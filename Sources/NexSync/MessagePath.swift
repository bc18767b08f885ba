import Dispatch

/// The quality of service of every queue a notice crosses in nexd: the connection I/O queues, the
/// verification pool, the broker and the audit writer, the read-budget hops between them, and the
/// reload and stop queues that hold the broker queue through `sync` (D77).
///
/// One value for all of them: Dispatch on Linux turns QoS into the threads' nice values, and a
/// serial stage at a lower QoS than the parallel stages feeding it (the broker and the writer once
/// ran at the default, nice 0, under I/O and verification threads at nice -2) is starved by them
/// exactly when the load is highest — a broker thread was seen runnable for 89 ms without running.
public enum MessagePath {
    /// The QoS of the message path's queues (`.userInitiated`). On Linux a block's own QoS does not
    /// raise the thread that runs it (libdispatch's QoS overrides need Darwin's pthread workqueue
    /// QoS; read from its source): only a queue created at a higher QoS, such as nexd's urgent
    /// verification queue, runs higher.
    public static let qos: DispatchQoS = .userInitiated
}
