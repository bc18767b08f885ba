import Testing
@testable import NexServer

@Suite struct PendingHandshakeQueueTests {
    @Test func theOldestStillPendingIsEvictedFirst() {
        let queue = PendingHandshakeQueue<String>()
        for id in 1...5 { queue.insert("c\(id)", id: UInt64(id)) }
        #expect(queue.remove(1))
        #expect(queue.remove(3))
        #expect(!queue.remove(3), "already gone")
        #expect(queue.count == 3)
        #expect(queue.removeOldest()?.element == "c2")
        #expect(queue.removeOldest()?.element == "c4")
        #expect(queue.removeOldest()?.id == 5)
        #expect(queue.removeOldest() == nil)
        #expect(queue.count == 0)
    }

    @Test func handshakesThatEndNormallyDoNotAccumulate() {
        let queue = PendingHandshakeQueue<Int>()
        for id in 1...100_000 {
            queue.insert(id, id: UInt64(id))
            if id % 100 != 0 { queue.remove(UInt64(id)) }
        }
        #expect(queue.count == 1000)
        #expect(queue.removeOldest()?.id == 100)
    }
}
