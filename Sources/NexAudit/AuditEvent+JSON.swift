extension AuditEvent {
    /// Encodes the event's members as JSON text without braces and without `seq`/`prev`/`hash`
    /// (the writer adds those in order). Member order is fixed, so equal events encode to equal bytes.
    ///
    /// Called on the queue that saw the event, so the audit writer only frames and hashes.
    public func encodedMembers() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + (envelope?.count ?? 0) * 4 / 3 + (certificateDER?.count ?? 0) * 4 / 3)
        var first = true
        JSONText.appendKey("time", first: &first, to: &out)
        Timestamp.appendQuoted(millis: timeMillis, to: &out)
        JSONText.appendKey("event", first: &first, to: &out)
        JSONText.appendString(kind.rawValue, to: &out)
        func integer<I: BinaryInteger>(_ key: StaticString, _ value: I?) {
            guard let value else { return }
            JSONText.appendKey(key, first: &first, to: &out)
            JSONText.appendInteger(value, to: &out)
        }
        func base64(_ key: StaticString, _ value: [UInt8]?) {
            guard let value else { return }
            JSONText.appendKey(key, first: &first, to: &out)
            JSONText.appendBase64String(value, to: &out)
        }
        func string(_ key: StaticString, _ value: String?) {
            guard let value else { return }
            JSONText.appendKey(key, first: &first, to: &out)
            JSONText.appendString(value, to: &out)
        }
        integer("format", format)
        string("outcome", outcome?.rawValue)
        string("reason", reason)
        string("detail", detail)
        integer("conn", connection)
        string("node", node)
        string("role", role)
        string("country", country)
        string("peer", peer)
        string("cert", certificateFingerprint)
        string("msg", messageID)
        string("topic", topic)
        string("kind", noticeKind)
        integer("sub", subscriptionID)
        string("filter", filter)
        string("inbox", inbox)
        integer("from", fromSequence)
        integer("through", throughSequence)
        if let issuedAtMillis {
            JSONText.appendKey("issuedAt", first: &first, to: &out)
            Timestamp.appendQuoted(millis: issuedAtMillis, to: &out)
        }
        if let expiresAtMillis {
            JSONText.appendKey("expiresAt", first: &first, to: &out)
            Timestamp.appendQuoted(millis: expiresAtMillis, to: &out)
        }
        string("digest", signedDigest)
        integer("ref", acceptedSequence)
        if let recipients {
            JSONText.appendKey("recipients", first: &first, to: &out)
            appendArray(recipients, to: &out) { recipient, out in
                JSONText.appendRaw(#"{"node":"#, to: &out)
                JSONText.appendString(recipient.node, to: &out)
                JSONText.appendRaw(#","conn":"#, to: &out)
                JSONText.appendInteger(recipient.connection, to: &out)
                JSONText.appendRaw(#","subs":"#, to: &out)
                appendArray(recipient.subscriptions, to: &out) { id, out in JSONText.appendInteger(id, to: &out) }
                if !recipient.inboxes.isEmpty {
                    JSONText.appendRaw(#","inboxes":"#, to: &out)
                    appendStrings(recipient.inboxes, to: &out)
                }
                if let exception = recipient.exception {
                    JSONText.appendRaw(#","exception":"#, to: &out)
                    JSONText.appendString(exception, to: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        }
        if let queued {
            JSONText.appendKey("queued", first: &first, to: &out)
            appendArray(queued, to: &out) { entry, out in
                JSONText.appendRaw(#"{"node":"#, to: &out)
                JSONText.appendString(entry.node, to: &out)
                JSONText.appendRaw(#","inbox":"#, to: &out)
                JSONText.appendString(entry.inbox, to: &out)
                if let exception = entry.exception {
                    JSONText.appendRaw(#","exception":"#, to: &out)
                    JSONText.appendString(exception, to: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        }
        if let withheld {
            JSONText.appendKey("withheld", first: &first, to: &out)
            appendArray(withheld, to: &out) { entry, out in
                JSONText.appendRaw(#"{"node":"#, to: &out)
                JSONText.appendString(entry.node, to: &out)
                if let connection = entry.connection {
                    JSONText.appendRaw(#","conn":"#, to: &out)
                    JSONText.appendInteger(connection, to: &out)
                } else {
                    JSONText.appendRaw(#","inbox":"#, to: &out)
                    JSONText.appendString(entry.inbox ?? "", to: &out)
                }
                JSONText.appendRaw(#","reason":"#, to: &out)
                JSONText.appendString(entry.reason, to: &out)
                out.append(UInt8(ascii: "}"))
            }
        }
        string("restrictions", restrictions)
        if let receivedMessageIDs {
            JSONText.appendKey("received", first: &first, to: &out)
            appendStrings(receivedMessageIDs, to: &out)
        }
        if let missedMessageIDs {
            JSONText.appendKey("missed", first: &first, to: &out)
            appendStrings(missedMessageIDs, to: &out)
        }
        integer("delivery", deliverySequence)
        integer("count", count)
        integer("part", part)
        integer("parts", parts)
        base64("envelope", envelope)
        base64("certificate", certificateDER)
        integer("size", batchSize)
        string("root", batchRoot)
        string("restrictionsDigest", restrictionsDigest)
        base64("signature", batchSignature)
        return out
    }

    private func appendStrings(_ strings: [String], to out: inout [UInt8]) {
        appendArray(strings, to: &out) { text, out in JSONText.appendString(text, to: &out) }
    }

    /// A JSON array: `[`, each element as `element` writes it, comma-separated, `]`.
    private func appendArray<Element>(_ elements: [Element], to out: inout [UInt8],
                                      _ element: (Element, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "["))
        for (index, item) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            element(item, &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}
