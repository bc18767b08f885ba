import Foundation
import Testing

/// `nex subscribe` across nexd's restarts (D53): it reconnects and resumes by itself, never retries a
/// permanent refusal, and with --no-reconnect exits as it always did.
extension ExecutableTests {
    /// Waits (bounded) until `running`'s standard error contains `text` at least `times` times.
    private func awaitErrors(_ running: ProcessRunner.Running, contain text: String, times: Int = 1, within seconds: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if running.errors().components(separatedBy: text).count - 1 >= times { return true }
            if !running.process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return running.errors().components(separatedBy: text).count - 1 >= times
    }

    /// Waits (bounded) for `running` to exit; its status, or nil if it is still running.
    private func awaitExit(_ running: ProcessRunner.Running, within seconds: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while running.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !running.process.isRunning else { return nil }
        running.process.waitUntilExit()
        return running.process.terminationStatus
    }

    @Test func subscribeReconnectsWhenNexdRestartsAndPrintsWhatComesAfter() throws {
        let workspace = try Workspace()
        let (first, server) = try startDaemon(workspace)
        // The restarted nexd must listen where the subscriber dials: pin the port it picked.
        let port = try #require(server.split(separator: ":").last)
        let configPath = workspace.path + "/Config/nexd.yaml"
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
        // The first `port: 0` is listen's (the metrics endpoint's comes later and keeps picking a free port).
        let listenPort = try #require(config.range(of: "  port: 0 "))
        try config.replacingCharacters(in: listenPort, with: "  port: \(port) ").write(toFile: configPath, atomically: true, encoding: .utf8)

        let subscriber = try ProcessRunner.start(
            "nex", ["subscribe", "notice.>", "--node", "bcp.rw.rusumo", "--server", server, "--count", "1", "--timeout", "15",
                    "--max-retry-delay", "0.5"],
            in: workspace.path)
        defer { _ = subscriber.terminate() }
        #expect(awaitErrors(subscriber, contain: "subscribed to notice.>"), "\(subscriber.errors())")
        #expect(first.terminate() == 0)
        #expect(awaitErrors(subscriber, contain: "nex subscribe: connection lost (shutting-down"), "\(subscriber.errors())")
        #expect(awaitErrors(subscriber, contain: "nex subscribe: cannot connect ("), "\(subscriber.errors())")
        #expect(subscriber.process.isRunning)

        let (second, again) = try startDaemon(workspace)
        defer { _ = second.terminate() }
        #expect(again == server)
        #expect(awaitErrors(subscriber, contain: "subscribed to notice.>", times: 2), "\(subscriber.errors())")
        let published = try ProcessRunner.run(
            "nex", ["publish", "Config/examples/red.json", "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--server", server],
            in: workspace.path)
        #expect(published.status == 0, "\(published.standardError)")
        #expect(awaitExit(subscriber, within: 10) == 0, "\(subscriber.errors())")
        #expect(subscriber.output().hasPrefix("delivery 1 from gs.fr.lyon · topic notice.red.rw · kind red"), "\(subscriber.output())")
        #expect(subscriber.errors().contains("nex subscribe: 1 delivery, 0 duplicates dropped, 2 sessions"), "\(subscriber.errors())")
    }

    @Test func subscribeStopsAtOnceWhenTheNodeIsRevokedOrNotPermitted() throws {
        let workspace = try Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        #expect(try ProcessRunner.run("nex", ["pki", "revoke", "bcp.ke.busia"], in: workspace.path).status == 0)
        let (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let started = Date()
        let result = try ProcessRunner.run("nex", ["subscribe", "notice.>", "--node", "bcp.ke.busia", "--server", server], in: workspace.path,
                                           timeout: 15)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(result.standardError.contains("nex subscribe: nexd refused bcp.ke.busia for good: TLS alert certificate revoked (44); not retrying"),
                "\(result.standardError)")
        #expect(!result.standardError.contains("reconnecting"))

        // A subscription the node's permissions do not allow is refused for good too (README).
        let denied = try ProcessRunner.run("nex", ["subscribe", "hit.rw", "--node", "bcp.rw.rusumo", "--server", server], in: workspace.path,
                                           timeout: 15)
        #expect(denied.status == 1, "\(denied.standardError)")
        #expect(denied.standardError.contains(
            "nex subscribe: nexd refused bcp.rw.rusumo for good: permission-denied: bcp.rw.rusumo (bcp): no subscribe rule covers hit.rw; not retrying"),
                "\(denied.standardError)")
        #expect(!denied.standardError.contains("reconnecting"))
    }

    /// Two `nex subscribe --durable` of one node on one inbox: the second takes it over, and the
    /// first stops for good instead of taking it back (they would trade it forever).
    @Test func aDurableSubscriberWhoseInboxIsTakenOverStops() throws {
        let workspace = try Workspace()
        let (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let arguments = ["subscribe", "notice.>", "--node", "bcp.ke.busia", "--server", server, "--durable", "--inbox", "watch",
                         "--timeout", "15", "--max-retry-delay", "0.5"]
        let first = try ProcessRunner.start("nex", arguments, in: workspace.path)
        defer { _ = first.terminate() }
        #expect(awaitErrors(first, contain: "attached to inbox watch of bcp.ke.busia"), "\(first.errors())")
        let second = try ProcessRunner.start("nex", arguments, in: workspace.path)
        defer { _ = second.terminate() }
        #expect(awaitExit(first, within: 10) == 1, "\(first.errors())")
        #expect(first.errors().contains("inbox taken over by another connection of this node"), "\(first.errors())")
        #expect(first.errors().contains("not retrying"), "\(first.errors())")
        #expect(awaitErrors(second, contain: "attached to inbox watch of bcp.ke.busia"), "\(second.errors())")
        #expect(second.process.isRunning, "\(second.errors())")
        // Children of the test runner may inherit a blocked SIGTERM: do not wait the default 10 s.
        _ = second.terminate(timeout: 0.5)
    }

    @Test func subscribeWithNoReconnectExitsWhenNexdStops() throws {
        let workspace = try Workspace()
        let (daemon, server) = try startDaemon(workspace)
        let subscriber = try ProcessRunner.start(
            "nex", ["subscribe", "notice.>", "--node", "bcp.rw.rusumo", "--server", server, "--no-reconnect"], in: workspace.path)
        defer { _ = subscriber.terminate() }
        #expect(awaitErrors(subscriber, contain: "subscribed to notice.>"), "\(subscriber.errors())")
        #expect(daemon.terminate() == 0)
        #expect(awaitExit(subscriber, within: 10) == 1, "\(subscriber.errors())")
        #expect(subscriber.errors().contains("nex subscribe: nexd closed the connection: shutting-down"), "\(subscriber.errors())")
        #expect(!subscriber.errors().contains("reconnecting"))
    }

    /// Nothing listening: it keeps trying with growing delays, and --timeout still bounds the run.
    @Test func subscribeRetriesAnAbsentNexdUntilItsTimeout() throws {
        let workspace = try Workspace()
        #expect(try ProcessRunner.run("nex", ["pki", "init"], in: workspace.path).status == 0)
        let started = Date()
        let result = try ProcessRunner.run(
            "nex", ["subscribe", "notice.>", "--node", "bcp.rw.rusumo", "--server", "127.0.0.1:1", "--timeout", "2"], in: workspace.path,
            timeout: 15)
        #expect(result.status == 4, "\(result.standardError)")
        #expect(Date().timeIntervalSince(started) < 8)
        #expect(result.standardError.contains("nex subscribe: cannot connect (cannot connect to 127.0.0.1:1: Connection refused"), "\(result.standardError)")
        #expect(result.standardError.contains("reconnecting in "))
        #expect(result.standardError.contains("(attempt 2)"), "\(result.standardError)")
        #expect(result.standardError.contains("nex subscribe: no delivery for 2 s"))

        let once = try ProcessRunner.run(
            "nex", ["subscribe", "notice.>", "--node", "bcp.rw.rusumo", "--server", "127.0.0.1:1", "--no-reconnect"], in: workspace.path)
        #expect(once.status == 3, "\(once.standardError)")
        #expect(!once.standardError.contains("reconnecting"))
    }
}
