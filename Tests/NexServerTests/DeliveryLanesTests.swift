import NexNotices
import NexWire
import Testing
@testable import NexServer

/// The priority lanes of a connection's held deliveries (D58), as tables: deliveries arrive with a
/// priority (a follow-up names its original), `-` sends the next one; the order they leave in.
@Suite struct DeliveryLanesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// `name:priority`, `name:priority>original` (a follow-up), or `-` (pop one).
        let steps: [String]
        /// The names in the order they are popped (by `-` steps, then the rest drained).
        let order: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "priority first, then arrival order", steps: ["r1:routine", "r2:routine", "u1:urgent", "n1:normal", "u2:urgent"],
             order: ["u1", "u2", "n1", "r1", "r2"]),
        Case(name: "a follow-up joins its held original's lane, behind it",
             steps: ["r1:routine", "a:routine", "f:urgent>a", "u:urgent"], order: ["u", "r1", "a", "f"]),
        Case(name: "a follow-up of an urgent original keeps up with it",
             steps: ["a:urgent", "r:routine", "f:routine>a"], order: ["a", "f", "r"]),
        Case(name: "once the original has left, a follow-up takes its own lane",
             steps: ["a:routine", "-", "r:routine", "f:urgent>a"], order: ["a", "f", "r"]),
        Case(name: "a second follow-up waits behind the first while it is held",
             steps: ["a:routine", "f1:normal>a", "-", "f2:urgent>a", "u:urgent"], order: ["a", "u", "f1", "f2"]),
        Case(name: "the chain ends when its last held delivery leaves",
             steps: ["a:routine", "f1:routine>a", "-", "-", "r:routine", "f2:urgent>a"], order: ["a", "f1", "f2", "r"]),
    ]

    @Test(arguments: cases) func deliveriesLeaveByPriorityButNeverBeforeTheirOriginal(_ test: Case) throws {
        var held = HeldDeliveries()
        var ids: [String: MessageID] = [:]
        var names: [MessageID: String] = [:]
        var popped: [String] = []
        for step in test.steps {
            if step == "-" {
                let next = held.popFirst()
                let item = try #require(next)
                popped.append(names[item.message.messageID]!)
                continue
            }
            let parts = step.split(whereSeparator: { $0 == ":" || $0 == ">" }).map(String.init)
            let id = MessageID.random()
            ids[parts[0]] = id
            names[id] = parts[0]
            let order = DeliveryOrder(priority: NoticePriority(rawValue: parts[1])!, original: parts.count > 2 ? ids[parts[2]] : nil)
            held.append(Self.message(id, order: order), subscriptionIDs: [1])
        }
        while let item = held.popFirst() { popped.append(names[item.message.messageID]!) }
        #expect(popped == test.order)
        #expect(held.isEmpty && held.count == 0)
    }

    @Test func plainDeliveriesCountAgainstTheSlowConsumerLimitsAndInboxOnesDoNot() {
        var held = HeldDeliveries()
        held.append(Self.message(.random(), order: .plain, bytes: 100), subscriptionIDs: [1])
        held.append(Self.message(.random(), order: DeliveryOrder(priority: .urgent, original: nil), bytes: 30), subscriptionIDs: [2],
                    carriesInbox: true)
        held.append(Self.message(.random(), order: DeliveryOrder(priority: .routine, original: nil), bytes: 7), subscriptionIDs: [])
        #expect(held.count == 3 && held.plainCount == 2 && held.plainBytes == 107)
        let first = held.popFirst()
        #expect(first?.carriesInbox == true && first?.lane == 0)
        #expect(held.plainCount == 2)
        held.removeSubscription(1)
        // Subscription 1 ended: its delivery names no one; the holder delivery (no id) still counts.
        #expect(held.messageIDs.count == 1)
        _ = held.popFirst()
        #expect(held.plainCount == 1 && held.plainBytes == 7)
        let last = held.popFirst()
        #expect(last?.toHolder == true)
        #expect(held.plainCount == 0 && held.plainBytes == 0)
    }

    static func message(_ id: MessageID, order: DeliveryOrder, bytes: Int = 10) -> DeliveryMessage {
        DeliveryMessage(envelope: [UInt8](repeating: 0, count: bytes), messageID: id, originNode: "gs.fr.lyon", receivedAtMillis: 0,
                        certificateFingerprint: [], auditSequence: 1, order: order)
    }
}

/// An inbox cursor moves only over a contiguous receipted prefix (D58), as tables: entries handed
/// to the connection (held), sent with a delivery number, and receipts with the cursors they move.
@Suite struct InboxCursorTests {
    enum Step: Sendable {
        case held(String, UInt64)
        case sent(UInt64, String, UInt64)
        /// A receipt through the delivery, and the cursors it must move.
        case receipt(UInt64, [String])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let steps: [Step]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "in order: to the newest receipted", steps: [.sent(1, "a", 10), .sent(2, "a", 11), .receipt(2, ["a@11"])]),
        Case(name: "urgent first: the cursor waits for the entries below it", steps: [
            .held("a", 10), .held("a", 11), .held("a", 12),
            .sent(1, "a", 12), .receipt(1, []),
            .sent(2, "a", 10), .receipt(2, ["a@10"]),
            .sent(3, "a", 11), .receipt(3, ["a@12"]),
        ]),
        Case(name: "an entry still held blocks the cursor", steps: [
            .held("a", 10), .held("a", 11), .sent(1, "a", 11), .receipt(1, []), .receipt(1, []),
        ]),
        Case(name: "inboxes move independently", steps: [
            .held("a", 10), .held("b", 11), .sent(1, "b", 11), .receipt(1, ["b@11"]), .sent(2, "a", 10), .receipt(2, ["a@10"]),
        ]),
        Case(name: "one delivery for two inboxes moves both", steps: [
            .sent(1, "a", 10), .sent(1, "b", 10), .sent(2, "b", 12), .receipt(2, ["a@10", "b@12"]),
        ]),
        Case(name: "a re-handed entry below the cursor is ignored", steps: [
            .sent(1, "a", 10), .receipt(1, ["a@10"]), .held("a", 10), .sent(2, "a", 10), .receipt(2, []),
            .held("a", 12), .sent(3, "a", 12), .receipt(3, ["a@12"]),
        ]),
        Case(name: "a re-attach's backlog fills a gap out of order", steps: [
            .held("a", 10), .held("a", 12), .sent(1, "a", 12), .held("a", 11), .receipt(1, []),
            .sent(2, "a", 10), .sent(3, "a", 11), .receipt(3, ["a@12"]),
        ]),
        Case(name: "a receipt covering nothing new moves nothing", steps: [.sent(1, "a", 10), .receipt(1, ["a@10"]), .receipt(1, [])]),
    ]

    @Test(arguments: cases) func theCursorMovesOverTheReceiptedPrefixOnly(_ test: Case) {
        var deliveries = InboxDeliveries()
        for step in test.steps {
            switch step {
            case .held(let inbox, let sequence): deliveries.held(inbox: inbox, auditSequence: sequence)
            case .sent(let delivery, let inbox, let sequence): deliveries.delivered(delivery, inbox: inbox, auditSequence: sequence)
            case .receipt(let through, let expected):
                let moved = deliveries.receipt(through: through).map { "\($0.inbox)@\($0.cursor)" }
                #expect(moved == expected, "receipt through \(through)")
            }
        }
    }
}
