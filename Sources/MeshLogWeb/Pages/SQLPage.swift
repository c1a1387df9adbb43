import MeshLogAnalysis
import MeshLogStore

/// `/sql?q=` and `/sql?query=NAME`: a read-only SQL console over the views, and the named queries with
/// their parameters (`p.NAME=value`); statements that write are refused, as `meshlog sql` refuses them.
enum SQLPage {
    /// At most this many rows are shown.
    static let rowLimit = 5_000
    /// A console statement is stopped after this many seconds (it must not hold the server).
    static let timeout = 30.0

    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        let queries = try NamedQueryCatalog.load(directory: store.queriesDirectory)
        let statement = request.value("q")
        let named = try request.value("query").map { name -> NamedQuery in
            guard let q = queries[name] else {
                throw WebError.notFound("No named query '\(name)'; the list below has them all.")
            }
            return q
        }
        var body = "<form method=\"get\" action=\"/sql\" id=\"console\"><textarea name=\"q\" rows=\"5\" spellcheck=\"false\" placeholder=\"one read-only statement over the views access_log and span\">"
            + HTML.escape(statement ?? "") + "</textarea><br><button>Run</button> <span class=\"dim\">Read-only: the views <code>access_log</code> and "
            + "<code>span</code> are the stable interface; <code>percentile(value, fraction)</code> is available on SQLite.</span></form>\n"
        var result: ResultTable?
        var more = false
        var failure: String?
        do {
            if let named {
                body += "<h2>\(HTML.escape(named.name))</h2>\n<p>\(HTML.escape(named.description))</p>\n"
                let params = named.parameters.filter { !NamedQuery.optionParameters.contains($0.name) }
                body += "<form method=\"get\" action=\"/sql\"><input type=\"hidden\" name=\"query\" value=\"\(HTML.escape(named.name))\">"
                for p in params {
                    let value = request.value("p." + p.name) ?? ""
                    body += "<label>\(HTML.escape(p.name)) <input name=\"p.\(HTML.escape(p.name))\" value=\"\(HTML.escape(value))\" placeholder=\"\(HTML.escape(p.defaultValue?.description ?? ""))\" size=\"10\"></label>"
                }
                for (name, value) in PageLayout.windowQuery(request) { if let value { body += "<input type=\"hidden\" name=\"\(name)\" value=\"\(HTML.escape(value))\">" } }
                body += "<button>Run</button></form>\n<details><summary>SQL</summary><pre>\(HTML.escape(named.sql))</pre></details>\n"
                var values: [String: String] = [:]
                for item in request.query where item.name.hasPrefix("p.") && !item.value.isEmpty { values[String(item.name.dropFirst(2))] = item.value }
                result = try NamedQueryCatalog.run(named, session: try store.session(request), params: values)
            } else if let statement {
                switch store.location {
                case .sqlite(let path):
                    (result, more) = try SQLQuery.run(SQLiteStore.openForReading(path: path), sql: statement, limit: Self.rowLimit,
                                                      timeout: Self.timeout)
                case .clickhouse(let endpoint):
                    let rows = try ClickHouseAnswerReader(store: ClickHouseStore(endpoint: endpoint))
                        .runOnServer(sql: statement, limit: Self.rowLimit, timeout: Self.timeout)
                    // The server stops at a block boundary past the limit: shown as cut at the limit.
                    more = rows.rows.count >= Self.rowLimit
                    result = ResultTable(columns: rows.columns, rows: Array(rows.rows.prefix(Self.rowLimit)))
                }
            }
        } catch let error as WebError {
            throw error
        } catch {
            failure = String(describing: error)
        }
        if let failure { body += "<p class=\"error\">\(HTML.escape(failure))</p>\n" }
        if let result {
            body += HTMLTable(result).render(id: "result") + "<p class=\"dim\">\(more ? "The first " : "")\(result.rows.count) rows"
                + (more ? "; add a LIMIT or use <code>meshlog sql</code> for all of them." : ".") + "</p>\n"
        }
        body += "<h2>Named queries</h2>\n"
        body += HTMLTable(NamedQueryCatalog.listing(queries), link: { column, row in
            column == "name" ? row[0].string.map { WebURL.link("/sql", [("query", $0)] + PageLayout.windowQuery(request)) } : nil
        }).render(id: "queries")
        return .html(PageLayout(title: "SQL", section: "/sql", request: request).render(body), status: failure == nil ? 200 : 400)
    }
}
