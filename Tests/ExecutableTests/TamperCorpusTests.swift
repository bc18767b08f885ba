import Foundation
import Testing

/// The verifier contract (docs/AUDIT.md §Verification) checked from outside: a real log, tampered
/// by `scripts/tamper_corpus.py` without any key, must get the same verdict from `nex audit verify`
/// and from the independent `scripts/verify_audit.py` — the exit status the corpus expects, and the
/// same record or witness named.
extension ExecutableTests {
    /// One case of the corpus, as `cases.json` lists it.
    struct TamperCase: Decodable {
        var name: String
        var description: String
        /// Extra verifier options (`--no-signatures`), the same for both verifiers.
        var arguments: [String]?
        var expectedStatus: Int32
        var expectedNamed: String?
    }

    /// A verifier's answer: its exit status and what its verdict line names.
    struct Verdict: CustomStringConvertible {
        var status: Int32
        var named: String?
        var line: String

        /// The verdict line (the one starting with a verdict word) and the first `record N`,
        /// `witness LABEL` or `file NAME:` in it.
        init(_ result: ProcessRunner.Result) {
            status = result.status
            let words = ["TAMPERED", "CANNOT VERIFY", "TORN TAIL", "UNSEALED", "INTACT"]
            guard let verdict = result.standardOutput.split(separator: "\n").map(String.init).first(where: { line in
                words.contains { line.hasPrefix($0) }
            }) else {
                line = "(no verdict line) \(result.standardOutput.suffix(300)) \(result.standardError.suffix(300))"
                return
            }
            line = verdict
            if let match = line.firstMatch(of: /record (\d+)|witness (\S+)|file (\S+):/) {
                if let record = match.output.1 {
                    named = "record \(record)"
                } else if let witness = match.output.2 {
                    named = "witness " + String(witness.hasSuffix(":") ? witness.dropLast() : witness)
                } else if let file = match.output.3 {
                    named = "file \(file)"
                }
            }
        }

        var description: String { "\(status) \(named ?? "-")" }
    }

    /// python3 with the `cryptography` package, or nil (the corpus test is then skipped).
    static let pythonWithCryptography: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { path in
        guard FileManager.default.isExecutableFile(atPath: path) else { return false }
        let directory = FileManager.default.temporaryDirectory.path
        return (try? ProcessRunner.run(path, ["-c", "import cryptography.x509"], in: directory, timeout: 20))?.status == 0
    }

    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts").path

    @Test(.enabled(if: pythonWithCryptography != nil,
                   "skipped: needs python3 with the cryptography package (Debian: apt-get install python3-cryptography)"))
    func bothVerifiersAgreeOnEveryTamperCorpusCase() throws {
        let python = try #require(Self.pythonWithCryptography)
        let workspace = try Workspace()
        let redID = try makeCleanStoppedLog(in: workspace)

        // An index where older versions kept it, in the audit directory: the corpus corrupts it.
        let index = try ProcessRunner.run("nex", ["audit", "index", "--index-dir", "var/audit/index"], in: workspace.path)
        #expect(index.status == 0, "\(index.standardError)")
        let corpus = try ProcessRunner.run(python, [Self.scripts + "/tamper_corpus.py", "var/audit", "corpus"], in: workspace.path)
        try #require(corpus.status == 0, "\(corpus.standardOutput)\n\(corpus.standardError)")
        let cases = try JSONDecoder().decode(
            [TamperCase].self, from: Data(contentsOf: URL(fileURLWithPath: workspace.path + "/corpus/cases.json")))
        #expect(cases.count >= 40)
        #expect(cases.contains { $0.name == "corrupt-index" })
        // The corrupt entry (an offset ≥ 2^63) neither traps nor hides a record from `query --msg`.
        let lookup = try ProcessRunner.run(
            "nex", ["audit", "query", "--msg", redID, "--json", "--dir", "corpus/corrupt-index", "--index-dir", "corpus/corrupt-index/index"],
            in: workspace.path)
        #expect(lookup.status == 0, "\(lookup.standardError)")
        #expect(lookup.standardOutput.contains(#""event":"publish""#), "\(lookup.standardOutput)")

        let anchors = ["--ca", "Certs/dev/ca.pem", "--audit-cert", "Certs/dev/audit.pem"]
        var table = ["case                          expected                       swift                          python"]
        for tamperCase in cases {
            let directory = "corpus/" + tamperCase.name
            let options = anchors + (tamperCase.arguments ?? [])
            let swift = Verdict(try ProcessRunner.run("nex", ["audit", "verify", "--dir", directory] + options, in: workspace.path))
            let pythonVerdict = Verdict(try ProcessRunner.run(
                python, [Self.scripts + "/verify_audit.py", directory] + options, in: workspace.path))
            let expected = "\(tamperCase.expectedStatus) \(tamperCase.expectedNamed ?? "-")"
            table.append([tamperCase.name, expected, swift.description, pythonVerdict.description]
                .map { $0.padding(toLength: 30, withPad: " ", startingAt: 0) }.joined(separator: " "))
            for (verifier, verdict) in [("nex audit verify", swift), ("verify_audit.py", pythonVerdict)] {
                #expect(verdict.status == tamperCase.expectedStatus && verdict.named == tamperCase.expectedNamed,
                        "\(tamperCase.name) (\(tamperCase.description)): \(verifier) says \(verdict.line)")
            }
            #expect(swift.status == pythonVerdict.status && swift.named == pythonVerdict.named,
                    "\(tamperCase.name): the verifiers disagree:\n  swift:  \(swift.line)\n  python: \(pythonVerdict.line)")
        }
        print(table.joined(separator: "\n"))
    }

    /// nexd on port 0, one subscriber that stays connected, a few publishes from two nodes, then
    /// SIGTERM: a clean-stopped log with checkpoints, accepted publishes and several connections.
    /// Returns the Red Notice's message id.
    private func makeCleanStoppedLog(in workspace: Workspace) throws -> String {
        let (daemon, server) = try startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let subscriber = try ProcessRunner.start(
            "nex", ["subscribe", "request.>", "--node", "gs.fr.lyon", "--server", server, "--json", "--timeout", "30"], in: workspace.path)
        defer { _ = subscriber.terminate() }
        // Publish until the subscription is in place (the subscriber connects concurrently).
        let deadline = Date().addingTimeInterval(20)
        repeat {
            let published = try ProcessRunner.run(
                "nex", ["publish", "Config/examples/request-red.json", "--node", "ncb.rw.kigali", "--topic", "request.red.rw",
                        "--server", server], in: workspace.path)
            #expect(published.status == 0, "\(published.standardError)")
            Thread.sleep(forTimeInterval: 0.2)
        } while !subscriber.output().contains("\"origin\"") && subscriber.process.isRunning && Date() < deadline
        let red = try ProcessRunner.run(
            "nex", ["publish", "Config/examples/red.json", "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--server", server],
            in: workspace.path)
        #expect(red.status == 0, "\(red.standardError)")
        // Three notices signed as one batch: a `batch` record and stored seals without the root
        // signature (format 6) for the corpus's batch cases.
        let batched = try ProcessRunner.run(
            "nex", ["publish", "Config/examples/red.json", "--node", "gs.fr.lyon", "--topic", "notice.red.rw", "--count", "3",
                    "--batch", "3", "--server", server], in: workspace.path)
        #expect(batched.status == 0, "\(batched.standardError)")
        // A diffusion to Uganda, copied to the General Secretariat for compliance review: the log then
        // holds format-4 content (`"exception":"compliance"`) for both verifiers to agree on.
        let reviewer = try ProcessRunner.start(
            "nex", ["subscribe", "diffusion.>", "--node", "gs.fr.lyon", "--server", server, "--json", "--timeout", "30"], in: workspace.path)
        defer { _ = reviewer.terminate() }
        repeat {
            let published = try ProcessRunner.run(
                "nex", ["publish", "Config/examples/diffusion.json", "--node", "ncb.rw.kigali", "--topic", "diffusion.rw",
                        "--allow-country", "ug", "--server", server], in: workspace.path)
            #expect(published.status == 0, "\(published.standardError)")
            Thread.sleep(forTimeInterval: 0.2)
        } while !reviewer.output().contains("\"origin\"") && reviewer.process.isRunning && Date() < deadline.addingTimeInterval(10)
        #expect(daemon.terminate() == 0, "\(daemon.errors())")
        let log = try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/var/audit").filter { $0.hasPrefix("segment-") }
            .map { try String(contentsOfFile: workspace.path + "/var/audit/" + $0, encoding: .utf8) }.joined()
        #expect(log.contains(#""exception":"compliance""#), "the corpus log holds no compliance copy")
        #expect(log.contains(#""event":"batch""#), "the corpus log holds no batch record")
        return try #require(red.standardOutput.split(separator: " ").dropFirst(2).first.map(String.init))
    }
}
