import MeshLogStore

/// A second ``TraceReader``: the spans and lines of a store held in arrays, searched in Swift.
///
/// The trace commands' logic (loading, tree building, adjusters, diff, search) runs on it exactly
/// as on SQLite, which shows that the store boundary holds: a backend is an implementation of the
/// reader, not a fork of the commands.
final class InMemoryTraceReader: TraceReader {
    private let lines: [TraceLogLine]
    private let allSpans: [TraceSpan]

    init(lines: [TraceLogLine], spans: [TraceSpan]) {
        self.lines = lines
        allSpans = spans
    }

    func spans(trace: String) -> [TraceSpan] { allSpans.filter { $0.traceID == trace } }

    func traces(request: String) -> [String] {
        var seen = Set<String>()
        return allSpans.filter { $0.requestID == request }.map(\.traceID).filter { seen.insert($0).inserted }
    }

    func logLines(request: String) -> [TraceLogLine] { lines.filter { $0.requestID == request } }

    func logLines(trace: String) -> [TraceLogLine] { lines.filter { $0.traceID == trace } }
    func failingRequests(sinceUs: Int64?, untilUs: Int64?, limit: Int) -> [String] {
        var seen: [String] = []
        for l in lines where (l.status >= 500 || l.status == 0) && l.startUs >= (sinceUs ?? .min) && l.startUs < (untilUs ?? .max) {
            if let r = l.requestID, !seen.contains(r) { seen.append(r) }
        }
        return Array(seen.prefix(limit))
    }

    func services() -> [String] {
        Set(lines.compactMap(\.service) + allSpans.map(\.service)).sorted()
    }

    func operations(service: String, limit: Int) -> [String] {
        let ops = lines.filter { $0.service == service && !$0.method.isEmpty }.map { "\($0.method) \($0.route ?? $0.path)" }
            + allSpans.filter { $0.service == service }.map(\.name)
        return Array(Set(ops).sorted().prefix(limit))
    }

    func newestStart() -> Int64 {
        max(lines.map(\.startUs).max() ?? 0, allSpans.map(\.startUs).max() ?? 0)
    }

    func searchRequests(_ filter: TraceFilter) throws -> [TraceSummary] {
        let range = try filter.status.map { status in
            guard let r = TraceFilter.statusRange(status) else { throw TraceReaderError.badStatus(status) }
            return r
        }
        let groups = Dictionary(grouping: lines.filter { line in
            line.requestID != nil && filter.sinceUs.map { line.startUs >= $0 } != false
                && filter.untilUs.map { line.startUs < $0 } != false
        }, by: { $0.requestID! })
        var found: [TraceSummary] = []
        for (id, group) in groups {
            let start = group.map(\.startUs).min()!
            let duration = group.map { $0.startUs + $0.durationMs * 1000 }.max()! - start
            guard filter.services.allSatisfy({ s in group.contains { $0.service == s } }),
                  range.map({ r in group.contains { r.contains($0.status) } }) != false,
                  filter.flag.map({ f in group.contains { $0.flags.split(separator: ",").contains(Substring(f.uppercased())) } }) != false,
                  filter.minDurationUs.map({ duration >= $0 }) != false else { continue }
            // The root: first to start, the longest of those, outbound before inbound.
            let root = group.min { a, b in
                (a.startUs, -a.durationMs, a.inbound ? 1 : 0) < (b.startUs, -b.durationMs, b.inbound ? 1 : 0)
            }!
            // The first failure to end, inbound before outbound at the same end.
            let failure = group.filter { $0.status >= 500 || $0.status == 0 }
                .min { a, b in (a.startUs + a.durationMs * 1000, a.inbound ? 0 : 1) < (b.startUs + b.durationMs * 1000, b.inbound ? 0 : 1) }
            found.append(TraceSummary(
                id: id, startUs: start, rootService: root.service ?? "?",
                rootRoute: (root.method.isEmpty ? "" : root.method + " ") + (root.route ?? root.path),
                durationUs: duration, hops: group.filter { !$0.inbound }.count,
                firstError: failure.map { "\($0.service ?? "?") \($0.status)" + ($0.flags.isEmpty ? "" : " \($0.flags)") } ?? ""))
        }
        return Array(found.sorted { ($0.startUs, $0.id) < ($1.startUs, $1.id) }.prefix(filter.limit))
    }

    func searchSpanTraces(_ filter: TraceFilter) throws -> [TraceSummary] {
        guard filter.limit > 0, filter.flag == nil else { return [] }
        let logged = Set(lines.compactMap(\.requestID))
        let range = filter.status.flatMap(TraceFilter.statusRange)
        var found: [TraceSummary] = []
        for (trace, group) in Dictionary(grouping: allSpans, by: \.traceID) {
            guard !group.contains(where: { $0.requestID.map(logged.contains) == true }) else { continue }
            let start = group.map(\.startUs).min()!
            let duration = group.map { $0.startUs + $0.durationUs }.max()! - start
            guard filter.services.allSatisfy({ s in group.contains { $0.service == s } }),
                  range.map({ r in group.contains { $0.httpStatus.map(r.contains) == true } }) != false,
                  filter.minDurationUs.map({ duration >= $0 }) != false,
                  filter.sinceUs.map({ start >= $0 }) != false, filter.untilUs.map({ start < $0 }) != false else { continue }
            let root = group.min { ($0.parentID == nil ? 0 : 1, $0.startUs, -$0.durationUs) < ($1.parentID == nil ? 0 : 1, $1.startUs, -$1.durationUs) }!
            let failure = group.filter { $0.status == "error" }.min { $0.startUs + $0.durationUs < $1.startUs + $1.durationUs }
            found.append(TraceSummary(
                id: trace, startUs: start, rootService: root.service, rootRoute: root.name, durationUs: duration,
                hops: group.filter { $0.kind == "server" }.count,
                firstError: failure.map { "\($0.service) " + ($0.httpStatus.map(String.init) ?? "error \($0.name)") } ?? ""))
        }
        return Array(found.sorted { ($0.startUs, $0.id) < ($1.startUs, $1.id) }.prefix(filter.limit))
    }
}
