import Foundation
import NexSync
import Testing
@testable import NexAudit

/// The writer reads its batch handler once per batch: that read must not wrap the handler in another
/// reabstraction thunk each time (a closure stored bare in `Locked` did, so the chain of thunks the
/// writer called through grew by a pair per batch: found by profiling S5B).
@Suite struct AuditBatchHandlerTests {
    @Test func theBatchHandlerIsCalledAtTheSameStackDepthEveryBatch() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var configuration = AuditLog.Configuration(directory: temp.path)
        configuration.synchronizesWrites = false
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        let depths = Locked<[Int]>([])
        log.onBatchWritten { _, _, _ in
            let depth = Thread.callStackReturnAddresses.count
            depths.withLock { $0.append(depth) }
        }
        for index in 0..<200 {
            log.append([AuditTestSupport.subscribeEvent(index)])
            log.flush()
        }
        log.close()
        let seen = depths.withLock { $0 }
        try #require(seen.count >= 200)
        // A chain growing by a thunk pair per batch would be ~400 frames deeper by the last batch.
        #expect(try #require(seen.max()) - (try #require(seen.min())) <= 4, "\(seen.prefix(5)) … \(seen.suffix(5))")
    }
}
