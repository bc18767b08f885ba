import Foundation
import Testing
@testable import NexConfig

/// `roster: { file: PATH }`: the roster read from its own file (the generated region, docs/REGION.md),
/// with errors naming that file.
@Suite struct RosterFileTests {
    static func config(rosterSection: String) -> String {
        """
        \(rosterSection)
        permissions:
          roles:
            gs: { publish: { allow: [notice.>] } }
        """
    }

    func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theRosterIsReadFromTheFileTheConfigNames() throws {
        let roster = try temporaryFile("""
            # generated
            roster:
              - { id: gs.fr.lyon, role: gs, country: fr, name: "INTERPOL General Secretariat, Lyon" }
              - { id: bcp.ug.busia, role: bcp, country: ug }
            """)
        defer { try? FileManager.default.removeItem(atPath: roster) }
        let config = try DaemonConfiguration.parse(yaml: Self.config(rosterSection: "roster: { file: \(roster) }"), path: "t.yaml")
        #expect(config.roster.entries.map(\.id) == ["gs.fr.lyon", "bcp.ug.busia"])
        #expect(config.rosterFile == roster)
    }

    @Test func anInlineRosterNamesNoFile() throws {
        let config = try DaemonConfiguration.parse(yaml: Self.config(rosterSection: "roster:\n  - { id: gs.fr.lyon, role: gs, country: fr }"),
                                                   path: "t.yaml")
        #expect(config.rosterFile == nil && config.roster.entries.count == 1)
    }

    @Test func aMissingFileIsRefusedWithTheKey() {
        #expect {
            _ = try DaemonConfiguration.parse(yaml: Self.config(rosterSection: "roster: { file: /nonexistent/roster.yaml }"), path: "t.yaml")
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.file == "t.yaml" && error?.key == "roster.file" && error?.message.contains("/nonexistent/roster.yaml") == true
        }
    }

    @Test func aBadEntryIsNamedInTheRosterFile() throws {
        let roster = try temporaryFile("roster:\n  - { id: gs.fr.lyon, role: gs, country: fr }\n  - { id: Bad Id, role: bcp, country: ug }\n")
        defer { try? FileManager.default.removeItem(atPath: roster) }
        #expect {
            _ = try DaemonConfiguration.parse(yaml: Self.config(rosterSection: "roster: { file: \(roster) }"), path: "t.yaml")
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.file == roster && error?.key == "roster[1].id"
        }
    }

    @Test func anUnknownKeyInTheSectionIsRefused() {
        #expect(throws: ConfigurationError.self) {
            _ = try DaemonConfiguration.parse(yaml: Self.config(rosterSection: "roster: { file: x.yaml, path: y }"), path: "t.yaml")
        }
    }
}
