import Dispatch
import Foundation
import NexAudit
import NexCrypto
import Synchronization

struct AuditBench {
    var mode = "all"
    var records = 1_000_000
    var directory: String?
    var nexPath = ".build/release/nex"

    init(arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--records": records = Int(iterator.next() ?? "") ?? records
            case "--dir": directory = iterator.next()
            case "--nex": nexPath = iterator.next() ?? nexPath
            default: mode = argument
            }
        }
    }

    func run() throws {
        print("AuditBench on \(ProcessInfo.processInfo.activeProcessorCount) cores")
        if mode == "all" || mode == "writer" { try writer() }
        if mode == "all" || mode == "batched" { try batched() }
        if mode == "all" || mode == "large" { try large() }
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("auditbench-\(UUID().uuidString)").path
    }

    static func signer() throws -> CheckpointSigner {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let now = Date()
        let certificate = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "nexd-audit", validity: now.addingTimeInterval(-60)...now.addingTimeInterval(86_400)), key: key)
        return CheckpointSigner(key: key, certificate: certificate)
    }

    /// The writer alone: appenders that each wait for durability (like publishers awaiting an ACK),
    /// fsync per group commit, checkpoints every 1000 records.
    func writer() throws {
        let generator = try NoticeLogGenerator()
        // Pre-build the events: measure the log, not the envelope signing.
        let prepared = try (0..<4000).map { try generator.notice($0, time: 1_795_910_339_000 + Int64($0)).0[0] }
        for appenders in [1, 16, 64, 256] {
            let run = try Self.closedLoop(prepared.map { AppendGroup(events: [$0]) }, appenders: appenders)
            print(String(format: "writer: %4d appenders waiting for durability: %8.0f records/s (%.0f MB/s, fsync per group commit, ~%d B/record)",
                         appenders, Double(run.records) / run.seconds, Double(run.bytes) / run.seconds / 1e6, run.records > 0 ? run.bytes / run.records : 0))
        }
        try burst(prepared)
    }

    /// Issue 19's S1B load on the writer alone: batch-signed notices in 64s as format 6 records
    /// them (D74: a `batch` record per batch, each envelope without the root signature), each
    /// appender appending a notice's `publish` and `route` together with its batch reference and
    /// waiting for durability (as nexd's broker commits them), the load tool's one receipt per 64
    /// deliveries left out (1.5 % more records). Prints notices/s and records/s (`batch` records
    /// not counted), to compare with S1B's rate.
    func batched() throws {
        let generator = try NoticeLogGenerator()
        let prepared = try generator.batchedNotices(4096, time: 1_795_910_339_000).map {
            AppendGroup(events: Array($0.events.prefix(2)), batch: $0.batch)
        }
        for appenders in [64, 512] {
            let run = try Self.closedLoop(prepared, appenders: appenders)
            print(String(format: "batched: %4d appenders, publish + route per notice (seal of 64), waiting for durability: %8.0f notices/s, %8.0f records/s",
                         appenders, Double(run.records / 2) / run.seconds, Double(run.records) / run.seconds))
        }
    }

    /// `appenders` closed loops for 3 s over a fresh log: each appends a group of `prepared` and,
    /// once it is durable, the next (like publishers awaiting their ACK; completions on the writer
    /// queue). Returns the records appended, the seconds taken and the log's size.
    static func closedLoop(_ prepared: [AppendGroup], appenders: Int) throws -> (records: Int, seconds: Double, bytes: Int) {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = AuditLog.Configuration(directory: dir)
        configuration.checkpointSigner = try signer()
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        let total = Counter()
        let deadline = ContinuousClock.now + .seconds(3)
        let start = ContinuousClock.now
        let finished = DispatchGroup()
        for worker in 0..<appenders {
            finished.enter()
            AppenderLoop(log: log, events: prepared, next: worker, stride: appenders, deadline: deadline, total: total, done: finished).step()
        }
        finished.wait()
        let elapsed = ContinuousClock.now - start
        log.close()
        let bytes = (try? AuditSegments.list(in: dir).reduce(0) { sum, name in
            sum + ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? 0) }) ?? 0
        return (total.value.load(ordering: .relaxed), Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, bytes)
    }

    /// Two threads append 200 000 records without waiting, then one flush: the writer queue's own rate.
    func burst(_ prepared: [AuditEvent]) throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = AuditLog.Configuration(directory: dir)
        configuration.checkpointSigner = try Self.signer()
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        let count = 200_000
        let start = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for index in stride(from: thread, to: count, by: 2) { log.append([prepared[index % prepared.count]]) }
        }
        log.flush()
        let elapsed = ContinuousClock.now - start
        log.close()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "writer: burst of %d records from 2 threads, fsync per group commit: %8.0f records/s", count, Double(count) / seconds))
        // The tree's share of the per-record cost: leaf hash of a ~2.1 KB line plus frontier append.
        let line = [UInt8](repeating: UInt8(ascii: "a"), count: 2131)
        var frontier = MerkleFrontier()
        let treeStart = ContinuousClock.now
        for _ in 0..<count { frontier.append(leafHash: MerkleHash.leaf(line)) }
        let treeElapsed = ContinuousClock.now - treeStart
        let treeSeconds = Double(treeElapsed.components.seconds) + Double(treeElapsed.components.attoseconds) / 1e18
        print(String(format: "tree: leaf hash of a 2.1 KB line + frontier append: %.2f µs per record (root %@…)",
                     treeSeconds / Double(count) * 1e6, String(frontier.root.hex.prefix(8))))
    }
}

/// One closed-loop appender of the writer benchmark.
/// What one appender appends at a time: a notice's records, and its batch reference if batch-signed.
struct AppendGroup {
    var events: [AuditEvent]
    var batch: AuditLog.BatchReference?
}

final class AppenderLoop: @unchecked Sendable {
    let log: AuditLog
    let events: [AppendGroup]
    var next: Int
    let stride: Int
    let deadline: ContinuousClock.Instant
    let total: Counter
    let done: DispatchGroup

    init(log: AuditLog, events: [AppendGroup], next: Int, stride: Int, deadline: ContinuousClock.Instant, total: Counter, done: DispatchGroup) {
        self.log = log
        self.events = events
        self.next = next
        self.stride = stride
        self.deadline = deadline
        self.total = total
        self.done = done
    }

    /// Appends one group of records; its completion (on the writer queue) counts them and appends the next.
    func step() {
        guard ContinuousClock.now < deadline else { done.leave(); return }
        let group = events[next % events.count]
        // Each pass over the prepared notices counts as new batches (another claim key), so the
        // writer records a batch per 64 notices throughout, not only in the first pass.
        var batch = group.batch
        if var reference = batch, next >= events.count {
            reference.key = SHA256.hash(reference.key.bytes + withUnsafeBytes(of: UInt64(next / events.count)) { Array($0) })
            batch = reference
        }
        next += stride
        log.append(group.events, batch: batch) { _ in
            self.total.value.add(group.events.count, ordering: .relaxed)
            self.step()
        }
    }
}

/// A shared record count.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
