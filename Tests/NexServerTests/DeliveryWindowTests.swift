import NexCrypto
import NexWire
import Testing
@testable import NexServer

@Suite struct DeliveryWindowTests {
    static func id(_ n: UInt64) -> MessageID { MessageID(high: 0, low: n) }

    @Test func deliveriesAreNumberedFromOneAndReceiptsTakeThemInOrder() {
        var window = DeliveryWindow()
        #expect(window.summary == DeliveryWindow.Summary(nextSequence: 1, firstUnreceipted: nil))
        for n: UInt64 in 1...3 { #expect(window.deliver(Self.id(n), originator: nil) == n) }
        #expect(window.summary == DeliveryWindow.Summary(nextSequence: 4, firstUnreceipted: 1))
        #expect(window.receipt(through: 2) == [Self.id(1), Self.id(2)])
        #expect(window.receipt(through: 2) == [])
        #expect(window.unreceiptedCount == 1)
        #expect(window.firstUnreceipted?.sequence == 3)
        #expect(window.unreceiptedMessageIDs == [Self.id(3)])
        #expect(window.receipt(through: 3) == [Self.id(3)])
        #expect(window.firstUnreceipted == nil)
    }

    @Test func manyReceiptsCompactTheListWithoutLosingItsOrder() {
        var window = DeliveryWindow()
        for n in 1...3000 { _ = window.deliver(Self.id(UInt64(n)), originator: nil) }
        #expect(window.receipt(through: 2000).count == 2000)
        #expect(window.unreceiptedCount == 1000)
        #expect(window.firstUnreceipted?.sequence == 2001)
        #expect(window.receipt(through: 3000).first == Self.id(2001))
    }

    @Test func originatorsOfDeliveredNoticesAreRemembered() {
        var window = DeliveryWindow()
        let digest = SHA256Digest(bytes: [UInt8](repeating: 3, count: 32))!
        _ = window.deliver(Self.id(1), originator: digest)
        #expect(window.deliveredOriginators == [digest])
    }
}
