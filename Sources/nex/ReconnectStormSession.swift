import Foundation
import NexClient
import NexLoad

#if canImport(Glibc)
import Glibc
#endif

/// One `nex load --durable-posts N` invocation: optionally spawns nexd with the posts on its
/// roster, issues the posts' certificates from the PKI's CA, runs the reconnect storm and cleans up.
struct ReconnectStormSession {
    let command: LoadCommand

    private func say(_ line: String) {
        FileHandle.standardError.write(Data("nex load: \(line)\n".utf8))
    }

    func run() throws -> LoadReport {
        let storm = command.stormConfiguration()
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("nex-load-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        var daemon: SpawnedDaemon?
        let pki: String
        if command.spawn {
            var limits = BenchmarkDaemonConfig.Limits()
            limits.maxConnections = max(4096, storm.posts + 256)
            limits.maxPendingHandshakes = max(256, min(limits.maxConnections, 2048))
            limits.replayWindowSeconds = storm.replayWindowSeconds
            limits.outboundBufferBytes = command.outboundBufferBytes
            limits.slowConsumerPolicy = command.slowConsumerPolicy
            let setup = try BenchmarkDaemonConfig.create(
                directory: temporary, publishers: 1, subscribers: 0, idle: 0, limits: limits,
                durablePostCountries: command.durablePostCountries)
            let spawned = try SpawnedDaemon(configPath: setup.configPath, logPath: temporary + "/nexd.log")
            say("started nexd (pid \(spawned.pid)) on 127.0.0.1:\(spawned.port)")
            daemon = spawned
            pki = setup.pkiDirectory
        } else {
            pki = command.pki
        }
        defer {
            if let daemon {
                daemon.stop()
                say("stopped nexd (pid \(daemon.pid))")
            }
        }
        let (host, port) = try endpoint(daemon: daemon)
        let issuer = try BenchmarkIssuer(pki: pki)
        let started = MonotonicClock.seconds()
        let posts = try issuer.durablePosts(of: storm)
        let publisher = command.spawn
            ? try issuer.credentials(BenchmarkRoster.publisherID(0))
            : try LoadIdentities.load(pki: pki, publishers: 1, subscribers: 0).publishers[0]
        say(String(format: "issued %d durable-post certificates in %.2f s", posts.count, MonotonicClock.seconds() - started))
        var runner = ReconnectStormRunner(configuration: storm, host: host, port: port, publisher: publisher, posts: posts)
        runner.nexdPID = daemon?.pid
        runner.log = { line in FileHandle.standardError.write(Data("nex load: \(line)\n".utf8)) }
        return try runner.run()
    }

    private func endpoint(daemon: SpawnedDaemon?) throws -> (String, UInt16) {
        if let daemon { return ("127.0.0.1", daemon.port) }
        guard let colon = command.server.lastIndex(of: ":"), let port = UInt16(command.server[command.server.index(after: colon)...]) else {
            throw LoadError("--server must be IPv4:PORT, for example 127.0.0.1:7247")
        }
        return (String(command.server[..<colon]), port)
    }
}
