import Foundation
import Testing
@testable import NexConfig

/// Config/nexd.yaml documents every key in place as `(reload) type; default VALUE.`; these tests hold
/// those annotations to ``ConfigKeyTable``, so the file and the code cannot drift apart.
@Suite struct AnnotatedDefaultTests {
    /// One key line of the file's scalar sections.
    struct AnnotatedKey: Equatable {
        let path: String
        let line: Int
        /// `(live)`, `(new connections)` or `(restart)`; nil when the comment does not start with one.
        let mode: String?
        let type: String?
        let defaultText: String?
    }

    /// The key lines of the sections `ConfigKeyTable.sections` names, with their annotations.
    static func annotatedKeys(in text: String) -> [AnnotatedKey] {
        var section: String?
        var keys: [AnnotatedKey] = []
        let keyLine = /^  ([A-Za-z][A-Za-z0-9]*):[^#]*(?:#\s*(.*))?$/
        let annotation = /^(\((?:live|new connections|restart)\))\s+([^;]+);\s+default\s+(\S+)/
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let top = line.firstMatch(of: /^([A-Za-z]+):/) {
                section = ConfigKeyTable.sections.contains(String(top.1)) ? String(top.1) : nil
                continue
            }
            guard let section, let match = String(line).wholeMatch(of: keyLine) else { continue }
            let comment = match.2.map(String.init) ?? ""
            let parts = comment.firstMatch(of: annotation)
            var defaultText = parts.map { String($0.3) }
            // The sentence ends after the value: `default 7247.`, `default 1000;`, `default 0 = …`.
            if let text = defaultText, let last = text.last, ".,;".contains(last) { defaultText = String(text.dropLast()) }
            keys.append(AnnotatedKey(path: section + "." + match.1, line: index + 1, mode: parts.map { String($0.1) },
                                     type: parts.map { String($0.2) }, defaultText: defaultText))
        }
        return keys
    }

    static let annotated: [AnnotatedKey] = {
        let path = ConfigurationTests.repositoryRoot + "/Config/nexd.yaml"
        return annotatedKeys(in: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }()

    @Test func everyKeyOfTheTableIsInTheFileOnce() {
        let paths = Self.annotated.map(\.path)
        #expect(paths.count > 40, "Config/nexd.yaml not found or not parsed")
        for key in ConfigKeyTable.all {
            #expect(paths.filter { $0 == key.path }.count == 1, "\(key.path) is not annotated once in Config/nexd.yaml")
        }
    }

    @Test func everyKeyOfTheFileIsInTheTable() {
        for key in Self.annotated {
            #expect(ConfigKeyTable.key(key.path) != nil, "Config/nexd.yaml:\(key.line): \(key.path) is not in ConfigKeyTable")
        }
    }

    @Test(arguments: ConfigKeyTable.all.map(\.path))
    func theAnnotationMatchesTheTable(path: String) throws {
        let key = try #require(ConfigKeyTable.key(path))
        let annotated = try #require(Self.annotated.first { $0.path == path }, "\(path) is not in Config/nexd.yaml")
        let place = "Config/nexd.yaml:\(annotated.line): \(path)"
        #expect(annotated.mode == key.applyMode.annotation, "\(place): the annotation should start with \(key.applyMode.annotation)")
        #expect(annotated.type == key.typeDescription, "\(place): type should read \"\(key.typeDescription)\"")
        #expect(annotated.defaultText == key.defaultDescription, "\(place): default should read \"\(key.defaultDescription)\"")
    }

    @Test func theParserFindsAMismatch() {
        let text = """
            listen:
              host: 1.2.3.4   # (live) string; default 0.0.0.0. Address.
              port: 1         # integer; default 1.
            limits:
              maxFrameBytes: 4096   # (new connections) integer 1024-16777216; default 65536. Largest.
            roster: []
            """
        let keys = Self.annotatedKeys(in: text)
        #expect(keys.map(\.path) == ["listen.host", "listen.port", "limits.maxFrameBytes"])
        #expect(keys[0] == AnnotatedKey(path: "listen.host", line: 2, mode: "(live)", type: "string", defaultText: "0.0.0.0"))
        #expect(keys[1].mode == nil)
        #expect(keys[2].defaultText == "65536")
        #expect(keys[0].mode != ConfigKeyTable.key("listen.host")?.applyMode.annotation)
    }
}
