import Dispatch
import Foundation
import Logging
import NexConfig
import NexPKI
import NexSync

#if canImport(Glibc)
import Glibc
#endif

/// Runs nexd as a process: config, development PKI, daemon, signals. Lives outside `main.swift`
/// so its Dispatch handlers are not main-actor isolated (they would trap when they fire).
public enum DaemonRunner {
    /// What a run ended with.
    public enum Outcome: Sendable {
        /// `--check-config`: the summary to print.
        case checked(String)
    }

    /// Loads the config, prepares the PKI, starts the daemon and never returns (until a signal
    /// stops it, which exits the process), unless `checkOnly`.
    /// - Throws: ``ConfigurationError`` or ``DaemonError``.
    public static func run(configPath: String, checkOnly: Bool, logger: Logger) throws -> Outcome {
        let configuration = try DaemonConfiguration.load(path: configPath)
        if checkOnly {
            let missing = missingTLSFiles(configuration)
            let roster = "\(configuration.roster.entries.count) roster nodes" + (configuration.rosterFile.map { " from \($0)" } ?? "")
            try checkRevocationListIsNotLost(configuration, missing: missing)
            if !missing.isEmpty, configuration.development.createMissingPKI {
                return .checked("\(configPath): OK (\(roster); the development PKI is missing and would be created in \(configuration.development.pki) on start)")
            }
            _ = try NexDaemon.tlsContextCheck(configuration)
            return .checked("\(configPath): OK (\(roster), listen \(configuration.listen.host):\(configuration.listen.port), audit \(configuration.audit.directory))")
        }
        // Signals are caught from here on: nexd writes its pid (nexd.lock) before it listens, and a
        // SIGHUP sent then (`nex pki revoke --reload`) must not kill it with the default action.
        let running = Locked<RunState>(RunState())
        let signalSources = installSignalHandlers(running, logger: logger)
        try prepareDevelopmentPKI(configuration, logger: logger)
        signal(SIGPIPE, SIG_IGN)
        raiseOpenFileLimit(configuration, logger: logger)
        let daemon = try NexDaemon(configuration: configuration, logger: logger)
        try daemon.start()
        let pending = running.withLock { state in
            state.daemon = daemon
            return (state.stopRequested, state.reloadRequested)
        }
        if let stopSignal = pending.0 {
            stopAndExit(daemon, signal: stopSignal, logger: logger)
        } else if pending.1 {
            logger.notice("reloading the configuration (SIGHUP arrived during start-up)")
            daemon.reload()
        }
        withExtendedLifetime(signalSources) { dispatchMain() }
    }

    /// What the signal handlers act on: the daemon once it runs, or what arrived before.
    private struct RunState {
        var daemon: NexDaemon?
        var stopRequested: Int32?
        var reloadRequested = false
    }

    private static func missingTLSFiles(_ configuration: DaemonConfiguration) -> [String] {
        ([configuration.tls.ca, configuration.tls.certificate, configuration.tls.key]
            + configuration.tls.crl)
            .filter { access($0, F_OK) != 0 }
    }

    /// A CA without its revocation list is an error, whatever `createMissingPKI` says: a new empty
    /// list would un-revoke every certificate revoked so far.
    private static func checkRevocationListIsNotLost(_ configuration: DaemonConfiguration, missing: [String]) throws {
        let tls = configuration.tls
        guard let crl = tls.crl.first(where: missing.contains), !missing.contains(tls.ca) else { return }
        let message = DevelopmentPKI.missingRevocationListMessage(
            crlPath: crl, caPath: tls.ca, pkiDirectory: (crl as NSString).deletingLastPathComponent)
        throw DaemonError("\(message) (\(configuration.sourcePath): tls.crl)")
    }

    /// Creates the development PKI when the TLS files are missing and the config allows it, and
    /// only in an empty directory: nexd never replaces a CA nor re-creates a lost revocation list.
    private static func prepareDevelopmentPKI(_ configuration: DaemonConfiguration, logger: Logger) throws {
        let missing = missingTLSFiles(configuration)
        guard !missing.isEmpty else { return }
        try checkRevocationListIsNotLost(configuration, missing: missing)
        guard configuration.development.createMissingPKI else {
            throw DaemonError("TLS files missing: \(missing.joined(separator: ", ")) (\(configuration.sourcePath): tls). Create them, or run `nex pki init` for a development PKI")
        }
        let pki = DevelopmentPKI(directory: configuration.development.pki)
        let summary: DevelopmentPKI.Summary
        let nodes = configuration.roster.entries.count
        logger.notice("creating a development PKI: a CA, nexd's and the audit identities, and one certificate per roster node", metadata: [
            "pki.dir": "\(pki.directory)", "pki.nodes": "\(nodes)",
        ])
        do {
            // Progress every 50 nodes: a roster of a region (~200 nodes) takes a few seconds.
            summary = try pki.createInEmptyDirectory(nodeIDs: configuration.roster.entries.map(\.id)) { done, total in
                if done % 50 == 0, done < total {
                    logger.info("development PKI: node certificates issued", metadata: ["pki.done": "\(done)", "pki.nodes": "\(total)"])
                }
            }
        } catch let error as PKIError {
            throw DaemonError("TLS files missing: \(missing.joined(separator: ", ")) (\(configuration.sourcePath): tls); \(error.message)")
        }
        logger.notice("created a development PKI: FOR DEVELOPMENT ONLY, with unencrypted keys and a CA nothing else should trust (development.createMissingPKI is true)", metadata: [
            "pki.dir": "\(pki.directory)", "pki.files": "\(summary.writtenFiles.count)",
            "pki.nodes": "\(configuration.roster.entries.count)",
        ])
        let stillMissing = missingTLSFiles(configuration)
        guard stillMissing.isEmpty else {
            throw DaemonError("created a development PKI in \(pki.directory), but tls files \(stillMissing.joined(separator: ", ")) are elsewhere (\(configuration.sourcePath): tls)")
        }
    }

    /// Raises the open-file soft limit to the hard limit: every connection is a descriptor.
    private static func raiseOpenFileLimit(_ configuration: DaemonConfiguration, logger: Logger) {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(resource, &limit)
            _ = getrlimit(resource, &limit)
        }
        // Descriptors beyond the connections: listener, audit segment, directory syncs, stdio.
        let needed = rlim_t(configuration.limits.maxConnections + 64)
        if limit.rlim_cur < needed {
            logger.warning("open-file limit is below limits.maxConnections; connections will be refused earlier", metadata: [
                "rlimit.nofile": "\(limit.rlim_cur)", "limits.maxConnections": "\(configuration.limits.maxConnections)",
            ])
        }
    }

    private static func installSignalHandlers(_ running: Locked<RunState>, logger: Logger) -> [DispatchSourceSignal] {
        let stops = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                let daemon = running.withLock { state -> NexDaemon? in
                    if state.daemon == nil { state.stopRequested = signalNumber }
                    return state.daemon
                }
                guard let daemon else {
                    logger.notice("signal received during start-up; stopping once started", metadata: ["signal": "\(signalNumber)"])
                    return
                }
                stopAndExit(daemon, signal: signalNumber, logger: logger)
            }
            source.activate()
            return source
        }
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        reload.setEventHandler {
            let daemon = running.withLock { state -> NexDaemon? in
                if state.daemon == nil { state.reloadRequested = true }
                return state.daemon
            }
            guard let daemon else { return }
            logger.notice("SIGHUP received; reloading the configuration")
            daemon.reload()
        }
        reload.activate()
        return stops + [reload]
    }

    /// How long a stop may take before nexd gives up waiting and exits with status 1 (a disk that
    /// hangs on fsync must not keep a stopping daemon alive forever).
    static let shutdownDeadline = DispatchTimeInterval.seconds(15)

    private static func stopAndExit(_ daemon: NexDaemon, signal signalNumber: Int32, logger: Logger) {
        logger.notice("signal received; stopping", metadata: ["signal": "\(signalNumber)"])
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            daemon.stop()
            stopped.signal()
        }
        guard stopped.wait(timeout: .now() + shutdownDeadline) == .success else {
            logger.critical("nexd did not stop within the shutdown deadline; exiting without a clean stop record")
            exit(1)
        }
        exit(0)
    }
}
