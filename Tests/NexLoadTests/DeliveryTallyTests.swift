import NexWire
import Testing
@testable import NexLoad

@Suite("Loss and duplicate accounting")
struct DeliveryTallyTests {
    let runTag: UInt16 = 0xABC

    func id(_ publisher: Int, _ sequence: Int, measured: Bool = true) -> MessageID {
        MessageTag(publisher: publisher, isMeasured: measured, sequence: sequence).messageID(runTag: runTag, millis: 1_700_000_000_000)
    }

    @Test("a tag survives the message id, which stays a UUIDv7")
    func tagRoundTrip() {
        for (publisher, measured, sequence) in [(0, true, 0), (16383, false, (1 << 47) - 1), (42, true, 123_456)] {
            let tag = MessageTag(publisher: publisher, isMeasured: measured, sequence: sequence)
            let messageID = tag.messageID(runTag: runTag, millis: 1_700_000_000_000)
            #expect(messageID.version == 7)
            #expect(messageID.timestampMillis == 1_700_000_000_000)
            #expect(MessageTag(messageID, runTag: runTag) == tag)
            #expect(MessageTag(messageID, runTag: runTag &+ 1) == nil)
        }
        #expect(MessageTag(.random(), runTag: runTag) == nil || true)  // a random id may collide on 12 bits; never traps
    }

    @Test("first receptions, duplicates and foreign ids are told apart")
    func tally() {
        var tally = DeliveryTally(runTag: runTag)
        #expect(tally.record(id(0, 1)) == .first(MessageTag(publisher: 0, isMeasured: true, sequence: 1)))
        #expect(tally.record(id(0, 1)) == .duplicate(MessageTag(publisher: 0, isMeasured: true, sequence: 1)))
        #expect(tally.record(id(0, 1, measured: false)) == .first(MessageTag(publisher: 0, isMeasured: false, sequence: 1)))
        #expect(tally.record(MessageID(high: 0, low: 0)) == .foreign)
        #expect(tally.record(id(0, 1, measured: false)) == .duplicate(MessageTag(publisher: 0, isMeasured: false, sequence: 1)))
        #expect(tally.deliveries == 2)
        #expect(tally.duplicated == 1)
        #expect(tally.warmUpDeliveries == 2)
        #expect(tally.warmUpDuplicated == 1)
        #expect(tally.foreign == 1)
        #expect(tally.receivedCount(from: 0) == 1)
    }

    @Test("warm-up deliveries enter no rate, count or duplicate figure: 1,000 warm-up then 900 measured over 3 s is 300/s")
    func warmUpExcluded() {
        // `nex load --rate 300 --duration 3 --warmup 1000` reported 633/s: the warm-up's 1,000
        // deliveries were counted over the measured phase's 3 s span.
        var tally = DeliveryTally(runTag: runTag)
        for sequence in 0..<1000 { tally.record(id(0, sequence, measured: false)) }
        tally.record(id(0, 999, measured: false))  // a repeated warm-up delivery
        for sequence in 0..<900 { tally.record(id(0, sequence)) }
        #expect(tally.deliveries == 900)
        #expect(tally.duplicated == 0)

        var acknowledged = SequenceSet()
        for sequence in 0..<900 { acknowledged.insert(sequence) }
        let accounting = LossAccounting(acknowledged: [acknowledged], tallies: [tally], follows: [[0]])
        #expect(accounting == LossAccounting.expected(expected: 900, delivered: 900))

        var report = LoadReport(shape: .init(publishers: 1, subscribers: 1, layout: "pairs", kind: "red", payloadBytes: 1000,
                                             pacing: "open-loop", window: nil, ratePerPublisher: 300, countPerPublisher: 900,
                                             warmUpPerPublisher: 1000, verifiesSignatures: false))
        report.acked = 900
        report.expected = accounting.expected
        let second: UInt64 = 1_000_000_000
        report.setRates(tallies: [tally], receivingSubscribers: 1, firstReceive: 10 * second, lastReceive: 10 * second + 2_997_000_000,
                        firstSend: 10 * second, lastAnswer: 13 * second, payloadBytes: 1000)
        #expect(abs(report.deliveriesPerSecond - 300) < 0.5, "\(report.deliveriesPerSecond)")
        #expect(abs(report.noticesPerSecond - 300) < 0.5, "\(report.noticesPerSecond)")
        #expect(abs(report.payloadMBPerSecond - 0.3) < 0.001)
    }

    @Test("a clean run: nothing lost, nothing duplicated")
    func cleanRun() {
        var acknowledged = [SequenceSet(), SequenceSet()]
        for sequence in 0..<100 { acknowledged[0].insert(sequence); acknowledged[1].insert(sequence) }
        // Shared topic: both subscribers follow both publishers.
        var tallies = [DeliveryTally(runTag: runTag), DeliveryTally(runTag: runTag)]
        for subscriber in 0..<2 { for publisher in 0..<2 { for sequence in 0..<100 { tallies[subscriber].record(id(publisher, sequence)) } } }
        let accounting = LossAccounting(acknowledged: acknowledged, tallies: tallies, follows: [[0, 1], [0, 1]])
        #expect(accounting == LossAccounting.expected(expected: 400, delivered: 400))
    }

    @Test("missing, repeated and unacknowledged deliveries are each counted")
    func lossesAndDuplicates() {
        var acknowledged = [SequenceSet()]
        for sequence in 0..<10 { acknowledged[0].insert(sequence) }
        var tally = DeliveryTally(runTag: runTag)
        for sequence in [0, 1, 2, 3, 3, 3, 5, 11] { tally.record(id(0, sequence)) }
        tally.record(id(7, 0))  // from a publisher this subscriber does not follow
        let accounting = LossAccounting(acknowledged: acknowledged, tallies: [tally], follows: [[0]])
        #expect(accounting.expected == 10)
        #expect(accounting.delivered == 5)
        #expect(accounting.lost == 5)
        #expect(accounting.duplicated == 2)
        #expect(accounting.unexpected == 2)  // sequence 11 was never acknowledged; publisher 7 not followed
    }

    @Test("layouts map subscribers to the publishers they follow")
    func layouts() {
        #expect(TopicLayout.pairs.follows(publishers: 3, subscribers: 3) == [[0], [1], [2]])
        #expect(TopicLayout.shared.follows(publishers: 2, subscribers: 2) == [[0, 1], [0, 1]])
        #expect(TopicLayout.fanout.follows(publishers: 2, subscribers: 5) == [[0], [1], [0], [1], [0]])
        #expect(TopicLayout.shared.topic(forPublisher: 3, kind: .red) == "notice.red.zz")
        #expect(TopicLayout.pairs.topic(forPublisher: 3, kind: .red) == "notice.red.ad")
        #expect(TopicLayout.fanout.topic(forPublisher: 27, kind: .orange) == "notice.orange.bb")
    }

    @Test("a sequence set grows and reports membership")
    func sequenceSet() {
        var set = SequenceSet()
        let first = set.insert(1000)
        let second = set.insert(1000)
        #expect(first)
        #expect(!second)
        #expect(set.contains(1000))
        #expect(!set.contains(999))
        #expect(!set.contains(-1))
        #expect(set.count == 1)
    }
}

extension LossAccounting {
    static func expected(expected: Int, delivered: Int) -> LossAccounting {
        var value = LossAccounting(acknowledged: [], tallies: [], follows: [])
        value.expected = expected
        value.delivered = delivered
        return value
    }
}
