import ArgumentParser
import Foundation
import NexNotices

/// `nex notice update|cancel|withdraw`: follow-ups to an accepted record (D57).
extension NoticeCommand {
    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a new version of an accepted notice, alert, diffusion or lost/stolen document record.",
            discussion: """
                FILE is the whole new document, of the original's kind. The General Secretariat updates \
                notices and alerts; an NCB updates its own diffusions. nexd checks --version (the \
                original is version 1; its refusal names the version expected) and delivers the update \
                to every node that holds the original. Exit status as for `nex publish`.
                Example: nex notice update 0190c2a4-… red-v2.json --node gs.fr.lyon --topic notice.red.rw
                """)

        @Argument(help: "The original's message id.")
        var original: String
        @Argument(help: "The new document (JSON file).")
        var file: String
        @Option(name: .long, help: "The new version: the current version + 1 (default 2).")
        var version: Int = 2
        @OptionGroup var followUp: FollowUpOptions
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            try FollowUpOptions.checkOriginal(original)
            guard version >= 2 else { throw ValidationError("--version must be at least 2 (the original is version 1)") }
        }

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let document = [UInt8](data)
            if let syntax = NoticeValidator.syntaxViolation(in: document) {
                throw ValidationError("invalid document \(file): \(syntax)")
            }
            let reason = try followUp.checkedReason(fallback: .other)
            let text = followUp.reasonText ?? (followUp.reason == nil ? "new version of the document" : nil)
            let payload = FollowUpOptions.document(kind: .update, original: original, reason: reason, reasonText: text,
                                                   version: version, document: document)
            try FollowUpPublisher.publish(payload, kind: .update, topic: try followUp.originalTopic(of: original),
                                          connection: connection, json: followUp.json)
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel an accepted notice, alert, diffusion or lost/stolen document record.",
            discussion: """
                The General Secretariat cancels notices and alerts (on the owner NCB's request); an NCB \
                cancels its own diffusions. Every node that holds the original receives the cancellation, \
                offline border posts through their durable inboxes. Nothing follows a cancelled record.
                Example: nex notice cancel 0190c2a4-… --node gs.fr.lyon --topic notice.red.rw --reason arrest
                """)

        @Argument(help: "The original's message id.")
        var original: String
        @OptionGroup var followUp: FollowUpOptions
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            try FollowUpOptions.checkOriginal(original)
            _ = try followUp.checkedReason(fallback: nil)
        }

        func run() throws {
            try followUp.publishWithoutDocument(.cancel, original: original, connection: connection)
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a request (request.*) your NCB made.",
            discussion: """
                Only the requesting NCB withdraws its request; a notice is cancelled by the General \
                Secretariat instead (`nex notice cancel`).
                Example: nex notice withdraw 0190c2a4-… --node ncb.rw.kigali --topic request.red.rw --reason request-withdrawn
                """)

        @Argument(help: "The request's message id.")
        var original: String
        @OptionGroup var followUp: FollowUpOptions
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            try FollowUpOptions.checkOriginal(original)
            _ = try followUp.checkedReason(fallback: nil)
        }

        func run() throws {
            try followUp.publishWithoutDocument(.withdraw, original: original, connection: connection)
        }
    }
}
