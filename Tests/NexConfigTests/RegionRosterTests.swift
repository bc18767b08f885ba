import Foundation
import NexNotices
import Testing
@testable import NexConfig

/// The region's roster (docs/REGION.md): generated from Config/region/*.csv, committed as
/// Config/roster.yaml, named by Config/nexd.yaml; 42+ countries, ~100 border posts, both sides of
/// every crossing. The generator's own tests (scripts/test_generate_roster.py) run here too.
@Suite struct RegionRosterTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func run(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python, "python3 is needed to run \(script)"))
        process.arguments = [root.appendingPathComponent(script).path] + arguments
        process.currentDirectoryURL = root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// The default config as nexd loads it from the repository root (the roster path made absolute,
    /// so the test does not depend on the working directory).
    static func defaultConfiguration() throws -> DaemonConfiguration {
        let text = try String(contentsOf: root.appendingPathComponent("Config/nexd.yaml"), encoding: .utf8)
        #expect(text.contains("roster: { file: Config/roster.yaml }"))
        let absolute = text.replacingOccurrences(of: "file: Config/roster.yaml", with: "file: \(root.path)/Config/roster.yaml")
        return try DaemonConfiguration.parse(yaml: absolute, path: "Config/nexd.yaml")
    }

    @Test func theCommittedRosterIsWhatTheTablesGenerate() throws {
        let check = try Self.run("scripts/generate_roster.py", ["--check"])
        #expect(check.status == 0, "\(check.output)")
        let tests = try Self.run("scripts/test_generate_roster.py")
        #expect(tests.status == 0, "\(tests.output)")
    }

    @Test func theDefaultConfigNamesTheRegionsRoster() throws {
        let config = try Self.defaultConfiguration()
        #expect(config.rosterFile == Self.root.path + "/Config/roster.yaml")
        let entries = config.roster.entries
        let ncbCountries = Set(entries.filter { $0.role == .ncb }.map(\.country))
        #expect(ncbCountries.count >= 42)
        #expect(entries.filter { $0.role == .rb }.map(\.id).sorted() == ["rb.ci.abidjan", "rb.cm.yaounde", "rb.ke.nairobi", "rb.zw.harare"])
        #expect(entries.contains { $0.id == "cyber.rw.kigali" } && entries.contains { $0.id == "gs.fr.lyon" })
        #expect(entries.contains { $0.id == "ncb.tz.dar-es-salaam" })
        let posts = entries.filter { $0.role == .bcp }
        #expect((95...130).contains(posts.count), "\(posts.count) border posts")
        // Both sides of every crossing in the table, each post in its own country.
        let table = try String(contentsOf: Self.root.appendingPathComponent("Config/region/crossings.csv"), encoding: .utf8)
        let ids = Set(posts.map(\.id))
        var crossings = 0
        for line in table.split(separator: "\n").dropFirst() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(ids.contains("bcp.\(fields[1]).\(fields[3])") && ids.contains("bcp.\(fields[4]).\(fields[6])"), "\(line)")
            #expect(fields[1] != fields[4], "\(line)")
            crossings += 1
        }
        #expect(crossings >= 50)
        #expect(posts.allSatisfy { $0.id.hasPrefix("bcp.\($0.country).") })
    }
}
