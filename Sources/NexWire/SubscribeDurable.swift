/// The body of a `subscribeDurable` frame (0x25, client → server; capability `inbox.1`): a
/// subscription whose matching notices nexd keeps in the node's named inbox while the node is away,
/// and delivers, oldest first, when it subscribes to that inbox again.
public struct SubscribeDurable: Sendable, Equatable {
    /// The client-chosen id, unique among the connection's live subscriptions.
    public var subscriptionID: UInt32
    /// The topic filter (fixed by the inbox's first durable subscription).
    public var filter: String
    /// The inbox's name within the node; empty for the default, which is the filter itself.
    public var inbox: String
    /// Extension fields; unknown tags are kept. No tag is assigned.
    public var extensions: [WireExtension]

    /// A durable subscribe request.
    public init(subscriptionID: UInt32, filter: String, inbox: String = "", extensions: [WireExtension] = []) {
        self.subscriptionID = subscriptionID
        self.filter = filter
        self.inbox = inbox
        self.extensions = extensions
    }

    /// The inbox this request names: ``inbox``, or the filter when it is empty.
    public var inboxName: String { inbox.isEmpty ? filter : inbox }
}

/// What nexd tells a node about its inbox when a durable subscription attaches to it (`suback`
/// extension tag 2).
public struct InboxStatus: Sendable, Equatable {
    /// The inbox's name.
    public var inbox: String
    /// How many notices were waiting: they are delivered next, oldest first, before new traffic.
    public var waiting: UInt32
    /// How many notices nexd dropped from the inbox since the node last attached to it (bounds).
    public var expired: UInt32
    /// Why they were dropped (the bounds that did it); empty when none were.
    public var why: String

    /// An inbox status.
    public init(inbox: String, waiting: UInt32, expired: UInt32, why: String) {
        self.inbox = inbox
        self.waiting = waiting
        self.expired = expired
        self.why = why
    }

    /// The `suback` extension tag of an inbox status.
    public static let extensionTag: UInt16 = 2

    /// The extension entry: `str16 inbox ‖ u32 waiting ‖ u32 expired ‖ str16 why`.
    public var extensionEntry: WireExtension {
        var out: [UInt8] = []
        out.writeStr16(inbox)
        out.writeU32(waiting)
        out.writeU32(expired)
        out.writeReason(why)
        return WireExtension(tag: Self.extensionTag, value: out)
    }

    /// Decodes an extension value; nil when malformed.
    public init?(extensionValue value: [UInt8]) {
        guard let status = value.withUnsafeBytes({ bytes -> InboxStatus? in
            var reader = WireReader(bytes, context: "inbox status")
            do throws(WireError) {
                let status = InboxStatus(inbox: try reader.readStr16("inbox"), waiting: try reader.readU32("waiting"),
                                         expired: try reader.readU32("expired"), why: try reader.readStr16("why"))
                try reader.expectEnd()
                return status
            } catch {
                return nil
            }
        }) else { return nil }
        self = status
    }
}

extension SubscribeAck {
    /// The inbox status of a durable subscription's `suback`; nil for a plain subscription.
    public var inboxStatus: InboxStatus? {
        extensions.first { $0.tag == InboxStatus.extensionTag }.flatMap { InboxStatus(extensionValue: $0.value) }
    }
}
