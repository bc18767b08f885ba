import Foundation
import NexNotices

/// What a border post holds and checks against (issue 16 §3, D65): built from the records its
/// durable subscriptions deliver, kept current by their follow-ups — an update replaces an entry
/// (next version), a cancellation, withdrawal or expiry removes it — and **kept on disk** by the
/// agent (``encoded()``, ``init(encoded:)``): an inbox redelivers only what was not receipted, so a
/// watchlist could not be rebuilt from it after a restart. A value: documents in, entries out.
public struct Watchlist: Sendable, Equatable, Codable {
    public private(set) var entries: [String: WatchlistEntry] = [:]
    /// The last ``WatchlistEntry/sequence`` given.
    private var lastSequence = 0

    public init() {}

    /// What applying one delivery did.
    public enum Change: Sendable, Equatable {
        case added(String)
        case updated(String, version: Int)
        case removed(String, because: NoticeKind)
        /// Not a record a check uses (a hit, a decision, a reply, a request), or a follow-up of one not held.
        case ignored
    }

    /// Applies a delivered envelope's document: `kind` and `topic` from the envelope, `id` its
    /// message id. Deliveries come in order, and a follow-up never before its original (D57).
    @discardableResult
    public mutating func apply(kind rawKind: String, id: String, topic: String, document: [UInt8]) -> Change {
        guard let kind = NoticeKind(rawValue: rawKind),
              let object = try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any] else { return .ignored }
        if kind.isFollowUp {
            guard let followUp = NoticeValidator.followUp(in: document, as: kind), var entry = entries[followUp.original] else { return .ignored }
            guard kind == .update, let updated = object["document"] as? [String: Any] else {
                entries[followUp.original] = nil
                return .removed(followUp.original, because: kind)
            }
            entry.version = followUp.version ?? entry.version + 1
            Self.fill(&entry, from: updated, kind: entry.kind)
            entries[followUp.original] = entry
            return .updated(followUp.original, version: entry.version)
        }
        guard kind.isColourNotice || kind == .diffusion || kind == .sltd, !topic.hasPrefix("request.") else { return .ignored }
        guard entries[id] == nil else { return .ignored }
        var entry = WatchlistEntry(id: id, kind: kind.rawValue, topic: topic, version: 1)
        Self.fill(&entry, from: object, kind: kind.rawValue)
        guard entry.person != nil || entry.documentNumber != nil else { return .ignored }
        lastSequence += 1
        entry.sequence = lastSequence
        entries[id] = entry
        return .added(id)
    }

    private static func fill(_ entry: inout WatchlistEntry, from object: [String: Any], kind: String) {
        let person = (kind == NoticeKind.sltd.rawValue ? object["holder"] : object["subject"]) as? [String: Any]
        entry.person = person.flatMap { subject in
            guard let family = subject["family_name"] as? String, let forenames = subject["forenames"] as? String else { return nil }
            let biometrics = subject["biometrics"] as? [String: Any]
            return WatchlistEntry.Person(familyName: family, forenames: forenames, dateOfBirth: subject["date_of_birth"] as? String,
                                         nationalities: subject["nationalities"] as? [String] ?? [],
                                         face: biometrics?["face"] as? String, fingerprint: biometrics?["fingerprint"] as? String,
                                         sex: subject["sex"] as? String)
        }
        entry.documentNumber = (object["document_number"] as? String).map(DocumentReferences.normalizedDocumentNumber)
        entry.purpose = object["purpose"] as? String
    }

    /// The lost or stolen document record of `country` numbered `number` (as nexd compares numbers).
    public func document(_ number: String, issuedBy country: String) -> WatchlistEntry? {
        let normalized = DocumentReferences.normalizedDocumentNumber(number)
        return entries.values.first { $0.kind == NoticeKind.sltd.rawValue && $0.documentNumber == normalized && $0.ownerCountry == country }
    }

    /// The entries with a person, in id order (what nominal and biometric checks run against).
    public var persons: [WatchlistEntry] {
        entries.values.filter { $0.person != nil }.sorted { $0.id < $1.id }
    }

    /// The watchlist as the agent keeps it on disk: a JSON array of entries in id order.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// A watchlist read back from ``encoded()``.
    public init(encoded data: Data) throws {
        self = try JSONDecoder().decode(Watchlist.self, from: data)
    }

    /// Encoded as a JSON array of entries in id order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(entries.values.sorted { $0.id < $1.id })
    }

    public init(from decoder: any Decoder) throws {
        for entry in try decoder.singleValueContainer().decode([WatchlistEntry].self) {
            entries[entry.id] = entry
            lastSequence = max(lastSequence, entry.sequence ?? 0)
        }
    }

    /// Notes when the post came to hold entry `id`.
    public mutating func markHeld(_ id: String, atMillis millis: Int64) {
        entries[id]?.heldSinceMillis = millis
    }

    /// The entries in the order the post came to hold them.
    public var inArrivalOrder: [WatchlistEntry] {
        entries.values.sorted { ($0.sequence ?? 0, $0.id) < ($1.sequence ?? 0, $1.id) }
    }
}
