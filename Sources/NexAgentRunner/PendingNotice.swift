import Foundation
import NexAgents

/// A notice an agent asked for and nexd has not answered yet: kept on disk (the outbox) so a
/// border post that is offline, or restarted, still reports its hits when it is back. Once signed,
/// the signed bytes are kept too, and re-sent unchanged while nexd's replay window still takes
/// them, so a hit sent just before a lost connection is answered once (nexd answers a
/// byte-identical re-send with the original ACK); older ones are signed again as a new message.
public struct PendingNotice: Sendable, Equatable, Codable {
    public var notice: OutgoingNotice
    public var signed: Data?
    public var signedAtMillis: Int64?

    public init(_ notice: OutgoingNotice) {
        self.notice = notice
    }
}
