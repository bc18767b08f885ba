import ArgumentParser
import Foundation
import NexClient
import NexConfig
import NexNotices
import NexSync
import NexWire

/// `nex publish`: sign a notice document as a node and publish it.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign a notice (a JSON document) as a node and publish it; print the ACK or the NACK.",
        discussion: """
            The document is carried as-is (its bytes are signed, never re-serialized). The kind comes \
            from --kind or the document's "kind" member. Exit status: 0 accepted, 1 refused (NACK), \
            3 connection or TLS failure, 64 usage (bad option, unreadable or malformed document, node not on \
            the roster). With --batch N the notices are signed in batches of N: one signature over the \
            root of each batch's Merkle tree, each notice sent on its own with its inclusion proof \
            (capability batch.1, docs/PROTOCOL.md §3 "Batch signatures"); nexd checks each batch's \
            signature once and each notice's proof with hashes, and answers each notice on its own.
            Example: nex publish Config/examples/red.json --node gs.fr.lyon --topic notice.red.rw
            """
    )

    @Argument(help: "Notice document (JSON file).")
    var file: String

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Publish topic: lowercase dot-separated tokens, no wildcards (e.g. notice.red.rw).")
    var topic: String

    @Option(name: .long, help: "Notice kind (red, yellow, blue, black, green, orange, purple, silver, un-special, diffusion, sltd, hit, decision, hit-ack, action-request).")
    var kind: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Countries allowed to receive it (ISO 3166 alpha-2).")
    var allowCountry: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Countries that must not receive it (denied wins).")
    var denyCountry: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Nodes allowed to receive it, by id (in addition to allowed countries).")
    var allowNode: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Nodes that must not receive it, by id (denied wins).")
    var denyNode: [String] = []

    @Option(name: .long, help: "Publish the document this many times (new message ids), sequentially, and print the rate.")
    var count: Int = 1

    @Option(name: .long, help: "With --count: how many publishes may await their ACK at once.")
    var inFlight: Int = 1

    @Option(name: .long, help: "Sign the notices in batches of this many (1-4096; one signature per batch, capability batch.1). Default: one signature per notice.")
    var batch: Int?

    @Flag(name: .long, help: "Print the outcome as JSON.")
    var json = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard inFlight >= 1 else { throw ValidationError("--in-flight must be at least 1") }
        if let batch, !(1...Int(BatchSeal.maximumBatchSize)).contains(batch) {
            throw ValidationError("--batch must be 1-\(BatchSeal.maximumBatchSize)")
        }
        for country in allowCountry + denyCountry where !RosterEntry.isValidCountry(country) {
            throw ValidationError("\"\(country)\" is not a country code: use lowercase ISO 3166 alpha-2, e.g. ug")
        }
        for node in allowNode + denyNode where !RosterEntry.isValidID(node) {
            throw ValidationError("\"\(node)\" is not a node id (lowercase tokens joined by dots, e.g. ncb.ug.kampala)")
        }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        let payload = [UInt8](data)
        if let syntax = NoticeValidator.syntaxViolation(in: payload) {
            throw ValidationError("invalid notice \(file): \(syntax) (as `nex notice check \(file)` says)")
        }
        guard let kind = kind ?? documentKind(data) else {
            throw ValidationError("give --kind, or a \"kind\" member in \(file)")
        }
        let (credentials, client) = try connection.connectForPublishing(as: "nex publish", capabilities: batch == nil ? [] : [Capability.batch])
        defer { client.close() }
        if batch != nil, !client.welcome.capabilities.contains(Capability.batch) {
            FileHandle.standardError.write(Data("nex publish: this nexd does not offer \(Capability.batch) (batch signatures); publish without --batch\n".utf8))
            throw ExitCode(3)
        }
        // Sign everything first, so a --count loop measures nexd rather than this client's signing.
        let envelopes = (0..<count).map { _ in
            Envelope(messageID: .random(), sender: connection.node, topic: topic, kind: kind,
                     issuedAtMillis: WallClock.nowMillis(), allowedCountries: allowCountry, deniedCountries: denyCountry,
                     allowedNodes: allowNode, deniedNodes: denyNode, payload: payload)
        }
        let notices = try NoticeSigner.sign(envelopes, batch: batch, with: credentials.key)
        let isRestricted = !(allowCountry.isEmpty && denyCountry.isEmpty && allowNode.isEmpty && denyNode.isEmpty)
        let started = ContinuousClock.now
        var last: PublishOutcome?
        var sent = 0
        var answered = 0
        while answered < notices.count {
            while sent < notices.count, sent - answered < inFlight {
                try client.send(.publish(envelope: notices[sent].wireBytes))
                sent += 1
            }
            let outcome = try client.awaitFrame(timeout: .seconds(30)) { frame -> PublishOutcome? in
                switch frame {
                case .ack(let ack): .accepted(ack)
                case .nack(let nack): .refused(nack)
                default: nil
                }
            }
            answered += 1
            last = outcome
            if case .refused = outcome { break }
        }
        let elapsed = ContinuousClock.now - started
        switch last {
        case .accepted(let ack):
            if json {
                print(#"{"outcome":"accepted","msg":"\#(ack.messageID)","auditSeq":\#(ack.auditSequence),"duplicate":\#(ack.isDuplicate),"restricted":\#(isRestricted)}"#)
            } else {
                // The ACK does not say whom the restrictions kept out (that would tell the publisher
                // who is connected, D33); the routing record in the audit log names them.
                let restricted = isRestricted ? " · restricted: the audit log's routing record names any subscriber withheld" : ""
                print("accepted: msg \(ack.messageID) audit-seq \(ack.auditSequence)\(restricted)")
            }
            if count > 1 {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let signing = batch.map { " · batches of \($0): \((count + $0 - 1) / $0) signatures" } ?? ""
                print(String(format: "published %d notices in %.3f s: %.0f publish→ACK per second (%d in flight)",
                             count, seconds, Double(count) / seconds, inFlight) + signing)
            }
        case .refused(let nack):
            if json {
                print(#"{"outcome":"refused","msg":"\#(nack.messageID)","code":"\#(nack.code.name)","reason":\#(jsonString(nack.reason))}"#)
            } else {
                print("refused: \(nack.code.name): \(nack.reason)")
            }
            throw ExitCode(1)
        case nil:
            break
        }
    }

    private func documentKind(_ data: Data) -> String? {
        (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["kind"] as? String
    }
}

/// A JSON string literal for `text`.
func jsonString(_ text: String) -> String {
    let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
    return data.flatMap { String(data: $0, encoding: .utf8) }.map { String($0.dropFirst().dropLast()) } ?? "\"\""
}
