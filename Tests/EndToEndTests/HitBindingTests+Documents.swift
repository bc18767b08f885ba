import Foundation
import NexAudit
import NexClient
import NexNotices
import NexSync
import NexWire
import Testing

/// Lost or stolen travel document records (D62) over real mTLS with the shipped permissions: the
/// issuing country's NCB reports one on `sltd.<cc>`, a border post's hit matches it by number and
/// goes to that country, across a restart; cancelled, it matches nothing.
extension HitBindingTests {
    static func document(number: String = "B0042917", issuingCountry: String = "ug", reportedBy: String = "ncb.ug.kampala") -> String {
        """
        {"kind": "sltd", "fictional": true, "document_number": "\(number)", "document_type": "passport",
         "issuing_country": "\(issuingCountry)", "status": "stolen", "reported_on": "2026-03-02", "reported_by": "\(reportedBy)"}
        """
    }

    @Test func aHitMatchesAStolenPassportByNumberAndGoesToTheIssuingCountry() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (kampala, kampalaCredentials) = try nexd.connect(as: "ncb.ug.kampala")
        #expect(try kampala.subscribe("hit.ug.*", id: 1) == .accepted)
        let (busia, busiaCredentials) = try nexd.connect(as: "bcp.ke.busia")
        #expect(try busia.subscribe("sltd.>", id: 1) == .accepted)
        let record = try signedNotice(from: kampalaCredentials, topic: "sltd.ug", kind: "sltd", payload: Self.document())
        guard case .accepted = try kampala.publish(record) else { Issue.record("the document record was refused"); return }
        #expect(try busia.nextDelivery(timeout: .seconds(5)).envelope == record.wireBytes)

        // Written as the traveller's passport prints it: case, spaces and hyphens do not matter.
        let hit = try signedNotice(from: busiaCredentials, topic: "hit.ug.ke", kind: "hit", payload: Self.hit(documentNumber: "b 004-2917"))
        guard case .accepted = try busia.publish(hit) else { Issue.record("the hit on the stolen passport was refused"); return }
        #expect(try kampala.nextDelivery(timeout: .seconds(5)).envelope == hit.wireBytes)
        // The owner token names the issuing country: the same number is no Kenyan record.
        let elsewhere = try busia.publish(try signedNotice(from: busiaCredentials, topic: "hit.ke.ke", kind: "hit",
                                                           payload: Self.hit(documentNumber: "B0042917")))
        guard case .refused(let nack) = elsewhere else { Issue.record("a hit matched another country's record"); return }
        #expect(nack.reason.contains("no lost or stolen document record of ke"), "\(nack.reason)")

        // Rebuilt from the log at start-up (the envelope's number), then cancelled by its NCB only.
        kampala.close()
        busia.close()
        try nexd.restart()
        let (post, postCredentials) = try nexd.connect(as: "bcp.ke.busia")
        guard case .accepted = try post.publish(try signedNotice(from: postCredentials, topic: "hit.ug.ke", kind: "hit",
                                                                 payload: Self.hit(documentNumber: "B0042917"))) else {
            Issue.record("the record was not rebuilt after the restart")
            return
        }
        let (ncb, ncbCredentials) = try nexd.connect(as: "ncb.ug.kampala")
        // One active record per number; a record keeps its number and its issuing country.
        guard case .refused(let twice) = try ncb.publish(try signedNotice(from: ncbCredentials, topic: "sltd.ug", kind: "sltd",
                                                                            payload: Self.document(number: "b0042917"))) else {
            Issue.record("a second active record took the same number")
            return
        }
        #expect(twice.reason.contains("already reported (record \(record.envelope.messageID), active)"), "\(twice.reason)")
        for (changed, expected) in [(Self.document(number: "X999"), "keeps its document_number"),
                                    (Self.document(issuingCountry: "ke"), "document.issuing_country")] {
            let update = #"{"kind":"update","original":"\#(record.envelope.messageID)","reason":"other","reason_text":"x","version":2,"document":\#(changed)}"#
            guard case .refused(let nack) = try ncb.publish(try signedNotice(from: ncbCredentials, topic: "sltd.ug", kind: "update", payload: update)) else {
                Issue.record("an update changed what a record is about: \(changed)")
                continue
            }
            #expect(nack.reason.contains(expected), "\(nack.reason)")
        }
        let cancel = #"{"kind":"cancel","original":"\#(record.envelope.messageID)","reason":"other","reason_text":"passport recovered"}"#
        let (nairobi, nairobiCredentials) = try nexd.connect(as: "ncb.ke.nairobi")
        guard case .refused = try nairobi.publish(try signedNotice(from: nairobiCredentials, topic: "sltd.ug", kind: "cancel", payload: cancel)) else {
            Issue.record("another country's NCB cancelled the record")
            return
        }
        guard case .accepted = try ncb.publish(try signedNotice(from: ncbCredentials, topic: "sltd.ug", kind: "cancel", payload: cancel)) else {
            Issue.record("the reporting NCB could not cancel its record")
            return
        }
        let late = try post.publish(try signedNotice(from: postCredentials, topic: "hit.ug.ke", kind: "hit", payload: Self.hit(documentNumber: "B0042917")))
        guard case .refused(let cancelled) = late else { Issue.record("a hit matched a cancelled record"); return }
        #expect(cancelled.reason.contains("was cancelled"), "\(cancelled.reason)")
        // Stolen again after it was found: the new record takes the number.
        let again = try signedNotice(from: ncbCredentials, topic: "sltd.ug", kind: "sltd", payload: Self.document())
        guard case .accepted = try ncb.publish(again) else { Issue.record("the number could not be reported again"); return }
        guard case .accepted = try post.publish(try signedNotice(from: postCredentials, topic: "hit.ug.ke", kind: "hit",
                                                                 payload: Self.hit(documentNumber: "B0042917"))) else {
            Issue.record("a hit did not match the record reported again")
            return
        }
        for connection in [post, ncb, nairobi] { connection.close() }
    }

    @Test func documentRecordRefusals() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (nairobi, nairobiCredentials) = try nexd.connect(as: "ncb.ke.nairobi")
        // Only Uganda's NCB reports Ugandan documents (the shipped permission sltd.%country).
        guard case .refused(let foreign) = try nairobi.publish(try signedNotice(from: nairobiCredentials, topic: "sltd.ug", kind: "sltd",
                                                                                  payload: Self.document(reportedBy: "ncb.ke.nairobi"))) else {
            Issue.record("Kenya's NCB reported a Ugandan document")
            return
        }
        #expect(foreign.code == .permissionDenied)
        // A record travels on its issuing country's topic.
        guard case .refused(let mismatch) = try nairobi.publish(try signedNotice(from: nairobiCredentials, topic: "sltd.ke", kind: "sltd",
                                                                                   payload: Self.document(reportedBy: "ncb.ke.nairobi"))) else {
            Issue.record("a Ugandan passport was reported on sltd.ke")
            return
        }
        #expect(mismatch.code == .invalidNotice && mismatch.reason.contains("issuing_country"), "\(mismatch.reason)")
        // reported_by names the sender.
        guard case .refused(let impostor) = try nairobi.publish(try signedNotice(from: nairobiCredentials, topic: "sltd.ke", kind: "sltd",
                                                                                   payload: Self.document(issuingCountry: "ke"))) else {
            Issue.record("a record named another NCB as its reporter")
            return
        }
        #expect(impostor.reason.contains("reported_by"), "\(impostor.reason)")
        nairobi.close()
    }
}
