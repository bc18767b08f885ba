import Dispatch
import NexCrypto
import NexSync

/// Samples, once a second, the state that lives on other queues (issue 18, D70): receipts
/// outstanding, held deliveries and buffered output of every connection (read on each connection's
/// own queue), the durable inboxes and how long a block waits on the broker queue (read on it).
/// Nothing waits: each read is an `async` that reports back; a busy queue only makes its figure late.
final class MetricsSampler: @unchecked Sendable {
    private let queue = DispatchQueue(label: "nex.metrics.sample", qos: .utility)
    private let metrics: DaemonMetrics
    private let broker: Broker
    private let connections: @Sendable () -> [Connection]
    private var timer: DispatchSourceTimer?

    init(metrics: DaemonMetrics, broker: Broker, connections: @escaping @Sendable () -> [Connection]) {
        self.metrics = metrics
        self.broker = broker
        self.connections = connections
    }

    func start() {
        queue.sync {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now(), repeating: .seconds(1), leeway: .milliseconds(100))
            timer.setEventHandler { [weak self] in self?.sample() }
            timer.resume()
            self.timer = timer
        }
    }

    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    private func sample() {
        let metrics = self.metrics
        let totals = Locked((receipts: 0, held: 0, buffered: 0))
        let group = DispatchGroup()
        for connection in connections() {
            group.enter()
            connection.queue.async {
                let figures = (connection.deliveries.unreceiptedCount, connection.heldDeliveries.count, connection.pendingOutputBytes)
                totals.withLock { $0 = ($0.receipts + figures.0, $0.held + figures.1, $0.buffered + figures.2) }
                group.leave()
            }
        }
        group.notify(queue: queue) {
            let sum = totals.withLock { $0 }
            metrics.receiptsOutstanding.set(Double(sum.receipts))
            metrics.deliveriesHeld.set(Double(sum.held))
            metrics.outputBufferedBytes.set(Double(sum.buffered))
        }
        let asked = DispatchTime.now().uptimeNanoseconds
        let broker = self.broker
        broker.queue.async {
            metrics.brokerQueueDelay.set(Double(DispatchTime.now().uptimeNanoseconds - asked) / 1e9)
            metrics.inboxes.set(Double(broker.inboxes.inboxes.count))
            metrics.inboxEntries.set(Double(broker.inboxes.storedEntries))
            metrics.inboxBytes.set(Double(broker.inboxes.storedBytes))
            var byAuthority: [SHA256Digest: Int] = [:]
            for identity in broker.sessions.values {
                if let key = identity.authorityKey { byAuthority[key, default: 0] += 1 }
            }
            metrics.sessionsByAuthority.withLock { $0 = byAuthority }
        }
    }
}
