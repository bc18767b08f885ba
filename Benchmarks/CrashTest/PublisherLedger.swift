import NexWire

/// What one publisher sent and was told, message by message. Owned by the publisher's thread
/// during the run, read by the report afterwards.
struct PublisherLedger: Sendable {
    /// The audit sequence of each message's first ACK (`nil` until ACKed).
    private(set) var acknowledgedSequence: [UInt64?]
    /// How often each message was sent (probes not included).
    var sendCount: [Int]
    /// Messages refused with a NACK (never re-sent).
    private(set) var refusals: [Int: Nack] = [:]

    /// ACKs received, re-ACKs (duplicate flag) included; NACKs received.
    var acknowledgements = 0
    var nacks = 0
    /// Re-sent messages whose ACK was the original one (duplicate flag: accepted before the crash).
    var resentAnsweredWithOriginal = 0
    /// Re-sent messages accepted anew (not durable before the crash, so never ACKed then).
    var resentAcceptedAnew = 0
    /// Already-ACKed messages re-sent after a restart, and those answered with their original ACK.
    var probesSent = 0
    var probesAnsweredWithOriginal = 0
    /// Probes whose connection dropped (the next kill) before their answer came.
    var probesUnanswered = 0
    /// Connections that ended while nexd was not being killed.
    var unexpectedDisconnects = 0
    /// What went wrong, one line each (NACKs, wrong ACKs).
    var failures: [String] = []
    /// Recent reasons of unexpected disconnects (for the report).
    var disconnectReasons: [String] = []

    init(count: Int) {
        acknowledgedSequence = Array(repeating: nil, count: count)
        sendCount = Array(repeating: 0, count: count)
    }

    /// Messages ACKed or refused.
    private(set) var settledCount = 0

    /// Whether every message is ACKed or refused.
    var isComplete: Bool { settledCount == acknowledgedSequence.count }

    /// Whether message `index` is ACKed or refused (it is not sent again).
    func isSettled(_ index: Int) -> Bool {
        acknowledgedSequence[index] != nil || refusals[index] != nil
    }

    /// Records the first ACK of message `index`.
    mutating func settle(_ index: Int, sequence: UInt64) {
        if !isSettled(index) { settledCount += 1 }
        acknowledgedSequence[index] = sequence
    }

    /// Records a NACK of message `index`.
    mutating func refuse(_ index: Int, _ nack: Nack) {
        if !isSettled(index) { settledCount += 1 }
        refusals[index] = nack
    }

    /// Messages sent more than once (after a lost connection).
    var resentMessages: Int { sendCount.reduce(0) { $0 + ($1 > 1 ? 1 : 0) } }
}
