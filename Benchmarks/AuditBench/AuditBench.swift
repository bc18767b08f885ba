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
            let dir = Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var configuration = AuditLog.Configuration(directory: dir)
            configuration.checkpointSigner = try Self.signer()
            let log = try AuditLog(configuration: configuration, nowMillis: 0)
            let total = Atomic<Int>(0)
            let deadline = ContinuousClock.now + .seconds(3)
            let start = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: appenders) { worker in
                let done = DispatchSemaphore(value: 0)
                var index = worker
                while ContinuousClock.now < deadline {
                    log.append([prepared[index % prepared.count]]) { _ in done.signal() }
                    done.wait()
                    total.add(1, ordering: .relaxed)
                    index += appenders
                }
            }
            let elapsed = ContinuousClock.now - start
            log.close()
            let count = total.load(ordering: .relaxed)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let bytes = (try? AuditSegments.list(in: dir).reduce(0) { sum, name in
                sum + ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? 0) }) ?? 0
            print(String(format: "writer: %4d appenders waiting for durability: %8.0f records/s (%.0f MB/s, fsync per group commit, ~%d B/record)",
                         appenders, Double(count) / seconds, Double(bytes) / seconds / 1e6, count > 0 ? bytes / count : 0))
        }
    }
}
