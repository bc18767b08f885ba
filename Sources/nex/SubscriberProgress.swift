import Foundation
import NexClient
import NexCrypto
import NexWire

/// What `nex subscribe` carries from one session to the next: what it printed, what it dropped as
/// repeated, the originator certificates it fetched, and when it counts as idle.
struct SubscriberProgress {
    /// Distinct deliveries printed (what --count counts).
    private(set) var received = 0
    /// Deliveries dropped because their message id was already printed.
    private(set) var duplicates = 0
    /// Sessions whose subscription nexd accepted.
    private(set) var sessions = 0
    /// Originator certificates by fingerprint. A fingerprint names one certificate, so the cache
    /// holds across sessions; each is still checked against the trust roots for every delivery.
    var certificates: [[UInt8]: Certificate] = [:]
    private var recent = RecentMessageIDs()
    private let idleTimeout: Duration?
    /// When the command gives up for want of a new delivery (--timeout).
    private var idleDeadline: ContinuousClock.Instant?

    init(idleTimeout: Duration?) {
        self.idleTimeout = idleTimeout
        idleDeadline = idleTimeout.map { .now + $0 }
    }

    /// How long a session may wait for a delivery before the command is idle.
    var remainingIdleTime: Duration {
        guard let idleDeadline else { return .seconds(1_000_000_000) }
        return max(.zero, idleDeadline - .now)
    }

    /// A session's subscription was accepted. The first one starts the idle clock, as a single
    /// session always did; later ones do not (idle means no new delivery, reconnects or not).
    mutating func subscribed() {
        if sessions == 0 { restartIdleClock() }
        sessions += 1
    }

    /// Records a delivery; false when its message id was already printed (drop it, but receipt it).
    mutating func accept(_ messageID: MessageID?) -> Bool {
        if let messageID, !recent.insert(messageID) {
            duplicates += 1
            return false
        }
        received += 1
        restartIdleClock()
        return true
    }

    /// Sleeps `delay`, or until the idle deadline if that comes first. False when the command is idle.
    func sleep(_ delay: Duration) -> Bool {
        let wait = min(delay, remainingIdleTime)
        if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18) }
        return wait == delay || remainingIdleTime > .zero
    }

    private mutating func restartIdleClock() {
        idleDeadline = idleTimeout.map { .now + $0 }
    }
}
