import Foundation
import NexCrypto
import NexWire
import Testing
@testable import NexAudit

/// The first nexd after a crash re-verifies the records the crashed run left after its last
/// checkpoint and only then seals them (docs/AUDIT.md §Crash sealing).
@Suite struct CrashSealTests {
    /// A run that "crashes" (never closes) with `tail` records after its last checkpoint.
    private func crashedRun(_ pki: AuditVerdictTestPKI, in directory: String, tail: [AuditEvent]) throws {
        let log = try pki.openLog(directory)
        log.append([AuditEvent(.start, timeMillis: Int64(Date().timeIntervalSince1970 * 1000))])
        log.writeCheckpointNow()
        log.append(tail)
        log.simulateCrash()
    }

    @Test func theNextStartSealsWhatACrashedRunLeftWithACheckpointThatSaysSo() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try crashedRun(pki, in: temp.path, tail: try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: pki.node, key: pki.nodeKey, at: now))
        #expect(try pki.verify(temp.path).verdict == .unsealed(first: 3, last: 4))

        let reopened = try pki.openLog(temp.path)
        #expect(reopened.sealedAfterCrash?.first == 3)
        #expect(reopened.sealedAfterCrash?.last == 4)
        reopened.flush()
        let lines = try AuditTestSupport.lines(in: temp.path)
        let seal = try #require(lines.last?.text)
        #expect(seal.contains(#""event":"checkpoint","reason":"sealed-after-crash","detail":"covers records 3…4 written before a crash"#))
        #expect(seal.contains(#""size":4,"#))
        let result = try pki.verify(temp.path)
        // The seal's reason and detail are not signed: it seals records 1…4, and the next
        // checkpoint seals it (docs/AUDIT.md §Sealing).
        #expect(result.verdict == .unsealed(first: 5, last: 5))
        #expect(result.sealedThrough == 4)
        #expect(result.crashSeals == [5])
        reopened.close()
    }

    @Test func aCleanStopLeavesNothingToSeal() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        let count = try AuditTestSupport.lines(in: temp.path).count
        let reopened = try pki.openLog(temp.path)
        reopened.flush()
        #expect(reopened.sealedAfterCrash == nil)
        #expect(try AuditTestSupport.lines(in: temp.path).count == count)
        reopened.close()
    }

    @Test func aForgedTailIsNotSealedAndNexdDoesNotStart() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashedRun(pki, in: temp.path, tail: [AuditTestSupport.subscribeEvent(1)])
        // While nexd was down, someone appended a notice "from gs.fr.lyon" with a self-made certificate.
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let selfMade = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "gs.fr.lyon", validity: AuditVerdictTestPKI.validity, extendedKeyUsage: .clientAuth),
            key: key)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try AuditVerdictTestPKI.appendChained(try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: selfMade, key: key, at: now),
                                              to: temp.path)
        let count = try AuditTestSupport.lines(in: temp.path).count
        #expect {
            _ = try pki.openLog(temp.path)
        } throws: { error in
            guard let error = error as? AuditError else { return false }
            return error.code == .corrupt && error.message.contains("refusing to seal") && error.message.contains("not issued by a given CA")
        }
        #expect(try AuditTestSupport.lines(in: temp.path).count == count)
        // The crashed run's prepared segment was removed at start-up, and the refused start left none.
        #expect(!FileManager.default.fileExists(atPath: temp.path + "/" + AuditSegments.preparedName))
    }

    @Test func aForgedNoticeBehindACheckpointOfAnotherKeyIsStillReverified() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashedRun(pki, in: temp.path, tail: [AuditTestSupport.subscribeEvent(1)])
        // A notice whose payload was changed after signing (its digest recomputed to match)…
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var forged = try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: pki.node, key: pki.nodeKey, at: now)
        var wire = try #require(forged[1].envelope)
        wire[wire.count - 80] ^= 0x01
        forged[1].envelope = wire
        if let parsed = try? SignedEnvelope(parsing: wire) { forged[1].signedDigest = SHA256.hash(parsed.bytesToSign).hex }
        try AuditVerdictTestPKI.appendChained(forged, to: temp.path)
        // …then a checkpoint with the right root, signed by a key nexd does not know.
        var frontier = MerkleFrontier()
        for line in try AuditTestSupport.lines(in: temp.path) { frontier.append(leafHash: MerkleHash.leaf(Array(line.text.utf8)[...])) }
        let other = try AuditTestSupport.signer()
        let checkpoint = try other.sign(size: frontier.size, root: frontier.root, timeMillis: now + 1)
        try AuditVerdictTestPKI.appendChained(members: [checkpoint.recordMembers(frontier: frontier)], to: temp.path)
        #expect {
            _ = try pki.openLog(temp.path)
        } throws: { error in
            (error as? AuditError)?.message.contains("refusing to seal") == true
        }
    }

    @Test func aRecordDatedInTheFutureIsNotSealed() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashedRun(pki, in: temp.path, tail: [AuditTestSupport.subscribeEvent(1)])
        let future = AuditEvent(.connect, timeMillis: Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000, outcome: .accepted)
        try AuditVerdictTestPKI.appendChained([future], to: temp.path)
        #expect {
            _ = try pki.openLog(temp.path)
        } throws: { error in
            (error as? AuditError)?.message.contains("later than now") == true
        }
    }


    /// A run that crashed, then a start that sealed its tail and crashed too: the seal is the last record.
    private func sealedLog(_ pki: AuditVerdictTestPKI, in directory: String) throws {
        try crashedRun(pki, in: directory, tail: [AuditTestSupport.subscribeEvent(1), AuditTestSupport.subscribeEvent(2)])
        let reopened = try pki.openLog(directory)
        reopened.simulateCrash()
    }

    @Test(arguments: ["strip the label", "shift the range"])
    func aCrashSealsLabelIsSignedWithIt(change: String) throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try sealedLog(pki, in: temp.path)
        let sealed = try pki.verify(temp.path)
        #expect(sealed.crashSealRanges == [3...4])
        #expect(sealed.verdict == .unsealed(first: 5, last: 5))
        var lines = try AuditTestSupport.lines(in: temp.path)
        let last = lines.count - 1
        if change == "strip the label" {
            lines[last].text = lines[last].text.replacingOccurrences(
                of: #","reason":"sealed-after-crash","detail":"[^"]*""#, with: "", options: .regularExpression)
        } else {
            lines[last].text = lines[last].text.replacingOccurrences(of: "covers records 3…4", with: "covers records 4…4")
        }
        try AuditTestSupport.writeRechained(lines, to: temp.path)
        let problem = try #require(try pki.verify(temp.path).problem)
        #expect(problem.sequence == 5)
        #expect(problem.reason.contains("signature does not verify"), "\(problem)")
        // nexd does not take the altered seal for its own checkpoint: it re-verifies and refuses.
        #expect(throws: AuditError.self) { _ = try pki.openLog(temp.path) }
        if let python = PythonVerifierTests.python {
            let pem = temp.path + "-anchors"
            try FileManager.default.createDirectory(atPath: pem, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: pem) }
            try pki.ca.pemEncoded().write(toFile: pem + "/ca.pem", atomically: true, encoding: .utf8)
            try pki.signer.certificate.pemEncoded().write(toFile: pem + "/audit.pem", atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [PythonVerifierTests.script, temp.path, "--ca", pem + "/ca.pem", "--audit-cert", pem + "/audit.pem"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 1, "\(output)")
            #expect(output.contains("TAMPERED: record 5 "), "\(output)")
        }
    }
}
