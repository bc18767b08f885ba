import Dispatch
import NexSync
import Testing
@testable import NexAudit
@testable import NexServer

/// D77: every queue a notice crosses runs at one QoS, so the serial stages (broker, audit writer)
/// are never starved by the parallel ones feeding them.
@Suite struct MessagePathQoSTests {
    @Test func theBrokerAndTheAuditWriterRunAtTheQoSOfTheStagesFeedingThem() throws {
        let nexd = try TestDaemon()
        defer { nexd.stop() }
        let context = nexd.daemon.context
        #expect(MessagePath.qos == .userInitiated)
        #expect(context.broker.queue.qos == MessagePath.qos)
        #expect(context.audit.queue.qos == MessagePath.qos)
        #expect(!context.verificationQueues.isEmpty && context.verificationQueues.allSatisfy { $0.qos == MessagePath.qos })
        // A reload holds the broker queue through `sync`: on a thread of the same weight.
        #expect(nexd.daemon.reloadQueue.qos == MessagePath.qos)
        #expect(!context.ioQueues.isEmpty && context.ioQueues.allSatisfy { $0.qos == MessagePath.qos })
    }
}
