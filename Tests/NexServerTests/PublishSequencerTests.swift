import NexWire
import Testing
@testable import NexServer

/// The sequencer releases a connection's publishes in ticket order, however verifiers finish them;
/// a verifier hands over a group of finished publishes at once (D50).
@Suite struct PublishSequencerTests {
    static func candidates(_ count: Int) throws -> [PublishCandidate] {
        let verified = try PublishAuditEventTests.verified()
        return (0..<count).map { index in
            PublishCandidate(connectionID: 1, identity: verified.identity, receivedAtMillis: Int64(index),
                             outcome: .refused(PublishRefusal(.badSignature, "x", envelope: nil)))
        }
    }

    @Test func groupsAreReleasedInTicketOrderOncePerGroup() throws {
        let sequencer = PublishSequencer()
        let tickets = (0..<6).map { _ in sequencer.takeTicket() }
        let made = try Self.candidates(6)
        var releases: [[Int64]] = []
        // The second verifier's group (tickets 3…5) finishes first: nothing can go yet.
        sequencer.complete([(tickets[3], made[3]), (tickets[4], made[4]), (tickets[5], made[5])]) { releases.append($0.map(\.receivedAtMillis)) }
        #expect(releases.isEmpty)
        // The first group lets all six go, in order, as one release.
        sequencer.complete([(tickets[0], made[0]), (tickets[1], made[1]), (tickets[2], made[2])]) { releases.append($0.map(\.receivedAtMillis)) }
        #expect(releases == [[0, 1, 2, 3, 4, 5]])
        #expect(sequencer.inFlight == 0)
    }

    @Test func aGroupWithAGapReleasesOnlyUpToIt() throws {
        let sequencer = PublishSequencer()
        let tickets = (0..<3).map { _ in sequencer.takeTicket() }
        let made = try Self.candidates(3)
        var releases: [[Int64]] = []
        sequencer.complete([(tickets[0], made[0]), (tickets[2], made[2])]) { releases.append($0.map(\.receivedAtMillis)) }
        #expect(releases == [[0]])
        #expect(sequencer.requestResume(below: 2))
        #expect(sequencer.complete([(tickets[1], made[1])]) { releases.append($0.map(\.receivedAtMillis)) })
        #expect(releases == [[0], [1, 2]])
    }
}
