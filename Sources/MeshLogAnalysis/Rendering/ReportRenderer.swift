import Foundation
import MeshLogStore
import MeshLogTerminal

/// Renders a ``DailyReport`` as Markdown, JSON, or one self-contained HTML page (inline CSS and
/// SVG, no scripts, nothing loaded from elsewhere; readable offline and printable).
public enum ReportRenderer {
    static func ms(_ v: Double?) -> String {
        guard let v else { return "–" }
        return v >= 100 ? String(format: "%.0f ms", v) : String(format: "%.1f ms", v)
    }

    static func pct(_ v: Double) -> String { String(format: "%.2f%%", v) }

    /// `+12.3%`, `−4.0%`, or `new`.
    static func change(_ now: Double?, _ before: Double?) -> String {
        guard let now, let before else { return "" }
        if before == 0 { return now == 0 ? "±0" : "new" }
        let c = 100 * (now - before) / before
        return String(format: "%@%.1f%%", c >= 0 ? "+" : "−", abs(c))
    }

    static func day(_ w: (start: Int64, end: Int64)) -> String {
        "\(AnswerFormat.timestamp(w.start, fraction: false)) – \(AnswerFormat.timestamp(w.end, fraction: false))"
    }

    static func signature(_ s: DailyReport.Signature) -> String {
        [s.service ?? "(unknown)", s.status.map(String.init) ?? "-", s.flags ?? "-", s.details ?? "-", s.route ?? "-"].joined(separator: " ")
    }

    // MARK: Where failures started

    /// `meshlog why --since … --until …` for the report's window.
    static func whyCommand(_ r: DailyReport) -> String {
        "meshlog why --since \(AnswerFormat.timestamp(r.window.start, fraction: false)) --until \(AnswerFormat.timestamp(r.window.end, fraction: false))"
    }

    /// What the "Where failures started" section followed, in words.
    static func originsIntro(_ r: DailyReport) -> String {
        let o = r.origins
        var out = "Each failing request (entry hop 5xx or no response) followed down its tree to the deepest failing call, as "
            + "`meshlog why` does: \(o.failing) failing requests, \(o.rows.count) origins"
            + (o.rows.count > DailyReport.originsShown ? ", the top \(DailyReport.originsShown) below" : "") + "; `\(whyCommand(r))` lists them all."
        if r.originsSampled {
            out += " The window has too many lines to follow them all here: only the failing requests of the "
                + "\(r.originWindows.count) busiest \(r.timelineBucketMicros / 60_000_000)-minute buckets were followed ("
                + r.originWindows.map { "\(AnswerFormat.timestamp($0.start, fraction: false).dropFirst(11).prefix(5))–\(AnswerFormat.timestamp($0.end, fraction: false).dropFirst(11).prefix(5))" }.joined(separator: ", ")
                + "; \(r.originErrors.followed) of the window's \(r.originErrors.window) failing hops)."
        }
        if o.truncated { out += " Only the first candidates were followed (the limit of `meshlog why`)." }
        return out
    }

    /// The section's rows as text: the top origins, then the injected and ambiguous counts.
    static func originRows(_ r: DailyReport) -> (header: [String], rows: [[String]]) {
        let table = r.origins.table(top: DailyReport.originsShown)
        return (table.columns, table.rows.map { $0.map { ResultTable.display($0) } })
    }

    // MARK: Markdown

    /// A Markdown section: `## title`, the intro, then a table whose `numeric` columns are right-aligned (by
    /// default all but the first) and the others left-aligned, or `None.`.
    static func section(_ title: String, _ intro: String, _ header: [String], _ rows: [[String]], numeric: Set<Int>? = nil) -> String {
        var out = "## \(title)\n\n\(intro)\n\n"
        guard !rows.isEmpty else { return out + "None.\n\n" }
        let right = numeric ?? Set(1..<header.count)
        out += "| " + header.joined(separator: " | ") + " |\n|" + header.indices.map { right.contains($0) ? "---:|" : "---|" }.joined() + "\n"
        for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out + "\n"
    }

    /// What the injected-faults section says before its table.
    static func injectedIntro(_ r: DailyReport) -> String {
        "Faults Envoy injected on purpose (`FI` aborts, `DI` delays: chaos experiments, not outages), "
            + (r.includesInjected ? "counted as errors above (`--include-injected`)" : "left out of the errors, failing edges and gates above")
            + "; a delay's figures are measured on the lines of up to \(ReportQueries.delaySampleMinutes) minutes (those with the most delays), "
            + "and the delay added is their median less the edge's."
    }

    /// What the plaintext section says before its table.
    static func plaintextIntro(_ r: DailyReport) -> String {
        if r.inboundLines == 0 {
            return "No line of the window is known to be a callee's inbound line, so how calls arrived cannot be told."
        }
        if !r.sniLogged {
            return "No inbound line carries an SNI: the logs' format does not log `%REQUESTED_SERVER_NAME%` (Istio's default does), "
                + "so plaintext calls cannot be told from mTLS ones."
        }
        return "Calls that arrived without the mesh's mTLS: no SNI on the callee's inbound lines (a caller without its sidecar, "
            + "or a PERMISSIVE port). Unverified: pods whose inbound lines never carry an SNI (their format may not log it)."
    }

    static let plaintextHeader = ["edge", "caller", "plaintext", "unverified", "% of inbound"]

    /// The plaintext section's rows, as text.
    static func plaintextRows(_ r: DailyReport) -> [[String]] {
        r.plaintextEdges.map {
            [$0.edge, $0.callerInMesh ? "in the mesh" : "outside the mesh", "\($0.plaintext)", "\($0.unverified)",
             $0.inbound > 0 ? pct(100 * Double($0.plaintext + $0.unverified) / Double($0.inbound)) : "-"]
        }
    }

    static let injectedHeader = ["edge", "route", "status", "flags", "requests", "% of edge", "delayed p50", "delayed p99", "delay added"]

    /// The injected-faults section's rows, as text.
    static func injectedRows(_ r: DailyReport) -> [[String]] {
        r.injectedFaults.map {
            [$0.edge, $0.route ?? "-", $0.status.map(String.init) ?? "-", $0.flags, "\($0.requests)", $0.sharePct.map { pct($0) } ?? "-",
             ms($0.delayedP50), ms($0.delayedP99), $0.addedMs.map { ms($0) } ?? "-"]
        }
    }

    /// The report as Markdown (the default output), control characters in its values shown escaped (`\x1b`).
    public static func markdown(_ r: DailyReport) -> String {
        var out = "# meshlog report\n\n"
        out += "Window \(day(r.window)), baseline \(day(r.baseline)).\n\n"
        let h = r.headline, b = r.baselineHeadline
        out += "## Headline\n\n| | window | baseline | change |\n|---|---:|---:|---:|\n"
        out += "| requests (every hop) | \(h.requests) | \(b.requests) | \(change(Double(h.requests), Double(b.requests))) |\n"
        out += "| error rate (every hop) | \(pct(h.errorRate)) | \(pct(b.errorRate)) | \(change(h.errorRate, b.errorRate)) |\n"
        out += "| requests entering the mesh | \(h.entryRequests) | \(b.entryRequests) | \(change(Double(h.entryRequests), Double(b.entryRequests))) |\n"
        out += "| error rate at the edge | \(pct(h.entryErrorRate)) | \(pct(b.entryErrorRate)) | \(change(h.entryErrorRate, b.entryErrorRate)) |\n"
        out += "| p50 at the edge | \(ms(h.entryP50)) | \(ms(b.entryP50)) | \(change(h.entryP50, b.entryP50)) |\n"
        out += "| p99 at the edge | \(ms(h.entryP99)) | \(ms(b.entryP99)) | \(change(h.entryP99, b.entryP99)) |\n\n"

        let stepShown = max(1, r.timeline.count / 24)
        out += "## Timeline (per \(r.timelineBucketMicros / 60_000_000) min"
            + (stepShown > 1 ? "; every \(stepShown)th bucket shown, --json and --html have them all" : "") + ")\n\n```text\n"
        let maxRate = max(0.01, r.timeline.map { $0.requests > 0 ? Double($0.errors) / Double($0.requests) : 0 }.max() ?? 0)
        for (i, t) in r.timeline.enumerated() where i % stepShown == 0 {
            let rate = t.requests > 0 ? Double(t.errors) / Double(t.requests) : 0
            let bar = String(repeating: "▒", count: Int((rate / maxRate * 30).rounded()))
            out += "\(AnswerFormat.timestamp(t.startMicros, fraction: false).prefix(16))  \(String(format: "%6d", t.requests)) req  \(String(format: "%6.2f", 100 * rate))% err  p99 \(ms(t.p99).padding(toLength: 9, withPad: " ", startingAt: 0)) \(bar)\n"
        }
        out += "```\n\n"

        out += "## Service graph\n\nFailing edges (error rate above \(r.graph.failingAbove)%) are dashed.\n\n```mermaid\n\(r.graph.mermaid())```\n\n"

        out += "## Top failing edges\n\n"
        if r.failingEdges.isEmpty { out += "None.\n\n" } else {
            out += "| edge | code | flag | requests | meaning |\n|---|---:|---|---:|---|\n"
            for f in r.failingEdges { out += "| \(f.edge) | \(f.code.map(String.init) ?? "-") | \(f.flag) | \(f.requests) | \(f.meaning) |\n" }
            out += "\n"
        }

        out += "## New error signatures\n\nFailures (5xx, no response, or a response flag) whose service, status, flags, details and route never appear in the baseline.\n\n"
        if r.newSignatures.isEmpty { out += "None.\n\n" } else {
            out += "| service | status | flags | details | route | requests |\n|---|---:|---|---|---|---:|\n"
            for (s, n) in r.newSignatures.prefix(20) {
                out += "| \(s.service ?? "(unknown)") | \(s.status.map(String.init) ?? "-") | \(s.flags ?? "-") | \(s.details ?? "-") | \(s.route ?? "-") | \(n) |\n"
            }
            out += "\n"
        }

        out += section("Injected faults", injectedIntro(r), injectedHeader, injectedRows(r))
        out += section("Plaintext calls", plaintextIntro(r), plaintextHeader, plaintextRows(r))

        out += "## New and vanished edges\n\n"
        if r.newEdges.isEmpty && r.vanishedEdges.isEmpty { out += "None.\n\n" } else {
            for e in r.newEdges { out += "- new: \(HopsReport.label(e)) (\(e.requests) requests)\n" }
            for e in r.vanishedEdges { out += "- vanished: \(HopsReport.label(e)) (\(e.requests) requests in the baseline)\n" }
            out += "\n"
        }

        out += section("Largest latency shifts", "Per edge, p99 change times requests (client side; server side for calls from outside the mesh).",
                       ["edge", "requests", "p50", "p50 before", "p99", "p99 before", "p99 change"], r.shifts.map {
            [$0.edge, "\($0.requests)", ms($0.p50), ms($0.baselineP50), ms($0.p99), ms($0.baselineP99), change($0.p99, $0.baselineP99)]
        })
        out += section("Sidecar budget", "Edges whose median client − server time (both sidecars, mTLS, network) is over "
                       + "\(AnswerFormat.ms(DailyReport.sidecarBudgetMs)) ms; gate with `--fail-if 'overhead_p50 > 2ms'`.",
                       ["edge", "matched hops", "overhead p50", "p90", "p99"], r.overBudget.map {
            [HopsReport.label($0), "\($0.matched)", ms($0.overhead.p50), ms($0.overhead.p90), ms($0.overhead.p99)]
        })

        let origins = originRows(r)
        out += section("Where failures started", originsIntro(r), origins.header, origins.rows, numeric: [6, 7])

        out += "## Slowest requests\n\nThe slowest request of each minute and edge, the ten slowest of those; `meshlog trace ID` shows one.\n\n"
        if r.slowest.isEmpty { out += "None.\n\n" } else {
            out += "| request id | ms | start | route | status |\n|---|---:|---|---|---:|\n"
            for s in r.slowest { out += "| `\(s.requestID)` | \(String(format: "%.0f", s.durationMs)) | \(s.start) | \(s.route ?? "-") | \(s.status.map(String.init) ?? "-") |\n" }
            out += "\n"
        }

        out += "## Data health\n\n"
        if r.rejected.isEmpty { out += "- No rejected lines.\n" }
        for x in r.rejected { out += "- \(x.rejected) of \(x.lines) lines rejected in `\(x.path)` (see the `rejected` table)\n" }
        if r.gaps.isEmpty { out += "- Every reporter logged throughout the window (no gap of 10 minutes or more).\n" }
        for g in r.gaps { out += "- \(g.reporter): no lines for \(g.longestGapMinutes) min from \(g.gapStart)\n" }
        // Values from the logs (services, routes, request ids, paths) with their control characters escaped; the
        // line breaks are this renderer's own.
        return TerminalText.escaped(out, keepingNewlines: true)
    }

    // MARK: JSON

    /// The report as one JSON object.
    public static func json(_ r: DailyReport) -> String {
        func num(_ v: Double?) -> Any { v.map { ($0 * 1000).rounded() / 1000 } ?? NSNull() }
        func headline(_ h: DailyReport.Headline) -> [String: Any] {
            ["requests": h.requests, "errors": h.errors, "error_rate_pct": num(h.errorRate), "entry_requests": h.entryRequests,
             "entry_errors": h.entryErrors, "entry_error_rate_pct": num(h.entryErrorRate), "entry_p50_ms": num(h.entryP50),
             "entry_p99_ms": num(h.entryP99)]
        }
        func edge(_ e: HopStats) -> [String: Any] {
            ["edge": HopsReport.label(e), "requests": e.requests, "errors": e.errors]
        }
        let object: [String: Any] = [
            "window": ["start": AnswerFormat.timestamp(r.window.start), "end": AnswerFormat.timestamp(r.window.end)],
            "baseline": ["start": AnswerFormat.timestamp(r.baseline.start), "end": AnswerFormat.timestamp(r.baseline.end)],
            "headline": headline(r.headline),
            "baseline_headline": headline(r.baselineHeadline),
            "timeline": r.timeline.map { ["start": AnswerFormat.timestamp($0.startMicros), "requests": $0.requests, "errors": $0.errors, "p99_ms": num($0.p99)] },
            "failing_edges": r.failingEdges.map { ["edge": $0.edge, "code": $0.code as Any, "flag": $0.flag, "requests": $0.requests, "meaning": $0.meaning] },
            "new_error_signatures": r.newSignatures.map {
                ["service": $0.signature.service as Any, "status": $0.signature.status as Any, "flags": $0.signature.flags as Any,
                 "details": $0.signature.details as Any, "route": $0.signature.route as Any, "requests": $0.requests]
            },
            "injected_faults": r.injectedFaults.map {
                ["edge": $0.edge, "route": $0.route as Any, "status": $0.status as Any, "flags": $0.flags, "requests": $0.requests,
                 "edge_share_pct": num($0.sharePct), "delayed_lines": $0.delayedLines as Any, "delayed_p50_ms": num($0.delayedP50),
                 "delayed_p99_ms": num($0.delayedP99), "delay_added_ms": num($0.addedMs)]
            },
            "includes_injected": r.includesInjected,
            "sni_logged": r.sniLogged,
            "plaintext_edges": r.plaintextEdges.map {
                ["edge": $0.edge, "caller_in_mesh": $0.callerInMesh, "plaintext": $0.plaintext, "unverified": $0.unverified, "inbound": $0.inbound]
            },
            "new_edges": r.newEdges.map(edge),
            "vanished_edges": r.vanishedEdges.map(edge),
            "latency_shifts": r.shifts.map {
                ["edge": $0.edge, "requests": $0.requests, "p50_ms": num($0.p50), "baseline_p50_ms": num($0.baselineP50),
                 "p99_ms": num($0.p99), "baseline_p99_ms": num($0.baselineP99), "impact": num($0.impact)]
            },
            "over_sidecar_budget": r.overBudget.map {
                ["edge": HopsReport.label($0), "matched": $0.matched, "overhead_p50_ms": num($0.overhead.p50),
                 "overhead_p90_ms": num($0.overhead.p90), "overhead_p99_ms": num($0.overhead.p99)]
            },
            "failure_origins": [
                "failing_requests": r.origins.failing, "origins": r.origins.rows.count, "truncated": r.origins.truncated,
                "sampled": r.originsSampled, "window_failing_hops": r.originErrors.window, "followed_failing_hops": r.originErrors.followed,
                "followed": r.originWindows.map { ["start": AnswerFormat.timestamp($0.start), "end": AnswerFormat.timestamp($0.end)] },
                "all": whyCommand(r),
                "rows": { () -> [[String: Any]] in
                    let t = r.origins.table(top: DailyReport.originsShown)
                    return t.rows.map { row in
                        Dictionary(uniqueKeysWithValues: zip(t.columns, row.map { v -> Any in
                            switch v {
                            case .integer(let i): return i
                            case .real(let d): return d
                            case .text(let s): return s
                            default: return NSNull()
                            }
                        }))
                    }
                }(),
            ] as [String: Any],
            "slowest_requests": r.slowest.map { ["request_id": $0.requestID, "duration_ms": $0.durationMs, "start": $0.start, "route": $0.route as Any, "status": $0.status as Any] },
            "rejected": r.rejected.map { ["source": $0.path, "rejected": $0.rejected, "lines": $0.lines] },
            "reporter_gaps": r.gaps.map { ["reporter": $0.reporter, "longest_gap_minutes": $0.longestGapMinutes, "from": $0.gapStart] },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return TerminalText.jsonSafe(String(decoding: data, as: UTF8.self)) + "\n"
    }

    // MARK: HTML

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// An SVG line chart of `values` over the timeline's buckets.
    static func chart(_ r: DailyReport, title: String, unit: String, color: String, _ value: (TimelineBucket) -> Double?) -> String {
        let w = 860.0, h = 170.0, left = 56.0, bottom = 24.0, top = 22.0
        let points = r.timeline.map(value)
        let top99 = max(0.001, points.compactMap { $0 }.max() ?? 0)
        let n = max(1, points.count - 1)
        var path = ""
        for (i, p) in points.enumerated() {
            guard let p else { continue }
            let x = left + (w - left - 8) * Double(i) / Double(n)
            let y = top + (h - top - bottom) * (1 - p / top99)
            path += path.isEmpty ? String(format: "M%.1f,%.1f", x, y) : String(format: " L%.1f,%.1f", x, y)
        }
        let first = r.timeline.first.map { AnswerFormat.timestamp($0.startMicros, fraction: false) } ?? ""
        let last = r.timeline.last.map { AnswerFormat.timestamp($0.startMicros, fraction: false) } ?? ""
        return """
            <svg class="chart" viewBox="0 0 \(Int(w)) \(Int(h))" role="img" aria-label="\(escape(title))">
            <text x="\(Int(left))" y="14" class="title">\(escape(title))</text>
            <line x1="\(Int(left))" y1="\(Int(h - bottom))" x2="\(Int(w - 8))" y2="\(Int(h - bottom))" class="axis"/>
            <line x1="\(Int(left))" y1="\(Int(top))" x2="\(Int(left))" y2="\(Int(h - bottom))" class="axis"/>
            <text x="\(Int(left - 6))" y="\(Int(top + 4))" class="tick" text-anchor="end">\(String(format: top99 >= 100 ? "%.0f" : "%.2f", top99))\(unit)</text>
            <text x="\(Int(left - 6))" y="\(Int(h - bottom))" class="tick" text-anchor="end">0</text>
            <text x="\(Int(left))" y="\(Int(h - 6))" class="tick">\(escape(first))</text>
            <text x="\(Int(w - 8))" y="\(Int(h - 6))" class="tick" text-anchor="end">\(escape(last))</text>
            <path d="\(path)" fill="none" stroke="\(color)" stroke-width="1.6"/>
            </svg>
            """
    }

    /// The service graph as SVG: nodes in columns by distance from the callers that nothing calls.
    static func graphSVG(_ g: ServiceGraph) -> String {
        let columns = g.columns()
        let colWidth = 190.0, rowHeight = 54.0, boxW = 150.0, boxH = 30.0
        var position: [String: (Double, Double)] = [:]
        for (c, nodes) in columns { for (i, n) in nodes.enumerated() { position[n.id] = (20 + Double(c) * colWidth, 20 + Double(i) * rowHeight) } }
        let width = 40 + Double((columns.keys.max() ?? 0) + 1) * colWidth
        let height = 40 + Double(columns.values.map(\.count).max() ?? 1) * rowHeight
        var svg = "<svg class=\"graph\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"service graph\">\n"
        for e in g.edges {
            guard let a = position[e.from], let b = position[e.to] else { continue }
            let cls = e.failing ? "edge failing" : "edge"
            svg += String(format: "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" class=\"%@\"><title>%@</title></line>\n",
                          a.0 + boxW, a.1 + boxH / 2, b.0, b.1 + boxH / 2, cls, escape(g.label(e)))
            svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" class=\"elabel%@\">%@</text>\n", (a.0 + boxW + b.0) / 2 - 30, (a.1 + b.1) / 2 + boxH / 2 - 3,
                          e.failing ? " failing" : "", escape(String(format: "%.1f%% err", e.errorPercent)))
        }
        for n in g.nodes {
            guard let p = position[n.id] else { continue }
            svg += String(format: "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" rx=\"5\" class=\"node\"/>", p.0, p.1, boxW, boxH)
            svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" class=\"nlabel\">%@</text>\n", p.0 + 8, p.1 + 19, escape(String(n.label.prefix(22))))
        }
        return svg + "</svg>"
    }

    /// A table as HTML.
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var out = "<table><thead><tr>" + header.enumerated().map { "<th\(numeric.contains($0.offset) ? " class=\"n\"" : "")>\(escape($0.element))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows {
            out += "<tr>" + r.enumerated().map { "<td\(numeric.contains($0.offset) ? " class=\"n\"" : "")>\(escape($0.element))</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    /// The report's style sheet (also served by `meshlog serve`, whose pages allow no inline style).
    public static let css = """
            body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2330;margin:24px auto;max-width:900px;padding:0 12px}
            h1{font-size:22px;margin:0}h2{font-size:16px;margin:26px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
            .sub,.note{color:#5b6577;margin:4px 0 12px}.cards{display:flex;gap:10px;flex-wrap:wrap}
            .card{border:1px solid #dde2ea;border-radius:6px;padding:8px 12px;min-width:180px}.k{color:#5b6577;font-size:12px}
            .v{font-size:22px;font-weight:600}.d{font-size:12px;color:#2e7d32}.d.bad{color:#c0392b}.d span{color:#5b6577}
            table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #eef1f5;padding:3px 6px;text-align:left;vertical-align:top}
            th{background:#f5f7fa}.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}
            svg{width:100%;height:auto;display:block;margin:6px 0}.axis{stroke:#9aa5b5;stroke-width:1}.tick,.title{font-size:11px;fill:#5b6577}
            .node{fill:#f5f7fa;stroke:#5b6577}.nlabel{font-size:12px;fill:#1d2330}.edge{stroke:#7f8a9c;stroke-width:1.3}
            .edge.failing{stroke:#c0392b;stroke-dasharray:5 3;stroke-width:1.8}.elabel{font-size:10px;fill:#5b6577}.elabel.failing{fill:#c0392b}
            @media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}}
            """

    /// The report's sections as HTML, without the page around them.
    public static func htmlBody(_ r: DailyReport) -> String {
        let h = r.headline, b = r.baselineHeadline
        func card(_ title: String, _ now: String, _ before: String, _ delta: String, bad: Bool) -> String {
            "<div class=\"card\"><div class=\"k\">\(escape(title))</div><div class=\"v\">\(escape(now))</div><div class=\"d\(bad ? " bad" : "")\">\(escape(delta)) <span>vs \(escape(before))</span></div></div>"
        }
        var body = "<h1>meshlog report</h1>\n<p class=\"sub\">Window \(escape(day(r.window))) · baseline \(escape(day(r.baseline)))</p>\n<div class=\"cards\">\n"
        body += card("requests", "\(h.requests)", "\(b.requests)", change(Double(h.requests), Double(b.requests)), bad: false)
        body += card("error rate", pct(h.errorRate), pct(b.errorRate), change(h.errorRate, b.errorRate), bad: h.errorRate > b.errorRate * 1.1 && h.errorRate > 0.1)
        body += card("p50 at the edge", ms(h.entryP50), ms(b.entryP50), change(h.entryP50, b.entryP50), bad: (h.entryP50 ?? 0) > (b.entryP50 ?? .infinity) * 1.1)
        body += card("p99 at the edge", ms(h.entryP99), ms(b.entryP99), change(h.entryP99, b.entryP99), bad: (h.entryP99 ?? 0) > (b.entryP99 ?? .infinity) * 1.1)
        body += "</div>\n<h2>Timeline</h2>\n"
        body += chart(r, title: "error rate (5xx or no response), %", unit: "%", color: "#c0392b") { $0.requests > 0 ? 100 * Double($0.errors) / Double($0.requests) : nil }
        body += chart(r, title: "p99 duration, ms", unit: "", color: "#2c5d8f") { $0.p99 }
        body += "<h2>Service graph</h2>\n<p class=\"note\">Edges failing above \(r.graph.failingAbove)% are red and dashed.</p>\n" + graphSVG(r.graph)
        body += "<h2>Top failing edges</h2>\n" + (r.failingEdges.isEmpty ? "<p>None.</p>\n" : table(["edge", "code", "flag", "requests", "meaning"],
            r.failingEdges.map { [$0.edge, $0.code.map(String.init) ?? "-", $0.flag, "\($0.requests)", $0.meaning] }, numeric: [1, 3]))
        body += "<h2>New error signatures</h2>\n" + (r.newSignatures.isEmpty ? "<p>None.</p>\n" : table(["service", "status", "flags", "details", "route", "requests"],
            r.newSignatures.prefix(20).map { [$0.signature.service ?? "(unknown)", $0.signature.status.map(String.init) ?? "-", $0.signature.flags ?? "-",
                                               $0.signature.details ?? "-", $0.signature.route ?? "-", "\($0.requests)"] }, numeric: [1, 5]))
        body += "<h2>Injected faults</h2>\n<p class=\"note\">\(escape(injectedIntro(r).replacingOccurrences(of: "`", with: "")))</p>\n"
            + (r.injectedFaults.isEmpty ? "<p>None.</p>\n" : table(injectedHeader, injectedRows(r), numeric: [2, 4, 5, 6, 7, 8]))
        body += "<h2>Plaintext calls</h2>\n<p class=\"note\">\(escape(plaintextIntro(r).replacingOccurrences(of: "`", with: "")))</p>\n"
            + (r.plaintextEdges.isEmpty ? "<p>None.</p>\n" : table(plaintextHeader, plaintextRows(r), numeric: [2, 3, 4]))
        body += "<h2>New and vanished edges</h2>\n"
        body += (r.newEdges.isEmpty && r.vanishedEdges.isEmpty) ? "<p>None.</p>\n" : "<ul>" + (r.newEdges.map { "<li>new: \(escape(HopsReport.label($0))) (\($0.requests))</li>" }
            + r.vanishedEdges.map { "<li>vanished: \(escape(HopsReport.label($0))) (\($0.requests) in the baseline)</li>" }).joined() + "</ul>\n"
        body += "<h2>Largest latency shifts</h2>\n" + (r.shifts.isEmpty ? "<p>None.</p>\n" : table(["edge", "requests", "p50", "p50 before", "p99", "p99 before", "p99 change"],
            r.shifts.map { [$0.edge, "\($0.requests)", ms($0.p50), ms($0.baselineP50), ms($0.p99), ms($0.baselineP99), change($0.p99, $0.baselineP99)] }, numeric: [1, 2, 3, 4, 5, 6]))
        body += "<h2>Sidecar budget</h2>\n<p class=\"note\">Edges whose median client − server time (both sidecars, mTLS, network) is over \(escape(AnswerFormat.ms(DailyReport.sidecarBudgetMs))) ms.</p>\n"
            + (r.overBudget.isEmpty ? "<p>None.</p>\n" : table(["edge", "matched hops", "overhead p50", "p90", "p99"],
                r.overBudget.map { [HopsReport.label($0), "\($0.matched)", ms($0.overhead.p50), ms($0.overhead.p90), ms($0.overhead.p99)] }, numeric: [1, 2, 3, 4]))
        let origins = originRows(r)
        body += "<h2>Where failures started</h2>\n<p class=\"note\">\(escape(originsIntro(r)))</p>\n"
            + (origins.rows.isEmpty ? "<p>None.</p>\n" : table(origins.header, origins.rows, numeric: [6, 7]))
        body += "<h2>Slowest requests</h2>\n" + (r.slowest.isEmpty ? "<p>None.</p>\n" : table(["request id (meshlog trace ID)", "ms", "start", "route", "status"],
            r.slowest.map { [$0.requestID, String(format: "%.0f", $0.durationMs), $0.start, $0.route ?? "-", $0.status.map(String.init) ?? "-"] }, numeric: [1, 4]))
        body += "<h2>Data health</h2>\n<ul>"
        body += r.rejected.isEmpty ? "<li>No rejected lines.</li>" : r.rejected.map { "<li>\($0.rejected) of \($0.lines) lines rejected in <code>\(escape($0.path))</code></li>" }.joined()
        body += r.gaps.isEmpty ? "<li>Every reporter logged throughout the window.</li>" : r.gaps.map { "<li>\(escape($0.reporter)): no lines for \($0.longestGapMinutes) min from \(escape($0.gapStart))</li>" }.joined()
        body += "</ul>\n"
        return body
    }

    /// The report as one self-contained HTML page.
    public static func html(_ r: DailyReport) -> String {
        """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>meshlog report \(escape(day(r.window)))</title>
            <style>
            \(css)
            </style></head><body>
            \(htmlBody(r))
            <p class="note">Made by meshlog from the store's summaries; every figure can be taken further with <code>meshlog sql</code>.</p>
            </body></html>

            """
    }
}
