extension LoadReport {
    /// Sets the spans and rates from the measured phase alone: `tallies` (one per measured
    /// subscriber) count measured deliveries only, and the monotonic times (nanoseconds) are those
    /// of measured notices — `firstReceive`/`lastReceive` the first and last first-reception over
    /// every subscriber (`UInt64.max`/0 when none), `firstSend`/`lastAnswer` the first measured
    /// send and the last measured ACK or NACK. ``acked`` and ``expected`` must be set first.
    ///
    /// Deliveries per second are first-to-last receive: `(deliveries − receivingSubscribers) /
    /// span`, each subscriber's first delivery opening its span, as the Mosquitto comparison
    /// computes it. Without deliveries, notices per second fall back to ACKs over the publish span.
    mutating func setRates(tallies: [DeliveryTally], receivingSubscribers: Int, firstReceive: UInt64, lastReceive: UInt64,
                           firstSend: UInt64, lastAnswer: UInt64, payloadBytes: Int) {
        if firstSend != .max, lastAnswer > firstSend { publishSpanSeconds = Double(lastAnswer - firstSend) / 1e9 }
        if firstReceive != .max, lastReceive > firstReceive {
            receiveSpanSeconds = Double(lastReceive - firstReceive) / 1e9
            let deliveries = tallies.reduce(0) { $0 + $1.deliveries }
            deliveriesPerSecond = Double(max(0, deliveries - receivingSubscribers)) / receiveSpanSeconds
            let perNotice = acked > 0 ? Double(expected) / Double(acked) : 1
            noticesPerSecond = deliveriesPerSecond / max(perNotice, 1e-9)
        } else if publishSpanSeconds > 0 {
            noticesPerSecond = Double(acked) / publishSpanSeconds
        }
        payloadMBPerSecond = deliveriesPerSecond * Double(payloadBytes) / 1e6
    }
}
