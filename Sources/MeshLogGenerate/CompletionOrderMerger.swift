import MeshLogCore
/// Merges the lines of overlapping requests into one stream in completion order (the order sidecars write them).
///
/// Requests must be added in arrival order (as `TrafficGenerator.nextRequest()` returns them), each with its lines
/// already in completion order. Because every later request starts at or after the current one, and each of its
/// lines ends after it starts, every buffered line that ends no later than the newest request's start can be
/// written. Lines ending at the same microsecond keep generation order (earlier request first, then line order).
///
/// Internally this is a k-way merge: the heap holds one cursor per buffered request, not one entry per line.
///
/// For example:
/// ```swift
/// var merger = CompletionOrderMerger()
/// while let request = generator.nextRequest() {
///     merger.add(request) { line in write(line.text) }
/// }
/// merger.finish { line in write(line.text) }
/// ```
public struct CompletionOrderMerger {
    private struct Cursor {
        let end: Int64
        let order: Int
        let slot: Int

        @inline(__always)
        func precedes(_ other: Cursor) -> Bool {
            end < other.end || (end == other.end && order < other.order)
        }
    }

    private var heap: [Cursor] = []
    private var slots: [[GeneratedLine]] = []
    private var positions: [Int] = []
    private var freeSlots: [Int] = []
    private var order = 0
    private var buffered = 0

    /// Creates an empty merger.
    public init() {}

    /// The number of lines buffered and not yet emitted.
    public var bufferedCount: Int { buffered }

    /// Buffers `request`'s lines, then emits every line that can no longer be preceded by a later request's line.
    public mutating func add(_ request: GeneratedRequest, emit: (GeneratedLine) throws -> Void) rethrows {
        if let first = request.lines.first {
            let slot: Int
            if let free = freeSlots.popLast() {
                slot = free
                slots[slot] = request.lines
                positions[slot] = 0
            } else {
                slot = slots.count
                slots.append(request.lines)
                positions.append(0)
            }
            buffered += request.lines.count
            push(Cursor(end: first.endTimeMicros, order: order, slot: slot))
            order += 1
        }
        try drain(upTo: request.startMicros, emit: emit)
    }

    /// Emits every buffered line; call once after the last request.
    public mutating func finish(emit: (GeneratedLine) throws -> Void) rethrows {
        try drain(upTo: .max, emit: emit)
    }

    private mutating func drain(upTo limit: Int64, emit: (GeneratedLine) throws -> Void) rethrows {
        while let top = heap.first, top.end <= limit {
            let slot = top.slot
            let position = positions[slot]
            try emit(slots[slot][position])
            buffered -= 1
            let next = position + 1
            if next < slots[slot].count {
                positions[slot] = next
                replaceTop(Cursor(end: slots[slot][next].endTimeMicros, order: top.order, slot: slot))
            } else {
                slots[slot] = []
                freeSlots.append(slot)
                popTop()
            }
        }
    }

    private mutating func push(_ cursor: Cursor) {
        heap.append(cursor)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        if !heap.isEmpty { replaceTop(last) }
    }

    private mutating func replaceTop(_ cursor: Cursor) {
        heap[0] = cursor
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            var best = left
            let right = left + 1
            if right < count, heap[right].precedes(heap[left]) { best = right }
            guard heap[best].precedes(heap[parent]) else { break }
            heap.swapAt(best, parent)
            parent = best
        }
    }
}
