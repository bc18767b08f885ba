import ArgumentParser
import NexAudit

/// `nex audit query`.
struct AuditQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List the records that match every filter given.",
        discussion: "With --msg the message index is used (built or updated first; see --index-dir); other filters scan the log."
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

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let chosen: AuditOutputFormat = json ? .json : csv ? .csv : format
        var records: [AuditRecord] = []
        try filters.query.run(directory: directory.dir, usesIndex: !noIndex, indexDirectory: index.indexDir, warn: AuditIndexOptions.warn) { record in
            records.append(record)
            return limit.map { records.count < $0 } ?? true
        }
        AuditRecordTable.print(records, format: chosen)
    }
}
