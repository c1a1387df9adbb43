import MeshLogStore

/// Adds up rows into `summary_minute`, `summary_hour_latency`, `summary_error` and `summary_hour`
/// deltas on the parsing thread, so the writer appends a few summary rows per thousand lines
/// instead of reading lines back.
///
/// Built for the per-line path: a cell's counts live in one flat array, cells are found through
/// an open-addressed table, and latencies are kept as packed `(cell, value)` words that `drain`
/// sorts once and run-length encodes straight into histogram blobs.
final class SummaryAggregator {
    /// A minute (or hour) cell: where the lines were seen and where they went.
    struct CellKey: Hashable {
        var minute: Int64, reporter: Int64, dest: Int64, caller: Int64

        @inline(__always)
        var mixed: UInt64 {
            var h = UInt64(bitPattern: minute) &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ UInt64(bitPattern: reporter)) &* 0xBF58_476D_1CE4_E5B9
            h = (h ^ UInt64(bitPattern: dest)) &* 0x94D0_49BB_1331_11EB
            h ^= UInt64(bitPattern: caller) &* 0x9E37_79B9_7F4A_7C15
            return h ^ (h >> 29)
        }

        /// One premixed word instead of four through the hasher.
        func hash(into hasher: inout Hasher) { hasher.combine(mixed) }
    }

    /// An error signature of one minute: where (reporter, destination, caller) and what (status,
    /// flags, response-code details, route).
    private struct ErrorKey: Hashable {
        var minute: Int64, reporter: Int64, dest: Int64, caller: Int64, status: Int64, flags: Int64, details: Int64, route: Int64
    }

    /// A (status, flags) pair seen in a cell; status -1 and flags 0 stand for none.
    private struct StatusKey: Hashable {
        var cell: Int32, status: Int64, flags: Int64

        /// One premixed word instead of three through the hasher.
        func hash(into hasher: inout Hasher) {
            var h = UInt64(UInt32(bitPattern: cell)) &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ UInt64(bitPattern: status)) &* 0xBF58_476D_1CE4_E5B9
            h ^= UInt64(bitPattern: flags) &* 0x94D0_49BB_1331_11EB
            hasher.combine(h)
        }
    }

    /// Counters per cell (`AccessLogBatch`'s summary columns): requests, errors, no_response,
    /// c1xx…c5xx, unflagged.
    static let countWidth = 9

    @exclusivity(unchecked) private var keys: [CellKey] = []
    @exclusivity(unchecked) private var counts: [Int64] = []
    /// The longest line's duration (-1: none yet) and request (0: none) per cell.
    @exclusivity(unchecked) private var slowestMs: [Int64] = []
    @exclusivity(unchecked) private var slowestReq: [Int64] = []
    @exclusivity(unchecked) private var table = CellTable()
    /// Latencies as `cell << valueBits | value`; values outside `0..<2^valueBits` go to `oddValues`.
    @exclusivity(unchecked) private var durations: [UInt64] = []
    @exclusivity(unchecked) private var upstreams: [UInt64] = []
    @exclusivity(unchecked) private var oddDurations: [(cell: Int32, value: Int64)] = []
    @exclusivity(unchecked) private var oddUpstreams: [(cell: Int32, value: Int64)] = []
    /// Each cell's first (status, flags) and how many lines had it; other pairs go to `statuses`.
    @exclusivity(unchecked) private var firstStatus: [Int64] = []
    @exclusivity(unchecked) private var firstFlags: [Int64] = []
    @exclusivity(unchecked) private var firstStatusCount: [Int64] = []
    @exclusivity(unchecked) private var statuses: [StatusKey: Int64] = [:]
    @exclusivity(unchecked) private var errors: [ErrorKey: Int64] = [:]
    /// Inbound lines per cell by how they arrived, three per cell (``TLSClass/code`` 1…3).
    @exclusivity(unchecked) private var tlsCounts: [Int64] = []
    @exclusivity(unchecked) private var lastKey = CellKey(minute: .min, reporter: 0, dest: 0, caller: 0)
    @exclusivity(unchecked) private var lastCell: Int32 = 0

    static let valueBits: UInt64 = 40
    static let valueMask: UInt64 = (1 << valueBits) - 1

    /// Whether nothing has been added since the last drain.
    var isEmpty: Bool { keys.isEmpty }

    /// Adds the batch's row `row` (already encoded), of direction `direction` (1 inbound, 2 outbound) and, for an
    /// inbound line, how it arrived (`tls`: ``TLSClass/code``, 0 for none).
    @inline(__always)
    func add(_ batch: AccessLogBatch, row: Int, direction: Int64?, tls: Int64 = 0) {
        @inline(__always) func integer(_ c: AccessLogBatch.Column) -> Int64? {
            let cell = batch.cell(row: row, c)
            return cell.kind == .integer ? cell.value : nil
        }
        let start = integer(.startMicros)
        let minute = start.map { $0 / 60_000_000 } ?? -1
        var caller: Int64 = 0
        if direction == 1, let remote = integer(.downstreamRemote) { caller = remote >> 16 }
        let key = CellKey(minute: minute, reporter: integer(.reporter) ?? 0, dest: integer(.destination) ?? 0, caller: caller)
        let cell: Int32
        if key == lastKey {
            cell = lastCell
        } else {
            cell = table.index(of: key, keys: keys) ?? newCell(key)
            lastKey = key
            lastCell = cell
        }
        let c = Int(cell)
        if tls > 0 { tlsCounts[c * 3 + Int(tls) - 1] += 1 }
        let status = integer(.status)
        let flags = integer(.flags)
        counts.withUnsafeMutableBufferPointer { all in
            let base = c * Self.countWidth
            all[base] += 1
            if let status {
                if status >= 500 || status == 0 { all[base + 1] += 1 }
                if status == 0 { all[base + 2] += 1 }
                if status >= 100, status < 600 { all[base + Int(status / 100) + 2] += 1 }
            }
            if flags == nil { all[base + 8] += 1 }
        }
        if let d = integer(.duration) {
            if d >= 0, UInt64(d) <= Self.valueMask { durations.append(UInt64(c) << Self.valueBits | UInt64(d)) } else { oddDurations.append((cell, d)) }
            if d > slowestMs[c] { slowestMs[c] = d; slowestReq[c] = integer(.requestID) ?? 0 }
        }
        if let u = integer(.upstreamTime) {
            if u >= 0, UInt64(u) <= Self.valueMask { upstreams.append(UInt64(c) << Self.valueBits | UInt64(u)) } else { oddUpstreams.append((cell, u)) }
        }
        // Failed lines (5xx, no response, or a response flag) keep their signature.
        if (status.map { $0 >= 500 || $0 == 0 } ?? false) || flags != nil {
            let e = ErrorKey(minute: minute, reporter: key.reporter, dest: key.dest, caller: caller, status: status ?? -1,
                             flags: flags ?? 0, details: integer(.details) ?? 0, route: integer(.route) ?? 0)
            errors[e, default: 0] += 1
        }
        let s = status ?? -1, f = flags ?? 0
        if firstStatusCount[c] == 0 {
            firstStatus[c] = s
            firstFlags[c] = f
            firstStatusCount[c] = 1
        } else if firstStatus[c] == s, firstFlags[c] == f {
            firstStatusCount[c] += 1
        } else {
            statuses[StatusKey(cell: cell, status: s, flags: f), default: 0] += 1
        }
    }

    private func newCell(_ key: CellKey) -> Int32 {
        let cell = Int32(keys.count)
        keys.append(key)
        counts.append(contentsOf: repeatElement(0, count: Self.countWidth))
        tlsCounts.append(contentsOf: repeatElement(0, count: 3))
        slowestMs.append(-1)
        slowestReq.append(0)
        firstStatus.append(0)
        firstFlags.append(0)
        firstStatusCount.append(0)
        table.insert(key, cell, keys: keys)
        return cell
    }

    /// Moves the deltas added so far into `batch` and starts over.
    func drain(into batch: AccessLogBatch) {
        guard !keys.isEmpty else { return }
        let cellCount = keys.count
        // Minute rows.
        let minuteDurations = Self.histograms(durations, odd: oddDurations, cells: cellCount)
        let minuteUpstreams = Self.histograms(upstreams, odd: oddUpstreams, cells: cellCount)
        batch.summaryMinutes.reserveCapacity(batch.summaryMinutes.count + cellCount)
        for c in 0..<cellCount {
            batch.summaryMinutes.append(Self.delta(keys[c], counts: counts, cell: c, duration: minuteDurations[c],
                                                   upstream: minuteUpstreams[c], slowestMs: slowestMs[c], slowestReq: slowestReq[c]))
        }
        // Hour latency rows: the minute cells added up per hour (keyed by the hour's first minute).
        var hourOf = [Int32](repeating: 0, count: cellCount)
        var hourIndex: [CellKey: Int32] = [:]
        var hourKeys: [CellKey] = []
        for c in 0..<cellCount {
            let k = keys[c]
            let hk = CellKey(minute: k.minute >= 0 ? k.minute / 60 * 60 : -1, reporter: k.reporter, dest: k.dest, caller: k.caller)
            if let h = hourIndex[hk] {
                hourOf[c] = h
            } else {
                let h = Int32(hourKeys.count)
                hourIndex[hk] = h
                hourKeys.append(hk)
                hourOf[c] = h
            }
        }
        var hourCounts = [Int64](repeating: 0, count: hourKeys.count * Self.countWidth)
        var hourSlowestMs = [Int64](repeating: -1, count: hourKeys.count)
        var hourSlowestReq = [Int64](repeating: 0, count: hourKeys.count)
        for c in 0..<cellCount {
            let h = Int(hourOf[c])
            for i in 0..<Self.countWidth { hourCounts[h * Self.countWidth + i] += counts[c * Self.countWidth + i] }
            if slowestMs[c] > hourSlowestMs[h] { hourSlowestMs[h] = slowestMs[c]; hourSlowestReq[h] = slowestReq[c] }
        }
        func regroup(_ packed: inout [UInt64], _ odd: [(cell: Int32, value: Int64)]) -> [[UInt8]?] {
            for i in packed.indices {
                let cell = Int(packed[i] >> Self.valueBits)
                packed[i] = UInt64(hourOf[cell]) << Self.valueBits | (packed[i] & Self.valueMask)
            }
            return Self.histograms(packed, odd: odd.map { (cell: hourOf[Int($0.cell)], value: $0.value) }, cells: hourKeys.count)
        }
        let hourDurations = regroup(&durations, oddDurations)
        let hourUpstreams = regroup(&upstreams, oddUpstreams)
        for h in hourKeys.indices {
            batch.summaryHourLatencies.append(Self.delta(hourKeys[h], counts: hourCounts, cell: h, duration: hourDurations[h],
                                                         upstream: hourUpstreams[h], slowestMs: hourSlowestMs[h], slowestReq: hourSlowestReq[h]))
        }
        // Hour rows: status and flag counts per hour (keyed by the hour number; the cells are
        // those of the hour latency rows).
        var hours: [StatusKey: Int64] = [:]
        for c in 0..<cellCount where firstStatusCount[c] > 0 {
            hours[StatusKey(cell: hourOf[c], status: firstStatus[c], flags: firstFlags[c]), default: 0] += firstStatusCount[c]
        }
        for (s, n) in statuses {
            hours[StatusKey(cell: hourOf[Int(s.cell)], status: s.status, flags: s.flags), default: 0] += n
        }
        for (s, n) in hours {
            let k = hourKeys[Int(s.cell)]
            batch.summaryHours.append((k.minute >= 0 ? k.minute / 60 : -1, k.reporter, k.dest, k.caller, s.status, s.flags, n))
        }
        for (k, n) in errors {
            batch.summaryErrors.append([k.minute, k.reporter, k.dest, k.caller, k.status, k.flags, k.details, k.route, n])
        }
        for c in 0..<cellCount {
            for k in 0..<3 where tlsCounts[c * 3 + k] > 0 {
                let key = keys[c]
                batch.summaryTLS.append([key.minute, key.reporter, key.dest, key.caller, Int64(k + 1), tlsCounts[c * 3 + k]])
            }
        }
        reset()
    }

    /// The delta row of cell `cell` of `counts` (flat, `countWidth` per cell), keyed by `key`;
    /// a slowest duration below 0 or request of 0 means none.
    private static func delta(_ key: CellKey, counts: [Int64], cell: Int, duration: [UInt8]?, upstream: [UInt8]?,
                              slowestMs: Int64, slowestReq: Int64) -> SummaryMinuteDelta {
        SummaryMinuteDelta(minute: key.minute, reporter: key.reporter, dest: key.dest, caller: key.caller,
                           counts: Array(counts[(cell * countWidth)..<((cell + 1) * countWidth)]),
                           duration: duration, upstream: upstream,
                           slowestMs: slowestMs >= 0 ? slowestMs : nil, slowestReq: slowestReq > 0 ? slowestReq : nil)
    }

    private func reset() {
        table.clear()
        keys.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        tlsCounts.removeAll(keepingCapacity: true)
        slowestMs.removeAll(keepingCapacity: true)
        slowestReq.removeAll(keepingCapacity: true)
        durations.removeAll(keepingCapacity: true)
        upstreams.removeAll(keepingCapacity: true)
        oddDurations.removeAll()
        oddUpstreams.removeAll()
        firstStatus.removeAll(keepingCapacity: true)
        firstFlags.removeAll(keepingCapacity: true)
        firstStatusCount.removeAll(keepingCapacity: true)
        statuses.removeAll(keepingCapacity: true)
        errors.removeAll(keepingCapacity: true)
        lastKey = CellKey(minute: .min, reporter: 0, dest: 0, caller: 0)
    }

    /// The encoded histogram of each cell (nil for a cell without values), from packed
    /// `cell << valueBits | value` words (sorted here) and the few values that do not pack.
    static func histograms(_ words: [UInt64], odd: [(cell: Int32, value: Int64)], cells: Int) -> [[UInt8]?] {
        var out = [[UInt8]?](repeating: nil, count: cells)
        var packed = words
        // Repacked as `cell << bits | value`, `bits` as few as the largest value needs, the sort
        // takes as few passes as the data does (two for a few thousand cells of milliseconds).
        var largest: UInt64 = 0
        for k in packed { largest = max(largest, k & valueMask) }
        let bits = UInt64(64 - largest.leadingZeroBitCount)
        let mask: UInt64 = (1 << bits) - 1
        for i in packed.indices { packed[i] = (packed[i] >> valueBits) << bits | (packed[i] & valueMask) }
        radixSort(&packed)
        var oddCells = Set<Int32>()
        for o in odd { oddCells.insert(o.cell) }
        var entries: [UInt8] = []
        var i = 0
        let n = packed.count
        while i < n {
            let cell = packed[i] >> bits
            var j = i
            if !oddCells.isEmpty, oddCells.contains(Int32(cell)) {
                // Rare: a value that does not pack (negative, or past 2^40); this cell goes the long way.
                var builder = ValueHistogram.Builder()
                while j < n, packed[j] >> bits == cell { builder.add(Int64(packed[j] & mask)); j += 1 }
                for o in odd where o.cell == Int32(cell) { builder.add(o.value) }
                out[Int(cell)] = builder.histogram().encoded()
                oddCells.remove(Int32(cell))
                i = j
                continue
            }
            entries.removeAll(keepingCapacity: true)
            var distinct: UInt64 = 0
            var previous: Int64 = 0
            while j < n, packed[j] >> bits == cell {
                let value = packed[j] & mask
                var k = j + 1
                while k < n, packed[k] == packed[j] { k += 1 }
                let delta = Int64(value) &- previous
                ValueHistogram.putVarint(UInt64(bitPattern: (delta << 1) ^ (delta >> 63)), &entries)
                ValueHistogram.putVarint(UInt64(k - j), &entries)
                previous = Int64(value)
                distinct += 1
                j = k
            }
            out[Int(cell)] = [UInt8](unsafeUninitializedCapacity: entries.count + 10) { buffer, count in
                var v = distinct
                count = 0
                while v >= 0x80 {
                    buffer[count] = UInt8(truncatingIfNeeded: v) | 0x80
                    count += 1
                    v >>= 7
                }
                buffer[count] = UInt8(v)
                count += 1
                entries.withUnsafeBufferPointer { e in
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[count...]).initialize(from: e)
                }
                count += entries.count
            }
            i = j
        }
        for cell in oddCells {
            // Cells whose only values did not pack.
            var builder = ValueHistogram.Builder()
            for o in odd where o.cell == cell { builder.add(o.value) }
            out[Int(cell)] = builder.histogram().encoded()
        }
        return out
    }
}

/// Sorts `keys` ascending: least significant digit first, 11 bits a pass, only as many passes as
/// the largest key needs (packed cells and milliseconds take two or three).
func radixSort(_ keys: inout [UInt64]) {
    let n = keys.count
    guard n > 64 else { keys.sort(); return }
    let top = keys.max() ?? 0
    let bits = 64 - top.leadingZeroBitCount
    let digitBits = 11, radix = 1 << 11
    var scratch = [UInt64](repeating: 0, count: n)
    var counts = [Int](repeating: 0, count: radix)
    var shift = 0
    var inScratch = false
    while shift < bits {
        counts.withUnsafeMutableBufferPointer { c in
            c.update(repeating: 0)
            keys.withUnsafeMutableBufferPointer { a in
                scratch.withUnsafeMutableBufferPointer { b in
                    let (from, to) = inScratch ? (b, a) : (a, b)
                    for k in from { c[Int((k >> UInt64(shift)) & UInt64(radix - 1))] += 1 }
                    var sum = 0
                    for d in 0..<radix { let x = c[d]; c[d] = sum; sum += x }
                    for k in from {
                        let d = Int((k >> UInt64(shift)) & UInt64(radix - 1))
                        to[c[d]] = k
                        c[d] += 1
                    }
                }
            }
        }
        inScratch.toggle()
        shift += digitBits
    }
    if inScratch { keys = scratch }
}

/// Open-addressed cell index for `SummaryAggregator`: key hash → cell number, cleared per drain
/// by visiting only the slots in use.
struct CellTable {
    private var slots: [Int32] = Array(repeating: -1, count: 1 << 12)
    private var mask = (1 << 12) - 1
    private var usedSlots: [Int] = []

    @inline(__always)
    func index(of key: SummaryAggregator.CellKey, keys: [SummaryAggregator.CellKey]) -> Int32? {
        var slot = Int(truncatingIfNeeded: key.mixed) & mask
        while true {
            let cell = slots[slot]
            if cell < 0 { return nil }
            if keys[Int(cell)] == key { return cell }
            slot = (slot + 1) & mask
        }
    }

    mutating func insert(_ key: SummaryAggregator.CellKey, _ cell: Int32, keys: [SummaryAggregator.CellKey]) {
        if (usedSlots.count + 1) * 2 > slots.count { grow(keys: keys) }
        place(key, cell)
    }

    private mutating func place(_ key: SummaryAggregator.CellKey, _ cell: Int32) {
        var slot = Int(truncatingIfNeeded: key.mixed) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = cell
        usedSlots.append(slot)
    }

    private mutating func grow(keys: [SummaryAggregator.CellKey]) {
        let old = usedSlots.map { slots[$0] }
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        usedSlots.removeAll(keepingCapacity: true)
        for cell in old { place(keys[Int(cell)], cell) }
    }

    /// Empties the table.
    mutating func clear() {
        for slot in usedSlots { slots[slot] = -1 }
        usedSlots.removeAll(keepingCapacity: true)
    }
}
