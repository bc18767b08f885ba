import ArgumentParser
import NexAudit

/// `nex audit query`.
struct AuditQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List the records that match every filter given.",
        discussion: """
            With --msg the message index is used (built or updated first; see --index-dir); other filters scan the log. \
            --received-by NODE answers "what did NODE receive?": the routes that delivered to it and its receipts; \
            a receipt's row shows the message ids it confirms and their topic. --waiting NODE answers "what is still \
            waiting for NODE?": per durable inbox, the messages not yet receipted nor expired (queued time, topic, \
            kind) and a count (--json: one object). Text from the log is printed \
            with control characters escaped as \\u{HEX}; --json prints the stored lines.
            """
    )

    @OptionGroup var directory: AuditDirectoryOptions
    @OptionGroup var filters: AuditFilterOptions
    @OptionGroup var index: AuditIndexOptions

    @Option(name: .long, help: "Output: table (aligned, default), json (the stored JSON lines) or csv.")
    var format: AuditOutputFormat = .table
    @Flag(name: .long, help: "Same as --format json.")
    var json = false
    @Flag(name: .long, help: "Same as --format csv.")
    var csv = false
    @Option(name: .long, help: "Stop after this many records.")
    var limit: Int?
    @Flag(name: .long, help: "Scan the log even for --msg (no index).")
    var noIndex = false
    @Option(name: .long, help: ArgumentHelp("What is still waiting for this node in its durable inboxes (other filters do not apply).", valueName: "node"))
    var waiting: String?

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if waiting != nil, csv || format == .csv {
            throw ValidationError("--waiting prints a table or, with --json, one object; drop --csv")
        }
    }

    func run() throws {
        if let waiting {
            var names = filters
            names.node = [waiting]
            try names.checkNames(directory: directory.dir)
            let answer = try AuditWaiting(directory: directory.dir, node: waiting, usesIndex: !noIndex, indexDirectory: index.indexDir)
            if json || format == .json { print(AuditWaitingText.json(answer)) } else { print(AuditWaitingText.text(answer), terminator: "") }
            return
        }
        try filters.checkNames(directory: directory.dir)
        let chosen: AuditOutputFormat = json ? .json : csv ? .csv : format
        var records: [AuditRecord] = []
        try filters.query.run(directory: directory.dir, usesIndex: !noIndex, indexDirectory: index.indexDir, warn: AuditIndexOptions.warn) { record in
            records.append(record)
            return limit.map { records.count < $0 } ?? true
        }
        let topics = chosen == .json ? [:] : try topicsOfReceipts(records)
        AuditRecordTable.print(records, format: chosen, topic: { topics[$0] })
    }

    /// The topic of every message the receipts among `records` confirm: from the publish and route
    /// records in `records`, else from the message index (unless --no-index).
    private func topicsOfReceipts(_ records: [AuditRecord]) throws -> [String: String] {
        var topics: [String: String] = [:]
        for record in records { if let id = record.string("msg"), let topic = record.string("topic") { topics[id] = topic } }
        let missing = Set(records.flatMap { $0.strings("received") }).subtracting(topics.keys)
        guard !missing.isEmpty, !noIndex else { return topics }
        let index = AuditIndex(directory: directory.dir)
        for id in missing.sorted() {
            if let topic = try index.records(message: id).lazy.compactMap({ $0.string("msg") == id ? $0.string("topic") : nil }).first {
                topics[id] = topic
            }
        }
        return topics
    }
}
