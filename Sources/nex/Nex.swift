import ArgumentParser
import NexConfig

/// `nex`: the NoticeExchange command-line tool.
@main
struct Nex: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nex",
        abstract: "NoticeExchange CLI: development PKI, node clients and the audit trail.",
        version: NexVersion.current,
        subcommands: [PKICommand.self, NoticeCommand.self, PublishCommand.self, SubscribeCommand.self, LoadCommand.self, AuditCommand.self, BiometricsCommand.self, NodeCommand.self, SimulateCommand.self]
    )
}
