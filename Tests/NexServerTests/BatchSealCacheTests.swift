import Dispatch
import Foundation
import NexAudit
import NexCrypto
import NexSync
import Testing
@testable import NexServer

/// The per-connection cache of checked batch signatures (D73): one check per signature however many
/// threads meet it at once; a failed check of one claim does not stand for another; bounded.
@Suite struct BatchSealCacheTests {
    static func claim(_ signature: UInt8, root: UInt8 = 1) -> EnvelopeBatch.Claim {
        EnvelopeBatch.Claim(batchSize: 4, root: SHA256.hash([root]), restrictionsDigest: SHA256.hash([UInt8]()),
                            rootSignature: [signature, 2, 3])
    }

    @Test func siblingsMeetingASignatureAtOnceShareOneCheck() {
        let cache = BatchSealCache()
        let checks = Locked(0)
        let checkedHere = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let (entry, here) = cache.verdict(for: Self.claim(7)) {
                checks.withLock { $0 += 1 }
                Thread.sleep(forTimeInterval: 0.01)   // the others arrive while it checks
                return true
            }
            #expect(entry.isValid)
            if here { checkedHere.withLock { $0 += 1 } }
        }
        #expect(checks.withLock { $0 } == 1)
        #expect(checkedHere.withLock { $0 } == 1)
    }

    @Test func aFailedCheckOfAnotherClaimIsCheckedAgainAndAGoodOneAnswersSiblings() {
        let cache = BatchSealCache()
        // A bad proof met first: its root's check fails.
        let bad = cache.verdict(for: Self.claim(9, root: 66)) { false }
        #expect(!bad.entry.isValid && bad.checkedHere)
        // The right claim with the same signature is checked (and good); siblings then need no check.
        let good = cache.verdict(for: Self.claim(9)) { true }
        #expect(good.entry.isValid && good.checkedHere)
        let sibling = cache.verdict(for: Self.claim(9)) { Issue.record("checked again"); return true }
        #expect(sibling.entry.isValid && !sibling.checkedHere)
        // The bad proof again: the signature is good for another claim, not checked.
        let again = cache.verdict(for: Self.claim(9, root: 66)) { Issue.record("checked again"); return true }
        #expect(again.entry.claim == Self.claim(9) && !again.checkedHere)
    }

    @Test func theOldestSignatureIsForgottenPastTheCapacity() {
        let cache = BatchSealCache()
        for signature in 0...UInt8(BatchSealCache.capacity) { _ = cache.verdict(for: Self.claim(signature)) { true } }
        var rechecked = false
        _ = cache.verdict(for: Self.claim(0)) { rechecked = true; return true }
        #expect(rechecked)
        _ = cache.verdict(for: Self.claim(UInt8(BatchSealCache.capacity))) { Issue.record("the newest was forgotten"); return true }
    }
}
