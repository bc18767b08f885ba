import Foundation
import NexCrypto
import NexSync
import NexWire
import Testing
@testable import NexAudit

/// Format 6 (D74, docs/AUDIT.md §Batch signatures): the writer records a batch's signature once,
/// in a `batch` record before the first notice of the batch it records (again once that record is
/// out of the window), each notice's envelope stored without it; both verifiers bind each notice
/// to its batch record and re-verify the signature there.
@Suite struct AuditFormat6Tests {
    /// How a test log departs from what nexd writes.
    struct Variant: Sendable {
        var format = AuditFormat.version
        /// Store each envelope with its root signature (as a format-5 nexd did).
        var storesRootSignature = false
        /// Hand the writer each notice's claim (so it writes the `batch` record).
        var referencesBatch = true
        /// Flip a byte of the root signature in the `batch` record.
        var corruptsBatchSignature = false
        /// A run (`start` declaring this format, `stop`) before the one that holds the notices.
        var earlierRunFormat: Int?
    }

    struct Written {
        let directory: String
        /// Each notice's returned acceptance sequence.
        var publishSequences: [UInt64] = []
        var signed: [SignedEnvelope] = []
    }

    static let node = "gs.fr.lyon"

    /// An accepted `publish` of `signed` by gs.fr.lyon, storing `envelope`.
    static func publish(_ signed: SignedEnvelope, storing envelope: [UInt8], certificate: Certificate, time: Int64) -> AuditEvent {
        var publish = AuditEvent(.publish, timeMillis: time, outcome: .accepted)
        publish.node = node; publish.country = "fr"; publish.connection = 1
        publish.certificateFingerprint = certificate.fingerprint.hex
        publish.messageID = signed.envelope.messageID.description; publish.topic = signed.envelope.topic; publish.noticeKind = "red"
        publish.signedDigest = EnvelopeBatch.digest(ofBody: signed.body).hex
        publish.envelope = envelope
        return publish
    }

    /// The `certificate` record of gs.fr.lyon's `certificate`.
    static func certificateEvent(_ certificate: Certificate) -> AuditEvent {
        var event = AuditEvent(.certificate, timeMillis: ContractPKI.nowMillis())
        event.node = node
        event.certificateFingerprint = certificate.fingerprint.hex
        event.certificateDER = certificate.derBytes
        return event
    }

    /// A log in `temp` holding `start` and gs.fr.lyon's certificate (its key made here), checkpoints
    /// signed by `pki`; `configure` adjusts the configuration.
    static func openLog(in temp: TemporaryDirectory, pki: ContractPKI, configure: (inout AuditLog.Configuration) -> Void)
        throws -> (log: AuditLog, directory: String, key: PrivateKey, certificate: Certificate) {
        let directory = temp.path + "/audit"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.checkpointSigner = pki.signer
        configure(&configuration)
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKI.nowMillis())
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let certificate = try pki.originator(node, key: key)
        log.append([AuditEvent(.start, timeMillis: ContractPKI.nowMillis()), certificateEvent(certificate)])
        log.flush()
        return (log, directory, key, certificate)
    }

    /// The accepted `publish` of `signed` as nexd stores it: the envelope without its root signature.
    static func storedPublish(_ signed: SignedEnvelope, certificate: Certificate) throws -> AuditEvent {
        let seal = try #require(try signed.batchSeal())
        return publish(signed, storing: EnvelopeBatch.storedWireBytes(of: signed, seal: seal), certificate: certificate,
                       time: ContractPKI.nowMillis())
    }

    /// `count` notices of one batch, signed once with `key`.
    static func batch(_ count: Int, key: PrivateKey) throws -> [SignedEnvelope] {
        let time = ContractPKI.nowMillis()
        let envelopes = (0..<count).map { index in
            Envelope(messageID: MessageID.random(), sender: node, topic: "notice.red.rw", kind: "red", issuedAtMillis: time,
                     deniedCountries: ["tz"], payload: Array(#"{"kind":"red","n":\#(index)}"#.utf8))
        }
        return try EnvelopeBatch.sign(envelopes, with: key)
    }

    /// The claim reference of `signed` for the writer.
    static func reference(_ signed: SignedEnvelope, certificate: Certificate, corrupt: Bool, publishIndex: Int = 0) throws -> AuditLog.BatchReference {
        let seal = try #require(try signed.batchSeal())
        var claim = try #require(EnvelopeBatch.claim(of: signed, seal: seal, digest: EnvelopeBatch.digest(ofBody: signed.body)))
        if corrupt {
            var signature = claim.rootSignature
            signature[10] ^= 0x01
            claim = EnvelopeBatch.Claim(batchSize: claim.batchSize, root: claim.root, restrictionsDigest: claim.restrictionsDigest,
                                        rootSignature: signature)
        }
        return AuditLog.BatchReference(claim: claim, node: node, certificate: certificate.fingerprint, connection: 1,
                                       timeMillis: ContractPKI.nowMillis(), publishIndex: publishIndex)
    }

    /// `start` (declaring `variant.format`), gs.fr.lyon's certificate, then each notice of one batch
    /// of `count` in its own append with its route; a clean stop.
    static func writeLog(_ variant: Variant = Variant(), count: Int = 4, in temp: TemporaryDirectory, pki: ContractPKI) throws -> Written {
        var written = Written(directory: temp.path + "/audit")
        try FileManager.default.createDirectory(atPath: written.directory, withIntermediateDirectories: true)
        var configuration = AuditLog.Configuration(directory: written.directory)
        configuration.checkpointSigner = pki.signer
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKI.nowMillis())
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let certificate = try pki.originator(node, key: key)
        if let earlier = variant.earlierRunFormat {
            var start = AuditEvent(.start, timeMillis: ContractPKI.nowMillis())
            start.format = earlier
            log.append([start, AuditEvent(.stop, timeMillis: ContractPKI.nowMillis())])
        }
        var start = AuditEvent(.start, timeMillis: ContractPKI.nowMillis())
        start.format = variant.format
        let cert = certificateEvent(certificate)
        log.append([start, cert])
        written.signed = try batch(count, key: key)
        for signed in written.signed {
            let seal = try #require(try signed.batchSeal())
            let stored = variant.storesRootSignature ? signed.wireBytes : EnvelopeBatch.storedWireBytes(of: signed, seal: seal)
            let time = ContractPKI.nowMillis()
            var route = AuditEvent(.route, timeMillis: time)
            route.messageID = signed.envelope.messageID.description; route.node = node; route.topic = "notice.red.rw"
            route.recipients = [.init(node: "bcp.rw.rusumo", connection: 2, subscriptions: [1])]
            let reference = variant.referencesBatch ? try Self.reference(signed, certificate: certificate, corrupt: variant.corruptsBatchSignature) : nil
            let sequences = log.append([publish(signed, storing: stored, certificate: certificate, time: time), route], batch: reference)
            written.publishSequences.append(sequences[0])
        }
        log.append([AuditEvent(.stop, timeMillis: ContractPKI.nowMillis())])
        log.close()
        return written
    }

    static func options(_ pki: ContractPKI) -> AuditVerifier.Options {
        AuditFormat4Tests.options(pki)
    }

    /// Both verifiers' verdicts on `directory`: the Swift one's problem, the script's status and output.
    static func verdicts(_ directory: String, temp: TemporaryDirectory, pki: ContractPKI) throws -> (AuditVerification, (Int32, String)?) {
        let swift = try AuditVerifier.verify(directory: directory, options: options(pki))
        guard PythonVerifierTests.python != nil else { return (swift, nil) }
        return (swift, try PythonVerifierTests.run([directory] + (try pki.anchorArguments(writingTo: temp.path))))
    }

    static func records(_ directory: String) throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        let reader = AuditReader(directory: directory)
        try reader.forEachLine(in: try reader.segments()) { line in
            if let record = AuditRecord(segment: line.segment, line: line.number, bytes: Array(line.bytes)) { records.append(record) }
            return true
        }
        return records
    }

    @Test func theWriterRecordsTheBatchSignatureOnceAndBothVerifiersAgree() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let written = try Self.writeLog(in: temp, pki: pki)
        let records = try Self.records(written.directory)
        let batches = records.filter { $0.event == "batch" }
        try #require(batches.count == 1)
        // Directly before the first notice, which the append numbered past it.
        #expect(batches[0].sequence == written.publishSequences[0] - 1)
        #expect(written.publishSequences.count == 4)
        let signature = try #require(batches[0].base64("signature"))
        #expect(signature == (try written.signed[0].batchSeal())?.rootSignature)
        for (signed, sequence) in zip(written.signed, written.publishSequences) {
            let record = try #require(records.first { $0.sequence == sequence })
            #expect(record.event == "publish" && record.string("msg") == signed.envelope.messageID.description)
            let stored = try SignedEnvelope(parsing: try #require(record.base64("envelope")))
            #expect(stored.body == signed.body)
            #expect(try BatchSeal(parsing: stored.signature, allowsEmptyRootSignature: true).rootSignature.isEmpty)
            #expect(stored.wireBytes.count == signed.wireBytes.count - signature.count)
        }
        let (swift, python) = try Self.verdicts(written.directory, temp: temp, pki: pki)
        #expect(swift.verdict == .intact, "\(String(describing: swift.problem))")
        #expect(swift.verifiedSignatures == 4)
        if let (status, output) = python { #expect(status == 0, "\(output)") }
    }

    /// What nexd never writes, each TAMPERED to both verifiers at the record named: a notice with no
    /// `batch` record of its claim, a notice stored with its root signature in a format-6 run, a
    /// `batch` record whose signature does not verify.
    @Test(arguments: [
        ("no batch record", Variant(referencesBatch: false), 0, "no batch record of this notice's batch"),
        ("a stored root signature", Variant(storesRootSignature: true), 0, "carries its batch's root signature"),
        ("a forged batch signature", Variant(corruptsBatchSignature: true), -1, "batch signature does not verify"),
    ])
    func whatNexdNeverWritesIsTampered(name: String, variant: Variant, offset: Int, reason: String) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let written = try Self.writeLog(variant, in: temp, pki: pki)
        // The first notice's record, or (offset −1) the batch record right before it.
        let named = UInt64(Int(written.publishSequences[0]) + offset)
        let (swift, python) = try Self.verdicts(written.directory, temp: temp, pki: pki)
        let problem = try #require(swift.problem, "\(name)")
        #expect(problem.kind == .tampered, "\(name)")
        #expect(problem.sequence == named, "\(name): \(problem)")
        #expect(problem.reason.contains(reason), "\(name): \(problem.reason)")
        if let (status, output) = python {
            #expect(status == 1, "\(name): \(output)")
            #expect(output.contains("TAMPERED: record \(named) "), "\(name): \(output)")
        }
    }

    /// A format-5 nexd wrote whole seals and no `batch` record: such a log still verifies, and a
    /// `batch` record in a run declaring format 5 is format 6 content (CANNOT VERIFY).
    @Test func aFormat5RunKeepsWholeSealsAndCannotHoldABatchRecord() throws {
        let pki = try ContractPKI()
        let old = try TemporaryDirectory()
        defer { old.remove() }
        let format5 = try Self.writeLog(Variant(format: 5, storesRootSignature: true, referencesBatch: false), in: old, pki: pki)
        let (intact, python) = try Self.verdicts(format5.directory, temp: old, pki: pki)
        #expect(intact.verdict == .intact, "\(String(describing: intact.problem))")
        if let (status, output) = python { #expect(status == 0, "\(output)") }

        let mixed = try TemporaryDirectory()
        defer { mixed.remove() }
        let written = try Self.writeLog(Variant(format: 5), in: mixed, pki: pki)
        let (swift, script) = try Self.verdicts(written.directory, temp: mixed, pki: pki)
        let problem = try #require(swift.problem)
        #expect(problem.kind == .unknownFormat)
        #expect(problem.sequence == written.publishSequences[0] - 1)
        #expect(problem.reason.contains("event \"batch\" is audit format 6 content"), "\(problem.reason)")
        if let (status, output) = script { #expect(status == 2, "\(output)") }
    }

    /// The writer writes the batch record again once the last one is more than 65,536 records
    /// before the notice; the verifier accepts a notice exactly 65,536 records after it.
    @Test func theBatchRecordIsWrittenAgainOnceItLeavesTheWindow() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let (log, directory, key, certificate) = try Self.openLog(in: temp, pki: pki) {
            $0.synchronizesWrites = false
            $0.checkpointEveryRecords = 1 << 30
        }
        let notices = try Self.batch(3, key: key)
        func append(_ signed: SignedEnvelope) throws -> UInt64 {
            let publish = try Self.storedPublish(signed, certificate: certificate)
            return log.append([publish], batch: try Self.reference(signed, certificate: certificate, corrupt: false))[0]
        }
        let first = try append(notices[0])
        let batchSequence = first - 1
        // Fill up to the window's edge: the next publish lands exactly 65,536 records after the batch record.
        var filler = AuditEvent(.receipt, timeMillis: ContractPKI.nowMillis())
        filler.node = "bcp.rw.rusumo"; filler.connection = 2; filler.receivedMessageIDs = []
        let fill = Int(BatchRecordWindow<Void>.records) - Int(first - batchSequence) - 1
        log.append(Array(repeating: filler, count: fill))
        let atEdge = try append(notices[1])
        #expect(atEdge - batchSequence == BatchRecordWindow<Void>.records)
        // One record further: a new batch record comes first.
        let past = try append(notices[2])
        #expect(past == atEdge + 2)
        log.append([AuditEvent(.stop, timeMillis: ContractPKI.nowMillis())])
        log.close()
        let batches = try Self.records(directory).filter { $0.event == "batch" }.compactMap(\.sequence)
        #expect(batches == [batchSequence, past - 1])
        // The filler's records are not parsed (as when nexd re-verifies a crashed run's tail): the
        // batch record before them is still remembered for the notices after them.
        var options = Self.options(pki)
        options.checksSignatures = false
        options.checksSignaturesAfter = atEdge - 1
        let verification = try AuditVerifier.verify(directory: directory, options: options)
        #expect(verification.problem == nil, "\(String(describing: verification.problem))")
        #expect(verification.verifiedSignatures == 2)
    }

    /// A `batch` record numbered in a write that failed was never written: once the log is writable
    /// again, the next notice of that batch gets a `batch` record of its own.
    @Test func aBatchRecordLostInAFailedWriteIsWrittenAgainAfterTheRepair() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let (log, directory, key, certificate) = try Self.openLog(in: temp, pki: pki) { $0.recoveryRetryInterval = .milliseconds(20) }
        let notices = try Self.batch(2, key: key)
        func append(_ signed: SignedEnvelope) throws -> Result<[UInt64], AuditError> {
            let publish = try Self.storedPublish(signed, certificate: certificate)
            let done = DispatchSemaphore(value: 0)
            let outcome = Locked<Result<[UInt64], AuditError>?>(nil)
            log.append([publish], batch: try Self.reference(signed, certificate: certificate, corrupt: false)) { result in
                outcome.withLock { $0 = result }
                done.signal()
            }
            done.wait()
            return try #require(outcome.withLock { $0 })
        }
        log.injectFault(.failWrites(errno: ENOSPC))
        #expect((try? append(notices[0]).get()) == nil)
        log.injectFault(nil)
        let deadline = ContinuousClock.now + .seconds(10)
        while log.failure != nil, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        try #require(log.failure == nil)
        let sequence = try #require(try append(notices[1]).get().first)
        log.append([AuditEvent(.stop, timeMillis: ContractPKI.nowMillis())])
        log.close()
        let records = try Self.records(directory)
        #expect(records.first { $0.sequence == sequence - 1 }?.event == "batch")
        let verification = try AuditVerifier.verify(directory: directory, options: Self.options(pki))
        #expect(verification.verdict == .intact, "\(String(describing: verification.problem))")
    }

    /// The members only a `batch` record carries are out of place in any other record: TAMPERED
    /// (not canonical) where the run's format knows them, CANNOT VERIFY where it does not — a
    /// `start` record judged by the format it declares. Both verifiers.
    @Test(arguments: [
        ("a route of a format-6 run with a size", 6, "route", #","size":3"#, AuditVerification.Problem.Kind.tampered),
        ("a route of a format-6 run with a restrictions digest", 6, "route", #","restrictionsDigest":"\#(String(repeating: "0", count: 64))""#, .tampered),
        ("a route of a format-5 run with a restrictions digest", 5, "route", #","restrictionsDigest":"\#(String(repeating: "0", count: 64))""#, .unknownFormat),
        ("a start declaring 6 with a restrictions digest", 6, "start", #","restrictionsDigest":"\#(String(repeating: "0", count: 64))""#, .tampered),
        ("a start declaring 5 with a restrictions digest", 5, "start", #","restrictionsDigest":"\#(String(repeating: "0", count: 64))""#, .unknownFormat),
    ])
    func aMemberOnlyABatchRecordCarriesIsOutOfPlaceElsewhere(name: String, format: Int, event: String, insert: String,
                                                             expected: AuditVerification.Problem.Kind) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        // A run of the other format first, so that a `start` is judged by what it declares, not by the run before.
        let written = try Self.writeLog(Variant(format: format, storesRootSignature: format < 6, referencesBatch: format >= 6,
                                                earlierRunFormat: format == 6 ? 5 : 6), count: 1, in: temp, pki: pki)
        var lines = try AuditTestSupport.lines(in: written.directory)
        let target = try #require(lines.lastIndex { $0.text.contains(#""event":"\#(event)""#) })
        let prev = try #require(lines[target].text.range(of: #","prev":""#))
        lines[target].text.insert(contentsOf: insert, at: prev.lowerBound)
        try AuditTestSupport.writeRechained(lines, to: written.directory)
        try? FileManager.default.removeItem(atPath: written.directory + "/checkpoint.json")
        let (swift, python) = try Self.verdicts(written.directory, temp: temp, pki: pki)
        let problem = try #require(swift.problem, "\(name)")
        #expect(problem.kind == expected, "\(name): \(problem)")
        #expect(problem.sequence == UInt64(target + 1), "\(name): \(problem)")
        if let (status, output) = python {
            #expect(status == (expected == .tampered ? 1 : 2), "\(name): \(output)")
            #expect(output.contains("record \(target + 1) "), "\(name): \(output)")
        }
    }

    @Test func theWindowRemembersTheLatestRecordOfEachClaimForSixtyFiveThousandRecords() {
        let a = SHA256.hash(Array("a".utf8)), b = SHA256.hash(Array("b".utf8))
        var window = BatchRecordWindow<Int>()
        window.note(a, at: 10, value: 1)
        window.note(b, at: 20, value: 2)
        let cases: [(key: SHA256Digest, at: UInt64, expected: Int?)] = [
            (a, 10, nil),              // not before itself
            (a, 11, 1),
            (a, 10 + 65_536, 1),       // the edge
            (a, 10 + 65_537, nil),     // past it
            (b, 15, nil),              // before the record
            (b, 20 + 65_536, 2),
        ]
        for item in cases { #expect(window.value(of: item.key, before: item.at) == item.expected, "\(item.at)") }
        // Noting far later evicts what fell out; a re-noted claim keeps its newest record.
        window.note(a, at: 40_000, value: 3)
        window.note(b, at: 70_000, value: 4)
        #expect(window.value(of: a, before: 70_001) == 3)
        window.note(b, at: 200_000, value: 5)
        #expect(window.count == 1)
        #expect(window.value(of: a, before: 200_001) == nil)
        #expect(window.value(of: b, before: 200_001) == 5)
    }
}
