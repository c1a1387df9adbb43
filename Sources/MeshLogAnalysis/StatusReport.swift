import MeshLogStore

/// What `meshlog status --by` accepts.
public enum StatusGrouping: String, CaseIterable, Sendable {
    case service, edge, route, reporter, subset, flag, code, minute, hour, tls, identity

    /// The store's group keys for this grouping (`edge` is source, service and subset).
    public var keys: [GroupKey] {
        switch self {
        case .service: [.service]
        case .edge: [.source, .service, .subset]
        case .route: [.route]
        case .reporter: [.reporter]
        case .subset: [.subset]
        case .flag: [.flag]
        case .code: [.code]
        case .minute: [.minute]
        case .hour: [.hour]
        case .tls: [.tls]
        case .identity: [.identity]
        }
    }

    /// The lines a breakdown by `groupings` counts by default: each hop once, but the callee's inbound
    /// lines with `tls` or `identity` (how a call arrived and who sent it are on them).
    public static func defaultSide(_ groupings: [StatusGrouping]) -> TrafficSide {
        groupings.contains(.tls) || groupings.contains(.identity) ? .inbound : .hop
    }

    /// Parses `service,code` or several `--by` values into groupings; nil names the first unknown one.
    public static func parse(_ values: [String]) -> Result<[StatusGrouping], UnknownGrouping> {
        var out: [StatusGrouping] = []
        for part in values.flatMap({ $0.split(separator: ",") }) {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            if name.isEmpty { continue }
            guard let g = StatusGrouping(rawValue: name) ?? (name == "status" ? .code : name == "cluster" ? .service : nil) else {
                return .failure(UnknownGrouping(name: name))
            }
            if !out.contains(g) { out.append(g) }
        }
        return .success(out)
    }

    /// An unknown `--by` value.
    public struct UnknownGrouping: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "unknown --by '\(name)'; use one or more of: \(StatusGrouping.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}

/// `meshlog status`: requests, share and error rate per group, with status classes, and codes and
/// flags explained in plain words.
public struct StatusReport: Sendable {
    /// The store keys grouped by, in order, without repeats.
    public let keys: [GroupKey]
    public let result: StatusResult

    /// Runs the breakdown.
    public init(session: AnswerSession, by groupings: [StatusGrouping], side: TrafficSide) throws {
        var keys: [GroupKey] = []
        for key in groupings.flatMap(\.keys) where !keys.contains(key) { keys.append(key) }
        self.keys = keys
        result = try session.reader.status(keys: keys, side: side, filter: session.filter)
    }

    /// The groups in display order: by time when grouped by minute or hour, else most requests first.
    public var orderedGroups: [StatusGroup] {
        let timeKeys = keys.filter { $0 == .minute || $0 == .hour }
        return result.groups.sorted { a, b in
            for key in timeKeys {
                let x = a.keys[key]?.int64 ?? .min, y = b.keys[key]?.int64 ?? .min
                if x != y { return x < y }
            }
            if a.requests != b.requests { return a.requests > b.requests }
            for key in keys {
                let x = a.keys[key] ?? .null, y = b.keys[key] ?? .null
                if x != y { return Self.sortText(x) < Self.sortText(y) }
            }
            return false
        }
    }

    private static func sortText(_ v: SQLValue) -> String {
        switch v {
        case .null: ""
        case .integer(let i): String(format: "%020lld", i)
        default: ResultTable.display(v)
        }
    }

    /// The breakdown as a table.
    ///
    /// Columns: the keys (`source`, `service`, `subset`, `route`, `reporter`, `flag` with `long_name`,
    /// `code` with `class`, `minute`, `hour`), then `requests, share_pct, errors, error_pct, injected`
    /// (lines with a fault Envoy injected on purpose, counted apart from `errors`); without
    /// `code`, the status classes `c2xx c3xx c4xx c5xx no_response` (and `c1xx` when present); with
    /// `code` or `flag`, a last column `meaning` in plain words.
    public func table() -> ResultTable {
        var columns: [String] = []
        for key in keys {
            columns.append(key.rawValue)
            if key == .flag { columns.append("long_name") }
            if key == .code { columns.append("class") }
        }
        columns += ["requests", "share_pct", "errors", "error_pct", "injected"]
        let hasCode = keys.contains(.code), hasFlag = keys.contains(.flag)
        let show1xx = result.groups.contains { $0.classes[1] > 0 }
        if !hasCode {
            if show1xx { columns.append("c1xx") }
            columns += ["c2xx", "c3xx", "c4xx", "c5xx", "no_response"]
        }
        let hasTLS = keys.contains(.tls), hasIdentity = keys.contains(.identity)
        if hasCode || hasFlag || hasTLS || hasIdentity { columns.append("meaning") }

        let rows: [[SQLValue]] = orderedGroups.map { g in
            var row: [SQLValue] = []
            for key in keys {
                let value = g.keys[key] ?? .null
                switch key {
                case .minute, .hour:
                    row.append(value.int64.map { .text(AnswerFormat.timestamp($0, fraction: false)) } ?? .null)
                case .flag:
                    row.append(value)
                    row.append(value.string.flatMap(StatusExplanation.flag).map { .text($0.long) } ?? .null)
                case .code:
                    row.append(value)
                    row.append(value.int64.map { .text(StatusExplanation.statusClass(Int($0))) } ?? .text("no status"))
                default:
                    row.append(value)
                }
            }
            let share = result.total > 0 ? AnswerFormat.round(100 * Double(g.requests) / Double(result.total)) : 0
            let errorRate = g.requests > 0 ? AnswerFormat.round(100 * Double(g.errors) / Double(g.requests)) : 0
            row += [.integer(Int64(g.requests)), .real(share), .integer(Int64(g.errors)), .real(errorRate), .integer(Int64(g.injected))]
            if !hasCode {
                if show1xx { row.append(.integer(Int64(g.classes[1]))) }
                row += (2...5).map { .integer(Int64(g.classes[$0])) } + [.integer(Int64(g.classes[0]))]
            }
            if hasCode || hasFlag {
                row.append(meaning(g).map(SQLValue.text) ?? .null)
            } else if hasTLS || hasIdentity {
                let meanings = [g.keys[.tls]?.string.flatMap(TLSClass.meaning), g.keys[.identity]?.string.flatMap(CallerIdentity.meaning)]
                    .compactMap { $0 }
                row.append(meanings.isEmpty ? .null : .text(meanings.joined(separator: "; ")))
            }
            return row
        }
        return ResultTable(columns: columns, rows: rows)
    }

    /// The plain-words meaning of a group keyed by code and/or flag.
    func meaning(_ g: StatusGroup) -> String? {
        let flag = g.keys[.flag]?.string
        if let flag, flag != "-" {
            return StatusExplanation.flag(flag)?.meaning ?? "custom flag \(flag) (not one of Envoy's)"
        }
        guard let code = g.keys[.code]?.int64 else {
            return flag == "-" ? "no response flag" : nil
        }
        // Grouped by flag too and this is the no-flag group: every line in it is unflagged.
        let unflagged = flag == "-" ? g.requests : g.unflagged
        return StatusExplanation.code(Int(code), requests: g.requests, unflagged: unflagged)
    }
}
