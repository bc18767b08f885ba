import Foundation
import NexNotices
import Testing

/// The example documents in Config/examples and their index, examples.json.
@Suite struct ExampleDocumentTests {
    static let examplesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Config/examples")

    struct Entry: Decodable, Sendable, CustomTestStringConvertible {
        var file: String
        var node: String
        var topic: String
        var allowedCountries: [String]
        var deniedCountries: [String]
        var description: String
        var testDescription: String { file }
    }

    static let entries: [Entry] = {
        let data = try! Data(contentsOf: examplesDirectory.appendingPathComponent("examples.json"))
        return try! JSONDecoder().decode([Entry].self, from: data)
    }()

    static let roster = [
        "gs.fr.lyon", "ncb.rw.kigali", "ncb.ug.kampala", "ncb.ke.nairobi", "ncb.tz.dar-es-salaam",
        "ncb.bi.bujumbura", "ncb.ss.juba", "ncb.et.addis-ababa", "ncb.cd.kinshasa", "rb.ke.nairobi",
        "bcp.rw.rusumo", "bcp.rw.gatuna", "bcp.ke.busia", "bcp.ke.malaba", "bcp.ke.namanga",
        "bcp.rw.kigali-airport", "cyber.rw.kigali",
    ]

    static func kind(ofFile file: String) throws -> NoticeKind {
        let data = try Data(contentsOf: examplesDirectory.appendingPathComponent(file))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let kind = (object?["kind"] as? String).flatMap(NoticeKind.init(rawValue:))
        return try #require(kind, "\(file) has no known kind")
    }

    @Test func everyExampleFileIsIndexed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examplesDirectory.path)
            .filter { $0.hasSuffix(".json") && $0 != "examples.json" }
        #expect(Set(files) == Set(Self.entries.map(\.file)))
        #expect(Self.entries.count == Set(Self.entries.map(\.file)).count)
    }

    @Test func everyKindHasAnExample() throws {
        let kinds = try Set(Self.entries.map { try Self.kind(ofFile: $0.file) })
        // Follow-ups name an original's id, so they are not standalone examples (Config/examples/follow-ups/).
        #expect(kinds == Set(NoticeKind.allCases.filter { !$0.isFollowUp }))
        for kind in NoticeKind.allCases where kind != .diffusion && kind != .hit && !kind.isFollowUp {
            #expect(FileManager.default.fileExists(atPath: Self.examplesDirectory.appendingPathComponent("\(kind.rawValue).json").path))
        }
    }

    @Test(arguments: entries)
    func exampleValidatesAsItsKind(_ entry: Entry) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.examplesDirectory.appendingPathComponent(entry.file)))
        let kind = try Self.kind(ofFile: entry.file)
        #expect(NoticeValidator.validate(bytes, as: kind) == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["fictional"] as? Bool == true)
    }

    /// The publisher, topic and restrictions follow the permission rules of the topic taxonomy.
    @Test(arguments: entries)
    func entryFollowsThePermissionRules(_ entry: Entry) throws {
        let kind = try Self.kind(ofFile: entry.file)
        #expect(Self.roster.contains(entry.node))
        let node = entry.node.split(separator: ".").map(String.init)
        let topic = entry.topic.split(separator: ".").map(String.init)
        let restrictions = entry.allowedCountries + entry.deniedCountries
        #expect(restrictions.allSatisfy { $0.count == 2 && $0 == $0.lowercased() })
        switch topic[0] {
        case "request":
            #expect(node[0] == "ncb" && topic.count == 3 && topic[1] == kind.rawValue && topic[2] == node[1])
        case "notice":
            #expect(entry.node == "gs.fr.lyon" && topic.count == 3 && topic[1] == kind.rawValue)
            #expect(kind != .diffusion && kind != .hit)
        case "diffusion":
            #expect(kind == .diffusion && node[0] == "ncb" && topic == ["diffusion", node[1]])
            #expect(!entry.allowedCountries.isEmpty)
        case "hit":
            // hit.<owner-country>.<check-country>: the check is the border post's own country (D60).
            #expect(kind == .hit && node[0] == "bcp" && topic.count == 3 && topic[2] == node[1])
        case "alert":
            #expect(node[0] == "cyber" && (kind == .purple || kind == .orange) && topic.count == 3)
            #expect(["terrorism", "cbrne", "cyber", "pharma"].contains(topic[1]))
        case "decision":
            #expect(entry.node == "gs.fr.lyon" && kind == .decision && topic.count == 2)
        case "reply":
            // reply.<check-country>, from an NCB, to the one border post that reported the hit (D63).
            #expect(kind.isReplyToHit && node[0] == "ncb" && topic.count == 2)
        case "sltd":
            // sltd.<issuing-country>, from that country's NCB (D62).
            #expect(kind == .sltd && node[0] == "ncb" && topic == ["sltd", node[1]])
        default:
            Issue.record("unknown topic root in \(entry.topic)")
        }
    }

    @Test func diffusionGoesToUgandaAndKenya() throws {
        let entry = try #require(Self.entries.first { $0.file == "diffusion.json" })
        #expect(entry.node == "ncb.rw.kigali" && entry.topic == "diffusion.rw")
        #expect(entry.allowedCountries == ["ug", "ke"])
    }
}
