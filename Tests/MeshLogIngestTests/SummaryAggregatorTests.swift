import Testing
import MeshLogStore
@testable import MeshLogIngest

/// One line as the summary aggregator reads it.
struct SummaryTestLine {
    let start: Int64?
    let reporter: Int64
    let dest: Int64
    let remote: Int64?
    let direction: Int64?
    let status: Int64?
    let flags: Int64?
    let duration: Int64?
    let upstream: Int64?
    let req: Int64
}

/// The aggregator's packed, sorted path must give exactly the rows a plain per-cell count gives.
@Suite("Summary aggregation")
struct SummaryAggregatorTests {
    /// Deterministic lines over three hours, a few pods and edges, with odd durations mixed in.
    static func lines(_ n: Int) -> [SummaryTestLine] {
        var x: UInt64 = 0x1234_5678
        func next(_ bound: Int) -> Int64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return Int64(x % UInt64(bound))
        }
        let statuses: [Int64?] = [200, 200, 200, 201, 304, 404, 503, 0, nil]
        return (0..<n).map { i in
            let start: Int64? = next(50) == 0 ? nil : 1_795_564_800_000_000 + Int64(i) * 10_000_000 / 3 + next(2_000_000)
            var duration: Int64? = next(40) == 0 ? nil : next(300)
            if next(200) == 0 { duration = -next(5) - 1 }           // negative: does not pack
            if next(300) == 0 { duration = (1 << 41) + next(10) }   // past 2^40 ms: does not pack
            let direction: Int64? = [1, 2, nil][Int(next(3))]
            return SummaryTestLine(start: start, reporter: 1 + next(3), dest: 10 + next(4), remote: (0x0A00_0001 + next(3)) << 16 | 40000,
                        direction: direction, status: statuses[Int(next(Int(statuses.count)))],
                        flags: next(10) == 0 ? 7 : nil, duration: duration, upstream: duration.map { $0 > 2 ? $0 - 2 : $0 },
                        req: Int64(i + 1))
        }
    }

    /// Runs `lines` through an aggregator in batches of `batchSize`, draining every `drainEvery` batches.
    static func aggregate(_ lines: [SummaryTestLine], batchSize: Int, drainEvery: Int) -> [AccessLogBatch] {
        let aggregator = SummaryAggregator()
        var out: [AccessLogBatch] = []
        var index = 0
        var flushes = 0
        while index < lines.count {
            let batch = AccessLogBatch(capacity: batchSize)
            for line in lines[index..<min(index + batchSize, lines.count)] {
                batch.beginRow()
                batch.set(.startMicros, line.start)
                batch.set(.reporter, line.reporter)
                batch.set(.destination, line.dest)
                batch.set(.downstreamRemote, line.remote)
                batch.set(.status, line.status)
                batch.set(.flags, line.flags)
                batch.set(.duration, line.duration)
                batch.set(.upstreamTime, line.upstream)
                batch.set(.requestID, line.req)
                aggregator.add(batch, row: batch.rowCount - 1, direction: line.direction)
            }
            index += batchSize
            flushes += 1
            if flushes % drainEvery == 0 || index >= lines.count { aggregator.drain(into: batch) }
            out.append(batch)
        }
        return out
    }

    /// Minute (or hour) rows added up per key, histograms decoded: "key → counts, slowest, durations, upstreams".
    static func merged(_ deltas: [SummaryMinuteDelta]) -> [String: String] {
        var groups: [String: (counts: [Int64], slowest: Int64, duration: ValueHistogram.Builder, upstream: ValueHistogram.Builder)] = [:]
        for d in deltas {
            let key = "\(d.minute)/\(d.reporter)/\(d.dest)/\(d.caller)"
            var g = groups[key] ?? ([Int64](repeating: 0, count: 9), -1, ValueHistogram.Builder(), ValueHistogram.Builder())
            for i in 0..<9 { g.counts[i] += d.counts[i] }
            g.slowest = max(g.slowest, d.slowestMs ?? -1)
            if let blob = d.duration { #expect(blob.withUnsafeBytes { g.duration.add(encoded: $0) }) }
            if let blob = d.upstream { #expect(blob.withUnsafeBytes { g.upstream.add(encoded: $0) }) }
            groups[key] = g
        }
        return groups.mapValues { "\($0.counts) \($0.slowest) \($0.duration.histogram()) \($0.upstream.histogram())" }
    }

    /// The same rows counted the plain way, one line at a time.
    static func reference(_ lines: [SummaryTestLine], hours: Bool) -> [String: String] {
        var deltas: [SummaryMinuteDelta] = []
        for line in lines {
            var minute = line.start.map { $0 / 60_000_000 } ?? -1
            if hours { minute = minute >= 0 ? minute / 60 * 60 : -1 }
            let caller = line.direction == 1 ? (line.remote ?? 0) >> 16 : 0
            var counts = [Int64](repeating: 0, count: 9)
            counts[0] = 1
            if let s = line.status {
                if s >= 500 || s == 0 { counts[1] = 1 }
                if s == 0 { counts[2] = 1 }
                if s >= 100, s < 600 { counts[Int(s / 100) + 2] = 1 }
            }
            if line.flags == nil { counts[8] = 1 }
            deltas.append(SummaryMinuteDelta(minute: minute, reporter: line.reporter, dest: line.dest, caller: caller, counts: counts,
                                             duration: line.duration.map { ValueHistogram([$0]).encoded() },
                                             upstream: line.upstream.map { ValueHistogram([$0]).encoded() },
                                             slowestMs: line.duration))
        }
        return merged(deltas)
    }

    @Test("minute, hour-latency, hour and error rows match a plain count", arguments: [(64, 1), (500, 3), (6_000, 1)])
    func matchesPlainCount(batchSize: Int, drainEvery: Int) {
        let lines = Self.lines(6_000)
        let batches = Self.aggregate(lines, batchSize: batchSize, drainEvery: drainEvery)
        #expect(lines.contains { ($0.duration ?? 0) < 0 } && lines.contains { ($0.duration ?? 0) > 1 << 40 })
        #expect(Self.merged(batches.flatMap(\.summaryMinutes)) == Self.reference(lines, hours: false))
        #expect(Self.merged(batches.flatMap(\.summaryHourLatencies)) == Self.reference(lines, hours: true))

        var hours: [String: Int64] = [:]
        for h in batches.flatMap(\.summaryHours) { hours["\(h.0)/\(h.1)/\(h.2)/\(h.3)/\(h.4)/\(h.5)", default: 0] += h.6 }
        var expectedHours: [String: Int64] = [:]
        var expectedErrors: [String: Int64] = [:]
        for line in lines {
            let minute = line.start.map { $0 / 60_000_000 } ?? -1
            let caller = line.direction == 1 ? (line.remote ?? 0) >> 16 : 0
            let status = line.status ?? -1, flags = line.flags ?? 0
            expectedHours["\(minute >= 0 ? minute / 60 : -1)/\(line.reporter)/\(line.dest)/\(caller)/\(status)/\(flags)", default: 0] += 1
            if status >= 500 || status == 0 || line.flags != nil {
                expectedErrors["\(minute)/\(line.reporter)/\(line.dest)/\(caller)/\(status)/\(flags)", default: 0] += 1
            }
        }
        #expect(hours == expectedHours)
        var errors: [String: Int64] = [:]
        for e in batches.flatMap(\.summaryErrors) { errors["\(e[0])/\(e[1])/\(e[2])/\(e[3])/\(e[4])/\(e[5])", default: 0] += e[8] }
        #expect(errors == expectedErrors)
    }

    @Test("radix sort orders like sort()", arguments: [0, 5, 65, 1_000, 70_000])
    func radix(count: Int) {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        let widths: [UInt64] = [3, 17, 40, 63]
        for width in widths {
            var keys: [UInt64] = (0..<count).map { _ in
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                return x & ((1 << width) - 1)
            }
            let expected = keys.sorted()
            radixSort(&keys)
            #expect(keys == expected)
        }
    }

    @Test("a drain with nothing added adds no rows, and the next batch starts clean")
    func emptyDrain() {
        let aggregator = SummaryAggregator()
        let batch = AccessLogBatch(capacity: 4)
        aggregator.drain(into: batch)
        #expect(batch.summaryMinutes.isEmpty && batch.summaryHours.isEmpty && aggregator.isEmpty)
        let again = Self.aggregate(Self.lines(10), batchSize: 10, drainEvery: 1)
        #expect(again[0].summaryMinutes.map(\.counts[0]).reduce(0, +) == 10)
    }
}
