import MeshLogStore

/// Adds up a batch's rows into `summary_minute` and `summary_hour` deltas on the parsing
/// thread, so the writer upserts a few hundred summary rows per batch instead of reading lines back.
final class SummaryAggregator {
    private struct MinuteKey: Hashable {
        var minute: Int64, reporter: Int64, dest: Int64, caller: Int64

        static func == (a: MinuteKey, b: MinuteKey) -> Bool {
            a.minute == b.minute && a.dest == b.dest && a.caller == b.caller && a.reporter == b.reporter
        }

        /// One premixed word instead of four through the hasher.
        func hash(into hasher: inout Hasher) {
            var h = UInt64(bitPattern: minute) &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ UInt64(bitPattern: reporter)) &* 0xBF58_476D_1CE4_E5B9
            h = (h ^ UInt64(bitPattern: dest)) &* 0x94D0_49BB_1331_11EB
            h ^= UInt64(bitPattern: caller) &* 0x9E37_79B9_7F4A_7C15
            hasher.combine(h)
        }
    }

    /// An error signature of one minute: where (reporter, destination, caller) and what (status,
    /// flags, response-code details, route).
    private struct ErrorKey: Hashable {
        var minute: Int64, reporter: Int64, dest: Int64, caller: Int64, status: Int64, flags: Int64, details: Int64, route: Int64
    }

    private struct MinuteCell {
        /// The longest line's duration and request (`request` id, 0 when it has none).
        var slowestMs: Int64 = -1
        var slowestReq: Int64 = 0
        var counts = [Int64](repeating: 0, count: 9)
        var duration = ValueHistogram.Builder()
        var upstream = ValueHistogram.Builder()
        /// (status or -1, flags or 0, requests): usually one to three entries.
        var statusFlags: [(Int64, Int64, Int64)] = []

        /// The cell as a delta row for `key`, histograms encoded.
        func delta(_ key: MinuteKey) -> SummaryMinuteDelta {
            SummaryMinuteDelta(minute: key.minute, reporter: key.reporter, dest: key.dest, caller: key.caller, counts: counts,
                               duration: duration.isEmpty ? nil : duration.histogram().encoded(),
                               upstream: upstream.isEmpty ? nil : upstream.histogram().encoded(),
                               slowestMs: slowestMs >= 0 ? slowestMs : nil, slowestReq: slowestReq > 0 ? slowestReq : nil)
        }

        /// Adds another cell's counts and histograms (status and flag counts are kept per hour elsewhere).
        mutating func add(_ other: MinuteCell) {
            for i in counts.indices { counts[i] += other.counts[i] }
            if other.slowestMs > slowestMs { slowestMs = other.slowestMs; slowestReq = other.slowestReq }
            duration.add(other.duration)
            upstream.add(other.upstream)
        }
    }

    private var minuteIndex: [MinuteKey: Int] = [:]
    private var minuteKeys: [MinuteKey] = []
    private var cells: [MinuteCell] = []
    private var errors: [ErrorKey: Int64] = [:]
    private var lastKey = MinuteKey(minute: .min, reporter: 0, dest: 0, caller: 0)
    private var lastIndex = 0

    /// Adds the batch's row `row` (already encoded), of direction `direction` (1 inbound, 2 outbound).
    @inline(__always)
    func add(_ batch: AccessLogBatch, row: Int, direction: Int64?) {
        func integer(_ c: AccessLogBatch.Column) -> Int64? {
            let cell = batch.cell(row: row, c)
            return cell.kind == .integer ? cell.value : nil
        }
        let start = integer(.startMicros)
        let minute = start.map { $0 / 60_000_000 } ?? -1
        let reporter = integer(.reporter) ?? 0
        let dest = integer(.destination) ?? 0
        var caller: Int64 = 0
        if direction == 1, let remote = integer(.downstreamRemote) { caller = remote >> 16 }
        let status = integer(.status)
        let flags = integer(.flags)

        let key = MinuteKey(minute: minute, reporter: reporter, dest: dest, caller: caller)
        let index: Int
        if key == lastKey {
            index = lastIndex
        } else if let i = minuteIndex[key] {
            index = i
        } else {
            index = cells.count
            minuteIndex[key] = index
            minuteKeys.append(key)
            cells.append(MinuteCell())
        }
        lastKey = key
        lastIndex = index
        cells[index].counts[0] += 1
        if let status {
            if status >= 500 || status == 0 { cells[index].counts[1] += 1 }
            if status == 0 { cells[index].counts[2] += 1 }
            if status >= 100, status < 600 { cells[index].counts[Int(status / 100) + 2] += 1 }
        }
        if flags == nil { cells[index].counts[8] += 1 }
        if let d = integer(.duration) {
            cells[index].duration.add(d)
            if d > cells[index].slowestMs { cells[index].slowestMs = d; cells[index].slowestReq = integer(.requestID) ?? 0 }
        }
        // Failed lines (5xx, no response, or a response flag) keep their signature.
        if (status.map { $0 >= 500 || $0 == 0 } ?? false) || flags != nil {
            let key = ErrorKey(minute: minute, reporter: reporter, dest: dest, caller: caller, status: status ?? -1,
                               flags: flags ?? 0, details: integer(.details) ?? 0, route: integer(.route) ?? 0)
            errors[key, default: 0] += 1
        }
        if let u = integer(.upstreamTime) { cells[index].upstream.add(u) }
        let s = status ?? -1, f = flags ?? 0
        if let k = cells[index].statusFlags.firstIndex(where: { $0.0 == s && $0.1 == f }) {
            cells[index].statusFlags[k].2 += 1
        } else {
            cells[index].statusFlags.append((s, f, 1))
        }
    }

    /// Moves the deltas added so far into `batch` and starts over.
    func drain(into batch: AccessLogBatch) {
        for (i, key) in minuteKeys.enumerated() {
            let c = cells[i]
            batch.summaryMinutes.append(c.delta(key))
        }
        for (k, n) in errors {
            batch.summaryErrors.append([k.minute, k.reporter, k.dest, k.caller, k.status, k.flags, k.details, k.route, n])
        }
        errors.removeAll(keepingCapacity: true)
        // Hour rows: the minute cells added up per hour (latency), and their status and flag counts.
        var latency: [MinuteKey: MinuteCell] = [:]
        var latencyOrder: [MinuteKey] = []
        var hours: [MinuteKey: [(Int64, Int64, Int64)]] = [:]
        for (i, key) in minuteKeys.enumerated() {
            let hourStart = MinuteKey(minute: key.minute >= 0 ? key.minute / 60 * 60 : -1, reporter: key.reporter, dest: key.dest, caller: key.caller)
            if latency[hourStart] == nil { latency[hourStart] = MinuteCell(); latencyOrder.append(hourStart) }
            latency[hourStart]!.add(cells[i])
            let hourKey = MinuteKey(minute: key.minute >= 0 ? key.minute / 60 : -1, reporter: key.reporter, dest: key.dest, caller: key.caller)
            var list = hours[hourKey] ?? []
            for (s, f, n) in cells[i].statusFlags {
                if let k = list.firstIndex(where: { $0.0 == s && $0.1 == f }) { list[k].2 += n } else { list.append((s, f, n)) }
            }
            hours[hourKey] = list
        }
        for key in latencyOrder {
            let c = latency[key]!
            batch.summaryHourLatencies.append(c.delta(key))
        }
        for (k, list) in hours {
            for (s, f, n) in list { batch.summaryHours.append((k.minute, k.reporter, k.dest, k.caller, s, f, n)) }
        }
        minuteIndex.removeAll(keepingCapacity: true)
        minuteKeys.removeAll(keepingCapacity: true)
        cells.removeAll(keepingCapacity: true)
        lastKey = MinuteKey(minute: .min, reporter: 0, dest: 0, caller: 0)
    }
}
