import ArgumentParser
import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexWire

/// `nex subscribe`: receive notices as a node, re-verifying every signature end to end.
struct SubscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Subscribe as a node and print each delivery, re-verifying the originator's signature.",
        discussion: """
            FILTER is a topic filter: `*` matches one token, `>` the rest (e.g. notice.>, hit.rw). \
            Each delivery shows the origin nexd asserts, the audit sequence and whether the signature \
            verified with the originator certificate fetched from nexd by fingerprint. That certificate \
            counts only if the CA of --ca issued it, it was valid when nexd accepted the notice and when \
            the notice was signed (its issued-at), it carries clientAuth, its key usage (if any) allows \
            digitalSignature and its CN is the sender; else the line says "signature NOT verified" \
            and why. Receipts are sent for every delivery. Runs until Ctrl-C, --count deliveries, or --timeout idle seconds.
            """
    )

    @Argument(help: "Topic filter.")
    var filter: String

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Exit after this many deliveries.")
    var count: Int?

    @Option(name: .long, help: "Exit (status 4) after this many seconds without a delivery.")
    var timeout: Int?

    @Flag(name: .long, help: "Print one JSON object per delivery.")
    var json = false

    @Option(name: .long, help: "Keep the newest signed audit checkpoint nexd sends in this file (a witness for `nex audit verify --witness`).")
    var witness: String?

    @Option(name: .long, help: "Audit certificate that verifies checkpoints (default: <pki>/audit.pem).")
    var auditCert: String?

    func run() throws {
        let client: NexConnection
        let credentials: NodeCredentials
        do {
            credentials = try connection.credentials()
            client = try connection.connect(credentials: credentials)
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("nex subscribe: \(error)\n".utf8))
            throw ExitCode(3)
        }
        defer { client.close() }
        if let witness {
            let keeper = try WitnessKeeper(path: witness, auditCertificatePath: auditCert ?? connection.pki + "/audit.pem")
            if let first = client.latestCheckpoint { keeper.offer(first) }
            client.onCheckpoint = { keeper.offer($0) }
        }
        if case .refused(let nack) = try client.subscribe(filter, id: 1) {
            FileHandle.standardError.write(Data("nex subscribe: refused: \(nack.code.name): \(nack.reason)\n".utf8))
            throw ExitCode(1)
        }
        if !json {
            FileHandle.standardError.write(Data("subscribed to \(filter) as \(client.welcome.nodeID) (\(client.welcome.role), \(client.welcome.country))\n".utf8))
        }
        var certificates: [[UInt8]: Certificate] = [:]
        var received = 0
        while count.map({ received < $0 }) ?? true {
            guard let delivery = try nextDelivery(client) else {
                FileHandle.standardError.write(Data("nex subscribe: no delivery for \(timeout ?? 0) s\n".utf8))
                throw ExitCode(4)
            }
            received += 1
            let certificate: Certificate?
            if let cached = certificates[delivery.certificateFingerprint] {
                certificate = cached
            } else {
                certificate = try client.fetchCertificate(fingerprint: delivery.certificateFingerprint)
                if let certificate { certificates[delivery.certificateFingerprint] = certificate }
            }
            // The CA this client trusts for nexd's certificate is the one that must have issued the
            // originator's: nexd's word on whose certificate this is counts for nothing.
            let verification = DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: credentials.trustRoots)
            let signed = try? SignedEnvelope(parsing: delivery.envelope)
            try client.sendReceipt(through: delivery.deliverySequence)
            // Unbuffered, so each delivery shows at once even when output goes to a file or pipe.
            FileHandle.standardOutput.write(Data((describe(delivery, signed, verification: verification) + "\n").utf8))
        }
    }

    /// The next delivery, or nil after `--timeout` idle seconds. Ends the command when nexd
    /// withdraws the subscription (after a reload) or closes the connection with an error frame.
    private func nextDelivery(_ client: NexConnection) throws -> Deliver? {
        enum Next { case delivery(Deliver), withdrawn(SubscribeNack) }
        let result = Result { () throws(ClientError) -> Next in
            try client.awaitFrame(timeout: .seconds(timeout ?? 1_000_000_000)) { frame -> Next? in
                switch frame {
                case .deliver(let deliver): .delivery(deliver)
                case .subnack(let nack): .withdrawn(nack)
                default: nil
                }
            }
        }
        switch result {
        case .success(.delivery(let delivery)):
            return delivery
        case .success(.withdrawn(let nack)):
            FileHandle.standardError.write(Data("nex subscribe: nexd withdrew the subscription: \(nack.code.name): \(nack.reason)\n".utf8))
            throw ExitCode(1)
        case .failure(let error) where error.code == .timedOut:
            return nil
        case .failure(let error):
            if case .refused = error.code {
                let detail = error.message.hasPrefix("nexd refused: ") ? String(error.message.dropFirst("nexd refused: ".count)) : error.message
                FileHandle.standardError.write(Data("nex subscribe: nexd closed the connection: \(detail)\n".utf8))
                throw ExitCode(1)
            }
            throw error
        }
    }

    private func describe(_ delivery: Deliver, _ signed: SignedEnvelope?, verification: DeliveryVerification) -> String {
        let envelope = signed?.envelope
        let payload = envelope.map { String(decoding: $0.payload, as: UTF8.self) } ?? ""
        let received = Timestamp.format(millis: Int64(delivery.receivedAtMillis))
        if json {
            let issued = envelope.map { Timestamp.format(millis: $0.issuedAtMillis) } ?? ""
            let fingerprint = SHA256Digest(bytes: delivery.certificateFingerprint)?.hex ?? ""
            return #"{"delivery":\#(delivery.deliverySequence),"subscriptions":\#(delivery.subscriptionIDs),"origin":\#(jsonString(delivery.originNode)),"msg":"\#(envelope?.messageID.description ?? "")","topic":\#(jsonString(envelope?.topic ?? "")),"kind":\#(jsonString(envelope?.kind ?? "")),"issuedAt":"\#(issued)","receivedAt":"\#(received)","auditSeq":\#(delivery.auditSequence),"cert":"\#(fingerprint)",\#(jsonFields(verification)),"payload":\#(jsonString(payload))}"#
        }
        // Another node wrote all of this: control characters are shown escaped, never interpreted
        // (in the JSON document as \uXXXX, so it still reads as the same JSON).
        let inert = TerminalText.inert
        return """
            delivery \(delivery.deliverySequence) from \(inert(delivery.originNode)) · topic \(inert(envelope?.topic ?? "?")) · kind \(inert(envelope?.kind ?? "?"))
              msg \(envelope?.messageID.description ?? "?") · audit-seq \(delivery.auditSequence) · received \(received) · \(inert(text(verification)))
            \(payload.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + TerminalText.inertJSON(String($0)) }.joined(separator: "\n"))
            """
    }

    /// `signature verified`, or `signature NOT verified: <reason>`.
    private func text(_ verification: DeliveryVerification) -> String {
        switch verification {
        case .verified: "signature verified"
        case .notVerified(let failure): "signature NOT verified: \(failure.reason)"
        }
    }

    /// `"signature":"verified"`, or `"signature":"not-verified","signatureProblem":CODE,"signatureReason":TEXT`.
    private func jsonFields(_ verification: DeliveryVerification) -> String {
        switch verification {
        case .verified:
            #""signature":"verified""#
        case .notVerified(let failure):
            #""signature":"not-verified","signatureProblem":"\#(failure.code.rawValue)","signatureReason":\#(jsonString(failure.reason))"#
        }
    }
}
