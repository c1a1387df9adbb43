import MeshLogAnalysis
import MeshLogStore

/// `/compare`: `meshlog compare` in the browser: two windows or days, or a canary's subsets, with the verdicts.
enum ComparePage {
    static let fields: [(name: String, label: String, hint: String)] = [
        ("baseline_since", "baseline since", "2h"), ("baseline_until", "baseline until", "1h"),
        ("candidate_since", "candidate since", "1h"), ("candidate_until", "candidate until", ""),
        ("baseline", "baseline day", "2026-11-24"), ("candidate", "candidate day", "2026-11-25"),
        ("baseline_subset", "baseline subset", "v1"), ("candidate_subset", "candidate subset", "v2"),
    ]

    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        var form = "<form method=\"get\" action=\"/compare\" id=\"compare\">"
        for f in fields {
            form += "<label>\(f.label) <input name=\"\(f.name)\" value=\"\(HTML.escape(request.value(f.name) ?? ""))\" placeholder=\"\(HTML.escape(f.hint))\" size=\"11\"></label>"
        }
        let by = request.value("by") ?? "edge"
        form += "<label>rows <select name=\"by\">" + CompareGrouping.allCases.map { g in
            "<option\(g.rawValue == by ? " selected" : "")>\(g.rawValue)</option>"
        }.joined() + "</select></label>"
        form += "<input type=\"hidden\" name=\"since\" value=\"\(HTML.escape(request.value("since") ?? ""))\">"
        form += "<input type=\"hidden\" name=\"until\" value=\"\(HTML.escape(request.value("until") ?? ""))\"><button>Compare</button></form>\n"
        var body = form + "<p class=\"dim\">Two windows (or days), or a canary: the same window with baseline subset v1 and candidate subset v2. "
            + "Verdicts after Benjamini-Hochberg correction at 95 % confidence.</p>\n"
        let asked = fields.contains { request.value($0.name) != nil }
        guard asked else {
            body += "<p>" + HTML.link(WebURL.link("/compare", [("baseline_subset", "v1"), ("candidate_subset", "v2")] + PageLayout.windowQuery(request)),
                                      "Compare the canary subsets v1 and v2 over the window") + "</p>\n"
            return .html(PageLayout(title: "Compare", section: "/compare", request: request).render(body))
        }
        guard let grouping = CompareGrouping(rawValue: by) else {
            throw WebError.badRequest("by must be one of \(CompareGrouping.allCases.map(\.rawValue).joined(separator: ", ")) (got \(by))")
        }
        let confidence = try request.value("confidence").map { raw -> Double in
            guard let c = Double(raw), c > 0, c < 1 else { throw WebError.badRequest("confidence must be between 0 and 1 (got \(raw))") }
            return c
        } ?? 0.95
        let minRequests = try request.value("min_requests").map { raw -> Int in
            guard let n = Int(raw), n >= 1 else { throw WebError.badRequest("min_requests must be at least 1 (got \(raw))") }
            return n
        } ?? 30
        let compare = CompareRequest(
            baselineDay: request.value("baseline"), candidateDay: request.value("candidate"),
            baselineSince: request.value("baseline_since"), baselineUntil: request.value("baseline_until"),
            candidateSince: request.value("candidate_since"), candidateUntil: request.value("candidate_until"),
            baselineSubsets: request.values("baseline_subset"), candidateSubsets: request.values("candidate_subset"))
        let session = try store.session(request)
        let sides: (baseline: CompareSide, candidate: CompareSide)
        do { sides = try compare.resolve(session) } catch let error as CompareOptionError { throw WebError.badRequest(error.description) }
        let report = try CompareReport(reader: session.reader, baseline: sides.baseline, candidate: sides.candidate,
                                       by: grouping, confidence: confidence, minRequests: minRequests,
                                       traces: sides.baseline.subsets == nil ? try store.traceReader().reader : nil)
        let compact = report.compactTable()
        let verdictColumn = compact.columns.firstIndex(of: "verdict")!
        body += HTMLTable(compact, rowClass: { row in
            switch row[verdictColumn].string {
            case "worse", "new", "new failure origin": "verdict-worse"
            case "better": "verdict-better"
            default: nil
            }
        }).render(id: "compare-rows")
        body += "<pre class=\"legend\">\(HTML.escape(report.legend + (report.originsNote.map { "\n" + $0 + "." } ?? "")))</pre>\n"
        body += "<details><summary>Every figure (as <code>--json</code>)</summary>\n" + HTMLTable(report.table()).render(id: "compare-full") + "</details>\n"
        return .html(PageLayout(title: "Compare", section: "/compare", request: request).render(body))
    }
}
