import Foundation
import MeshLogStore

/// A SQL file run by name with `meshlog query NAME`.
///
/// The file starts with comment lines: the first is a one-line description, and each
/// `-- :name [= default]  help` line declares a parameter:
/// ```sql
/// -- Edges with failing requests.
/// -- :since_us  only lines that started at or after this time (set by --since)
/// -- :min_errors = 1  only edges with at least this many errors
/// SELECT …
/// ```
/// `:since_us`, `:until_us` (µs since the epoch) and `:service` are filled from `--since`,
/// `--until` and `--service` (NULL when not given); the others from `--param name=value`, else
/// their default.
public struct NamedQuery: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var defaultValue: SQLValue?
        public var help: String
    }

    public var name: String
    public var description: String
    public var parameters: [Parameter]
    public var sql: String
    /// The same query in ClickHouse's SQL (`NAME.clickhouse.sql`), for a ClickHouse store; nil when there is none.
    public var clickhouseSQL: String?
    /// `built-in`, or the file's path.
    public var origin: String

    /// Parameters the shared options fill.
    public static let optionParameters: Set<String> = ["since_us", "until_us", "service"]

    /// Reads the header of `sql`.
    public init(name: String, sql: String, origin: String) {
        self.name = name
        self.sql = sql
        self.origin = origin
        var description = ""
        var parameters: [Parameter] = []
        for (k, raw) in sql.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("--") else { break }
            let body = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
            if k == 0, !body.hasPrefix(":") { description = body; continue }
            guard body.hasPrefix(":") else { continue }
            var rest = Substring(body.dropFirst())
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            guard !name.isEmpty else { continue }
            rest = rest.dropFirst(name.count).drop { $0 == " " }
            var defaultValue: SQLValue?
            if rest.hasPrefix("=") {
                rest = rest.dropFirst().drop { $0 == " " }
                let token = rest.prefix { $0 != " " }
                defaultValue = NamedQuery.value(String(token))
                rest = rest.dropFirst(token.count)
            }
            parameters.append(Parameter(name: String(name), defaultValue: defaultValue,
                                        help: rest.trimmingCharacters(in: .whitespaces)))
        }
        self.description = description
        self.parameters = parameters
    }

    /// A `--param` value: an integer or a number when it reads as one, NULL for `null`, text in
    /// single quotes without them, else the text as given.
    public static func value(_ text: String) -> SQLValue {
        if let i = Int64(text) { return .integer(i) }
        if let d = Double(text), d.isFinite, text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .real(d) }
        if text.lowercased() == "null" { return .null }
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") { return .text(String(text.dropFirst().dropLast())) }
        return .text(text)
    }

    /// The parameters to bind: declared defaults, then the shared options, then `--param` values.
    ///
    /// - Throws: ``NamedQueryError`` for a `--param` the query does not declare or use, or a
    ///   parameter left without a value.
    public func bindings(filter: AnswerFilter, params: [String: String], used: [String]) throws -> [String: SQLValue] {
        var values: [String: SQLValue] = [:]
        for p in parameters { if let d = p.defaultValue { values[p.name] = d } }
        values["since_us"] = SQLValue(filter.sinceMicros)
        values["until_us"] = SQLValue(filter.untilMicros)
        if let services = filter.services {
            guard services.count == 1 || !used.contains("service") else { throw NamedQueryError.oneService(query: name) }
            values["service"] = services.count == 1 ? .text(services[0]) : .null
        } else {
            values["service"] = .null
        }
        let known = Set(parameters.map(\.name)).union(used)
        for (key, text) in params {
            guard known.contains(key) else { throw NamedQueryError.unknownParameter(query: name, parameter: key, known: known.sorted()) }
            values[key] = Self.value(text)
        }
        for p in used where values[p] == nil {
            throw NamedQueryError.missingParameter(query: name, parameter: p)
        }
        return values
    }
}

/// Problems with named queries.
public enum NamedQueryError: Error, CustomStringConvertible, Sendable {
    case unknown(name: String, known: [String])
    case unknownParameter(query: String, parameter: String, known: [String])
    case missingParameter(query: String, parameter: String)
    case badParam(String)
    case oneService(query: String)
    case unreadableDirectory(String)
    case noClickHouseVersion(query: String)

    public var description: String {
        switch self {
        case .unknown(let name, let known):
            "no query named '\(name)'; known: \(known.joined(separator: ", ")) (meshlog query --list)"
        case .unknownParameter(let q, let p, let known):
            "query \(q) has no parameter :\(p); it takes \(known.isEmpty ? "none" : known.map { ":" + $0 }.joined(separator: ", "))"
        case .missingParameter(let q, let p):
            "query \(q) needs :\(p); pass --param \(p)=VALUE"
        case .badParam(let text):
            "cannot read --param '\(text)'; write it as key=value, e.g. --param min_requests=50"
        case .oneService(let q):
            "query \(q) takes one --service"
        case .noClickHouseVersion(let q):
            "query \(q) has no ClickHouse version: write \(q).clickhouse.sql beside \(q).sql (see queries/)"
        case .unreadableDirectory(let dir):
            "cannot read queries from \(dir): it is not a readable directory"
        }
    }
}

/// The named queries: those built into meshlog, plus `*.sql` files from `--queries DIR`
/// (a file named like a built-in one replaces it).
public enum NamedQueryCatalog {
    /// Every query by name.
    public static func load(directory: String?) throws -> [String: NamedQuery] {
        var out: [String: NamedQuery] = [:]
        for (name, sql) in BuiltinQueries.all {
            out[name] = NamedQuery(name: name, sql: sql, origin: "built-in")
            out[name]?.clickhouseSQL = BuiltinQueries.clickhouse[name]
        }
        guard let directory else { return out }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
              let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw NamedQueryError.unreadableDirectory(directory)
        }
        for file in files.sorted() where file.hasSuffix(".sql") && !file.hasSuffix(".clickhouse.sql") {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let sql = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let name = String(file.dropLast(4))
            out[name] = NamedQuery(name: name, sql: sql, origin: path)
        }
        // A ClickHouse version beside a file (or beside a built-in query) goes with it.
        for file in files.sorted() where file.hasSuffix(".clickhouse.sql") {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let sql = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let name = String(file.dropLast(".clickhouse.sql".count))
            if out[name] == nil { out[name] = NamedQuery(name: name, sql: sql, origin: path) }
            out[name]?.clickhouseSQL = sql
        }
        return out
    }

    /// The list `meshlog query --list` prints: `name, description, parameters, origin`.
    public static func listing(_ queries: [String: NamedQuery]) -> ResultTable {
        ResultTable(columns: ["name", "description", "parameters", "origin"], rows: queries.values.sorted { $0.name < $1.name }.map { q in
            let params = q.parameters.filter { !NamedQuery.optionParameters.contains($0.name) }
                .map { p in ":" + p.name + (p.defaultValue.map { "=\($0.description)" } ?? "") }
            return [.text(q.name), .text(q.description), .text(params.joined(separator: " ")), .text(q.origin)]
        })
    }

    /// Splits `--param key=value` values.
    public static func parseParams(_ values: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for v in values {
            guard let eq = v.firstIndex(of: "="), eq != v.startIndex else { throw NamedQueryError.badParam(v) }
            var key = String(v[..<eq]).trimmingCharacters(in: .whitespaces)
            if key.hasPrefix(":") || key.hasPrefix("@") || key.hasPrefix("$") { key.removeFirst() }
            out[key] = String(v[v.index(after: eq)...])
        }
        return out
    }

    /// Runs `query` through `session`'s reader: its SQLite text on a SQLite store; its ClickHouse
    /// text on the server of a ClickHouse store, with the parameters written in as literals.
    public static func run(_ query: NamedQuery, session: AnswerSession, params: [String: String]) throws -> ResultTable {
        if let reader = session.reader as? ClickHouseAnswerReader {
            guard let sql = query.clickhouseSQL else { throw NamedQueryError.noClickHouseVersion(query: query.name) }
            let used = parameterNames(in: sql)
            let bindings = try query.bindings(filter: session.filter, params: params, used: used)
            let result = try reader.runOnServer(sql: inlined(sql, bindings), shown: sql, parameters: bindings.filter { used.contains($0.key) })
            return ResultTable(columns: result.columns, rows: result.rows)
        }
        let used = parameterNames(in: query.sql)
        let bindings = try query.bindings(filter: session.filter, params: params, used: used)
        let result = try session.reader.run(sql: query.sql, parameters: bindings.filter { used.contains($0.key) })
        return ResultTable(columns: result.columns, rows: result.rows)
    }

    /// `sql` with each `:name` parameter (outside comments and string literals) replaced by its
    /// value as a ClickHouse literal (ClickHouse 18.16 has no query parameters).
    public static func inlined(_ sql: String, _ values: [String: SQLValue]) -> String {
        var out = ""
        scan(sql, text: { out += $0 }, parameter: { name, raw in
            guard let value = values[name] else { out += raw; return }
            switch value {
            case .null: out += "NULL"
            case .integer(let i): out += String(i)
            case .real(let d): out += "\(d)"
            case .text(let t): out += ClickHouseStore.literal(t)
            case .blob(let b): out += "unhex('\(b.map { String(format: "%02X", $0) }.joined())')"
            }
        })
        return out
    }

    /// The `:name` parameters `sql` uses (outside comments and string literals), in order of first use.
    public static func parameterNames(in sql: String) -> [String] {
        var out: [String] = []
        scan(sql, text: { _ in }, parameter: { name, _ in if !out.contains(name) { out.append(name) } })
        return out
    }

    /// Walks `sql`, handing runs of text and each parameter (its name and its text) to the closures.
    static func scan(_ sql: String, text: (String) -> Void, parameter: (String, String) -> Void) {
        let chars = Array(sql.unicodeScalars)
        var i = 0
        var run = ""
        func flush() { if !run.isEmpty { text(run); run = "" } }
        func copy(_ from: Int, _ to: Int) { for k in from..<min(to, chars.count) { run.unicodeScalars.append(chars[k]) } }
        while i < chars.count {
            let c = chars[i]
            if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                let start = i
                while i < chars.count, chars[i] != "\n" { i += 1 }
                copy(start, i)
                continue
            }
            if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                let start = i
                i += 2
                while i + 1 < chars.count, !(chars[i] == "*" && chars[i + 1] == "/") { i += 1 }
                i += 2
                copy(start, i)
                continue
            }
            if c == "'" || c == "\"" {
                let start = i
                i += 1
                while i < chars.count, chars[i] != c { i += 1 }
                i += 1
                copy(start, i)
                continue
            }
            if c == ":" || c == "@" || c == "$", i + 1 < chars.count, chars[i + 1].properties.isAlphabetic || chars[i + 1] == "_" {
                var j = i + 1
                var name = ""
                while j < chars.count, chars[j].properties.isAlphabetic || ("0"..."9").contains(chars[j]) || chars[j] == "_" {
                    name.unicodeScalars.append(chars[j])
                    j += 1
                }
                flush()
                var raw = ""
                for k in i..<j { raw.unicodeScalars.append(chars[k]) }
                parameter(name, raw)
                i = j
                continue
            }
            run.unicodeScalars.append(c)
            i += 1
        }
        flush()
    }
}
