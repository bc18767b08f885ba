import Testing
@testable import NexServer

/// The registry's storage that grows without a stop-the-world copy: a dictionary in 256 shards and
/// an array in chunks of 4,096 behave as a plain dictionary and array do.
@Suite struct ShardedStorageTests {
    @Test func aShardedDictionaryKeepsEveryEntryAndItsCount() {
        var sharded = ShardedDictionary<Int, String>()
        var plain: [Int: String] = [:]
        // Inserts, replacements and removals, past many shard doublings.
        for key in 0..<20_000 {
            sharded[key] = "v\(key)"
            plain[key] = "v\(key)"
        }
        for key in stride(from: 0, to: 20_000, by: 3) {
            sharded[key] = "w\(key)"
            plain[key] = "w\(key)"
        }
        for key in stride(from: 0, to: 20_000, by: 7) {
            #expect(sharded.removeValue(forKey: key) == plain.removeValue(forKey: key))
        }
        for key in stride(from: 1, to: 20_000, by: 11) {
            sharded[key] = nil
            plain[key] = nil
        }
        #expect(sharded.removeValue(forKey: -1) == nil)
        sharded[-2] = nil
        #expect(sharded.count == plain.count)
        for key in -5..<20_005 { #expect(sharded[key] == plain[key]) }
        let entries = Dictionary(uniqueKeysWithValues: sharded.entries.map { ($0.key, $0.value) })
        #expect(entries == plain)
    }

    @Test(arguments: [0, 1, 4095, 4096, 4097, 10_000])
    func aChunkedArrayHoldsWhatWasAppendedInOrder(count: Int) {
        var chunked = ChunkedArray<Int>()
        for value in 0..<count { chunked.append(value * 2) }
        #expect(chunked.count == count)
        for position in 0..<count { #expect(chunked[position] == position * 2) }
        if count > 1 {
            chunked[count - 1] = -1
            chunked[0] = -2
            #expect(chunked[count - 1] == -1 && chunked[0] == -2)
        }
    }
}
