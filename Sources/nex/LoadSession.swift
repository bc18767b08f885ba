import Foundation
import NexLoad

#if canImport(Glibc)
import Glibc
#endif

/// One `nex load` invocation: optionally spawns nexd, runs the load and/or idle measurement and
/// the fsync and disk probes, and cleans up.
struct LoadSession {
    let command: LoadCommand

    private var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    private func say(_ line: String) {
        FileHandle.standardError.write(Data("nex load: \(line)\n".utf8))
    }

    func run() throws -> LoadReport {
        let configuration = command.loadConfiguration()
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("nex-load-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let loads = command.publishers > 0 && (command.idle == 0 || command.count != nil || command.duration != nil)
        var daemon: SpawnedDaemon?
        var setup: BenchmarkDaemonConfig?
        if command.spawn, loads || command.idle > 0 {
            var limits = BenchmarkDaemonConfig.Limits()
            limits.maxConnections = max(4096, command.idle + command.publishers + command.subscribers + command.stalledSubscribers + 256)
            limits.maxPendingHandshakes = max(256, min(limits.maxConnections, 2048))
            limits.replayWindowSeconds = configuration.replayWindowSeconds
            limits.outboundBufferBytes = command.outboundBufferBytes
            limits.slowConsumerPolicy = command.slowConsumerPolicy
            let created = try BenchmarkDaemonConfig.create(
                directory: temporary, publishers: loads ? command.publishers : 0, subscribers: loads ? command.subscribers : 0,
                stalled: loads ? command.stalledSubscribers : 0, idle: command.idle, limits: limits)
            setup = created
            let spawned = try SpawnedDaemon(configPath: created.configPath, logPath: temporary + "/nexd.log")
            say("started nexd (pid \(spawned.pid)) on 127.0.0.1:\(spawned.port)")
            daemon = spawned
        } else {
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        }
        defer {
            if let daemon {
                daemon.stop()
                say("stopped nexd (pid \(daemon.pid))")
            }
        }
        let (host, port) = try endpoint(daemon: daemon)

        var report: LoadReport
        if loads {
            let identities: LoadIdentities
            if let setup {
                identities = try BenchmarkIssuer(pki: setup.pkiDirectory).identities(
                    publishers: command.publishers, subscribers: command.subscribers, stalled: command.stalledSubscribers)
            } else {
                identities = try LoadIdentities.load(
                    pki: command.pki, publishers: command.publishers, subscribers: command.subscribers, stalled: command.stalledSubscribers)
            }
            var runner = LoadRunner(configuration: configuration, host: host, port: port, identities: identities)
            runner.nexdPID = daemon?.pid
            runner.log = { line in FileHandle.standardError.write(Data("nex load: \(line)\n".utf8)) }
            if isTerminal {
                runner.progress = { line in
                    FileHandle.standardOutput.write(Data("\r\u{1B}[K\(line)".utf8))
                }
            }
            report = try runner.run()
            if let setup {
                report.auditBytesPerNotice = Self.auditBytesPerNotice(
                    directory: setup.auditDirectory, acknowledged: report.acked + report.warmUpAcked)
            }
            if isTerminal { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
            if command.stalledSubscribers > 0, let daemon, let count = slowConsumerLogLines(daemon) {
                report.notes.append("nexd logged \(count) slow-consumer line(s)")
            }
        } else {
            report = LoadReport(shape: LoadReport.Shape(
                publishers: 0, subscribers: 0, layout: "none", kind: command.kind ?? "red", payloadBytes: 0,
                pacing: command.idle > 0 ? "idle" : "none", window: nil,
                ratePerPublisher: nil, countPerPublisher: 0, warmUpPerPublisher: 0, verifiesSignatures: false))
        }
        if command.idle > 0 {
            guard let setup else { throw LoadError("--idle needs --spawn (the idle nodes' certificates come from the spawned nexd's PKI)") }
            let issuer = try BenchmarkIssuer(pki: setup.pkiDirectory)
            let started = MonotonicClock.seconds()
            let credentials = try IdleConnections.credentials(count: command.idle, issuer: issuer)
            say(String(format: "issued %d idle-node certificates in %.2f s", command.idle, MonotonicClock.seconds() - started))
            let before = daemon?.residentBytes
            let idle = IdleConnections(lanes: command.lanes)
            var result = try idle.open(credentials: credentials, host: host, port: port)
            // Let nexd settle (audit batches, buffers released) before reading its memory.
            Thread.sleep(forTimeInterval: 2)
            result.nexdRSSBeforeMB = before.map { Double($0) / 1e6 }
            result.nexdRSSMB = daemon?.residentBytes.map { Double($0) / 1e6 }
            idle.closeAll()
            report.idle = result
        }
        if command.fsyncProbe {
            report.fsync = try FsyncProbe.measure(directory: temporary)
        }
        if let seconds = command.diskProbe {
            let bytes = command.diskProbeBytes ?? LoadCommand.defaultDiskProbeBytes
            let size = bytes % 1024 == 0 ? "\(bytes / 1024) KiB" : "\(bytes)-byte"
            say(String(format: "disk probe: %g s of ", seconds) + size + " appends + fdatasync at ~1 kHz in " + temporary)
            report.diskProbe = try SustainedDiskProbe(seconds: seconds, bytes: bytes).run(directory: temporary)
        }
        return report
    }

    /// The audit log in `directory`, in bytes per notice nexd `acknowledged` (each ACK a notice
    /// accepted and audited), or nil when nothing was acknowledged or the directory cannot be
    /// listed. The bytes are the whole log's: refusals' records and the records of duplicate
    /// re-sends count too, so a run with NACKs or retries comes out a little high.
    static func auditBytesPerNotice(directory: String, acknowledged: Int) -> Double? {
        guard acknowledged > 0, let bytes = directoryBytes(directory) else { return nil }
        return Double(bytes) / Double(acknowledged)
    }

    /// The bytes of the regular files directly in `directory` (the audit log's segments and
    /// files), each file counted once however many names it has (while a segment is being
    /// prepared, `next-segment.jsonl` and the segment's own name can be one file for a moment),
    /// or nil when it cannot be listed.
    static func directoryBytes(_ directory: String) -> Int? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        struct FileID: Hashable { let device: UInt64; let inode: UInt64 }
        var seen = Set<FileID>()
        return names.reduce(0) { total, name in
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
                  seen.insert(FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else { return total }
            return total + Int(info.st_size)
        }
    }

    /// Lines of the spawned nexd's log that mention a slow consumer (its policy acting), or nil
    /// when the log cannot be read.
    private func slowConsumerLogLines(_ daemon: SpawnedDaemon) -> Int? {
        guard let data = FileManager.default.contents(atPath: daemon.logPath) else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").filter {
            $0.localizedCaseInsensitiveContains("slow consumer") || $0.localizedCaseInsensitiveContains("slow-consumer")
        }.count
    }

    private func endpoint(daemon: SpawnedDaemon?) throws -> (String, UInt16) {
        if let daemon { return ("127.0.0.1", daemon.port) }
        guard let colon = command.server.lastIndex(of: ":"), let port = UInt16(command.server[command.server.index(after: colon)...]) else {
            throw LoadError("--server must be IPv4:PORT, for example 127.0.0.1:7247")
        }
        return (String(command.server[..<colon]), port)
    }
}
