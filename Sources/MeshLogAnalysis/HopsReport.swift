import MeshLogStore

/// `meshlog hops`: per caller workload → destination service/subset, how often it fails and how
/// slow it is, split into client side, server side, the difference (sidecars, mTLS and network)
/// and the app's own time. Percentiles are exact.
public struct HopsReport: Sendable {
    public let edges: [HopStats]

    /// Runs the query.
    public init(session: AnswerSession) throws {
        edges = try session.reader.hopStats(filter: session.filter)
    }

    /// The measures, in column order: (column prefix, header in the compact table, path).
    static var measures: [(String, String, KeyPath<HopStats, LatencySummary>)] {
        [
        ("client", "client ms", \.client),
        ("server", "server ms", \.server),
        ("overhead", "overhead ms", \.overhead),
        ("upstream", "upstream ms", \.upstream),
        ]
    }

    /// The `source → service subset` label of an edge.
    public static func label(_ e: HopStats) -> String { label(source: e.source, service: e.service, subset: e.subset) }

    /// The `source → service subset` label of an edge given by its parts (no source: from outside the mesh).
    public static func label(source: String?, service: String?, subset: String?) -> String {
        "\(source ?? AnswerQueries.outsideMesh) → \(service ?? "(unknown)")" + (subset.map { " \($0)" } ?? "")
    }

    /// The most frequent flag combinations, `UF,URX×2 UO×1`.
    static func topFlags(_ e: HopStats, limit: Int = 3) -> String? {
        guard !e.flags.isEmpty else { return nil }
        return e.flags.prefix(limit).map { "\($0.flags)×\($0.count)" }.joined(separator: " ")
    }

    /// One row per edge with every figure in its own column, for `--json`, `--csv` and `--markdown`.
    ///
    /// Columns: `source, service, subset, requests, errors, error_pct, injected, matched`, then
    /// `<measure>_p50, _p90, _p99, _max` for client, server, overhead and upstream, then `flags`.
    public func table() -> ResultTable {
        var columns = ["source", "service", "subset", "requests", "errors", "error_pct", "injected", "matched"]
        for (name, _, _) in Self.measures {
            columns += ["\(name)_p50", "\(name)_p90", "\(name)_p99", "\(name)_max"]
        }
        columns.append("flags")
        let rows: [[SQLValue]] = edges.map { e in
            var row: [SQLValue] = [.text(e.source), SQLValue(e.service), SQLValue(e.subset), .integer(Int64(e.requests)),
                                   .integer(Int64(e.errors)), .real(errorRate(e)), .integer(Int64(e.injected)),
                                   .integer(Int64(e.matched))]
            for (_, _, path) in Self.measures {
                let s = e[keyPath: path]
                row += [s.p50, s.p90, s.p99, s.max].map { SQLValue($0.map { AnswerFormat.round($0, 6) }) }
            }
            row.append(SQLValue(e.flags.isEmpty ? nil : e.flags.map { "\($0.flags):\($0.count)" }.joined(separator: " ")))
            return row
        }
        return ResultTable(columns: columns, rows: rows)
    }

    /// A narrower table for terminals: each measure's `p50/p90/p99/max` in one cell.
    public func compactTable() -> ResultTable {
        var columns = ["edge", "requests", "err%"]
        columns += Self.measures.map { "\($0.1) p50/p90/p99/max" }
        columns.append("top flags")
        let rows: [[SQLValue]] = edges.map { e in
            var row: [SQLValue] = [.text(Self.label(e)), .integer(Int64(e.requests)), .real(errorRate(e))]
            for (_, _, path) in Self.measures {
                let s = e[keyPath: path]
                row.append(s.max == nil ? .text("-") : .text([s.p50, s.p90, s.p99, s.max].map(AnswerFormat.ms).joined(separator: "/")))
            }
            row.append(SQLValue(Self.topFlags(e)))
            return row
        }
        var alignments: [ResultTable.Alignment] = [.left, .right, .right]
        alignments += Self.measures.map { _ in .right }
        alignments.append(.left)
        return ResultTable(columns: columns, rows: rows, alignments: alignments)
    }

    private func errorRate(_ e: HopStats) -> Double {
        e.requests > 0 ? AnswerFormat.round(100 * Double(e.errors) / Double(e.requests)) : 0
    }

    /// A note for terminals on what the columns measure.
    public static let legend = """
        client: the caller's sidecar (outbound line); server: the callee's sidecar (its inbound line for the same hop);
        overhead: client − server per hop (both sidecars, mTLS, network; for a retried hop the server side is the final
        attempt, so earlier attempts and backoff count as overhead); upstream: the upstream service time the callee's
        sidecar reported (the app itself). Percentiles are exact (linear interpolation, as numpy and percentile_cont).
        """
}
