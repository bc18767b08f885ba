import NexWire

/// A binary min-heap of message ids by expiry: one replay-cache shard's pruning order (small: D49).
struct ExpiryHeap {
    struct Item {
        var expiresAtMillis: Int64
        var id: MessageID
    }

    private var items: [Item] = []

    init() {}

    /// A heap of `items` in any order (heapified in O(n)).
    init(_ items: [Item]) {
        self.items = items
        var index = items.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    var count: Int { items.count }

    /// The item that expires first.
    func peek() -> Item? { items.first }

    mutating func push(_ item: Item) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].expiresAtMillis < items[parent].expiresAtMillis else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes the item that expires first.
    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        siftDown(from: 0)
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].expiresAtMillis < items[smallest].expiresAtMillis { smallest = left }
            if right < items.count, items[right].expiresAtMillis < items[smallest].expiresAtMillis { smallest = right }
            if smallest == parent { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
