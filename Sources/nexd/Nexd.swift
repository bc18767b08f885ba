import ArgumentParser
import Logging
import NexConfig
import NexServer

/// `nexd`: the NoticeExchange daemon.
@main
struct Nexd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nexd",
        abstract: "NoticeExchange daemon: verifies, routes and audits signed notices over mutual TLS 1.3.",
        discussion: """
            Run from the repository root, nexd reads Config/nexd.yaml. With development.createMissingPKI \
            set (the default config does), a missing development PKI is created under Certs/dev first, \
            only when that directory is empty or absent; an existing CA is never replaced.
            Stop it with Ctrl-C (SIGINT) or SIGTERM: connections close and the audit log is synced.
            """,
        version: NexVersion.current
    )

    @Option(name: .long, help: "Config file to read.")
    var config: String = DaemonConfiguration.defaultPath

    @Flag(name: .long, help: "Validate the config (and that its TLS files load), print a summary and exit.")
    var checkConfig = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    /// How log lines are written.
    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: .long, help: "Log format: text (one readable line per event) or json (one JSON object per line, the same fields).")
    var logFormat: LogFormat = .text

    func run() throws {
        LoggingSystem.bootstrap { [logLevel, logFormat] label in
            switch logFormat {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = logLevel
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = logLevel
                return handler
            }
        }
        let logger = Logger(label: "nexd")
        do {
            let outcome = try DaemonRunner.run(configPath: config, checkOnly: checkConfig, logger: logger)
            if case .checked(let summary) = outcome { print(summary) }
        } catch let error as ConfigurationError {
            logger.critical("invalid configuration", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        } catch {
            logger.critical("nexd cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
