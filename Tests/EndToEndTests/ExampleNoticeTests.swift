import Foundation
import NexAudit
import NexClient
import NexConfig
import NexNotices
import NexServer
import NexSync
import NexWire
import Testing

/// Every example in Config/examples is accepted by nexd, under the shipped roster and permissions,
/// when its named node publishes it on its named topic, in index order (the decision and the hit
/// name the request and the notice published before them by the ids the index gives); a broken
/// document is refused naming the field.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ExampleNoticeTests {
    struct Example: Decodable {
        var file: String
        var node: String
        var topic: String
        var allowedCountries: [String]
        var deniedCountries: [String]
        /// The id the example is published with, when another example names it (the request the
        /// red notice answers and the decision decides; the notice the decision and the hit name, D60).
        var messageID: String?
        /// An answer to a hit names the border post it goes to (D63).
        var allowedNodes: [String]?
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func shippedDaemon() throws -> TestDaemon {
        let shipped = try DaemonConfiguration.load(path: root.appendingPathComponent("Config/nexd.yaml").path)
        return try TestDaemon { configuration in
            configuration.roster = shipped.roster
            configuration.permissions = shipped.permissions
        }
    }

    @Test func everyExampleIsAcceptedFromItsNode() throws {
        let nexd = try Self.shippedDaemon()
        defer { nexd.remove() }
        let index = try JSONDecoder().decode([Example].self, from: Data(contentsOf: Self.root.appendingPathComponent("Config/examples/examples.json")))
        #expect(Set(index.map(\.file)).isSuperset(of: NoticeKind.allCases.filter { !$0.isFollowUp }.map { "\($0.rawValue).json" }))
        for example in index {
            var document = try Data(contentsOf: Self.root.appendingPathComponent("Config/examples/" + example.file))
            let kind = try #require((try JSONSerialization.jsonObject(with: document) as? [String: Any])?["kind"] as? String)
            let now = WallClock.nowMillis()
            if kind == "hit" {
                // A hit older than limits.hitMaxAgeSeconds is refused (D55), and so is one observed
                // before the notice it matched was accepted (D60): the example's date becomes now.
                let text = String(decoding: document, as: UTF8.self)
                let observed = try #require(text.range(of: #""observed_at": "[^"]*""#, options: .regularExpression))
                document = Data(text.replacingCharacters(in: observed, with: "\"observed_at\": \"\(Timestamp.format(millis: now))\"").utf8)
            }
            let credentials = try nexd.credentials(example.node)
            let connection = try nexd.connect(credentials)
            let envelope = Envelope(
                messageID: example.messageID.flatMap(MessageID.init(string:)) ?? .random(), sender: example.node, topic: example.topic, kind: kind, issuedAtMillis: now,
                allowedCountries: example.allowedCountries, deniedCountries: example.deniedCountries, allowedNodes: example.allowedNodes ?? [],
                payload: [UInt8](document))
            let outcome = try connection.publish(try NoticeSigner.sign(envelope, with: credentials.key))
            if case .refused(let nack) = outcome {
                Issue.record("\(example.file) from \(example.node) on \(example.topic) refused: \(nack.code.name): \(nack.reason)")
            }
            connection.close()
        }
    }

    @Test func anInvalidDocumentIsRefusedNamingTheField() throws {
        let nexd = try Self.shippedDaemon()
        defer { nexd.remove() }
        let (gs, credentials) = try nexd.connect(as: "gs.fr.lyon")
        let broken = NoticeTemplate.document(for: .red).replacingOccurrences(of: "\"family_name\"", with: "\"family\"")
        guard case .refused(let nack) = try gs.publish(try signedNotice(from: credentials, topic: "notice.red.rw", payload: broken)) else {
            Issue.record("accepted a red notice without a family name")
            return
        }
        #expect(nack.code == .invalidNotice)
        #expect(nack.reason.contains("subject.family_name"))
        let record = try nexd.awaitRecord { $0.event == "publish" && $0.string("reason") == "invalid-notice" }
        #expect(record?.string("detail")?.contains("subject.family_name") == true)
    }
}
