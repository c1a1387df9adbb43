/// An Envoy format string inferred from the shapes of sampled lines, for files no preset fits.
///
/// Lines are split into columns (`SampledColumn`). Columns whose values say what they are get
/// named first: ISO-8601 times (`%START_TIME%`), the request line's method, path and protocol, a
/// status (`0` or three digits; when several columns could be one, the column after the request
/// line or the time), response flags, response-code details, UUIDs (`%REQ(X-REQUEST-ID)%`),
/// Istio cluster names, quoted user agents, quoted host names (`%REQ(:AUTHORITY)%`) and quoted IP
/// lists (`%REQ(X-FORWARDED-FOR)%`), Istio's `outbound_.…` server names; each only when exactly
/// one column fits. The others are named by position: a run of unnamed columns between two named
/// ones gets the operators Envoy's or Istio's default has between the same two, in order, when
/// every way of lining them up agrees (so an integer run after the flags is bytes received, bytes
/// sent, duration, upstream service time, and a column that is `-` throughout gets its name from
/// where it is). A column left unnamed becomes a placeholder operator `%UNNAMED_n%`, which the
/// compiler keeps in the `extra` JSON column, never a typed column.
///
/// The inference is sure only when the start time, the status and the method, path or duration
/// are named and every sampled line parses with the result; otherwise `problem` says why, and
/// `format` is still the best candidate.
public struct FormatInference: Sendable {
    /// How a column got its operator.
    public enum Evidence: String, Sendable, Codable {
        /// Its values have the operator's shape, and no other column's do.
        case value
        /// Its neighbour is named and Envoy's or Istio's default has this operator there.
        case position
        /// Nothing says what it is: a placeholder that goes to `extra`.
        case unnamed
    }

    /// One column of the inferred format.
    public struct Column: Sendable {
        /// The operator, e.g. `%RESPONSE_CODE%` or `%UNNAMED_1%`.
        public let operatorText: String
        /// The typed column it fills, or nil for `extra`.
        public let field: AccessLogField?
        /// How it got its operator.
        public let evidence: Evidence
        /// The first value in the sample that is not `-`, or `-`.
        public let example: String
    }

    /// The inferred format string (the best candidate when not sure).
    public let format: String
    /// The operator of each column, in line order.
    public let columns: [Column]
    /// Sampled lines the format parses.
    public let matched: Int
    /// Non-empty lines sampled.
    public let sampled: Int
    /// Why the inference is not sure, or nil when it is.
    public let problem: String?

    /// The inferred format can be used: the core fields are named and every sampled line fits.
    public var isSure: Bool { problem == nil }

    /// The name of placeholder operators for columns that cannot be named: `%UNNAMED_1%`, ….
    public static let placeholderPrefix = "UNNAMED_"

    /// The label the ingest gives files whose format was inferred.
    public static let label = "inferred"

    /// A parser for the inferred format.
    public func makeParser() throws -> CompiledAccessLogFormat { try CompiledAccessLogFormat(format: format) }

    /// The operator written for each typed column (Istio's spellings).
    public static func operatorText(_ field: AccessLogField) -> String {
        switch field {
        case .startTime: "%START_TIME%"
        case .method: "%REQ(:METHOD)%"
        case .path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"
        case .protocol: "%PROTOCOL%"
        case .status: "%RESPONSE_CODE%"
        case .flags: "%RESPONSE_FLAGS%"
        case .details: "%RESPONSE_CODE_DETAILS%"
        case .terminationDetails: "%CONNECTION_TERMINATION_DETAILS%"
        case .transportFailure: "%UPSTREAM_TRANSPORT_FAILURE_REASON%"
        case .bytesReceived: "%BYTES_RECEIVED%"
        case .bytesSent: "%BYTES_SENT%"
        case .duration: "%DURATION%"
        case .upstreamServiceTime: "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%"
        case .forwardedFor: "%REQ(X-FORWARDED-FOR)%"
        case .userAgent: "%REQ(USER-AGENT)%"
        case .requestID: "%REQ(X-REQUEST-ID)%"
        case .authority: "%REQ(:AUTHORITY)%"
        case .upstreamHost: "%UPSTREAM_HOST%"
        case .upstreamCluster: "%UPSTREAM_CLUSTER%"
        case .upstreamLocal: "%UPSTREAM_LOCAL_ADDRESS%"
        case .downstreamLocal: "%DOWNSTREAM_LOCAL_ADDRESS%"
        case .downstreamRemote: "%DOWNSTREAM_REMOTE_ADDRESS%"
        case .serverName: "%REQUESTED_SERVER_NAME%"
        case .routeName: "%ROUTE_NAME%"
        case .traceID: "%TRACE_ID%"
        }
    }

    /// Infers the format of lines that came in `wrapper`'s envelope: of their payloads, or, when
    /// that is unsure and the envelope is `kubectl --timestamps`, of the whole lines (a format
    /// that starts with a bare `%START_TIME%` looks like that envelope). Returns the envelope the
    /// inference is for.
    public static func infer(_ lines: [[UInt8]], wrapper: LineWrapper) -> (inference: FormatInference, wrapper: LineWrapper) {
        let inference = infer(LineUnwrapper.payloads(lines, wrapper: wrapper))
        guard !inference.isSure, wrapper == .kubectl else { return (inference, wrapper) }
        let whole = infer(lines)
        return whole.isSure ? (whole, .none) : (inference, wrapper)
    }

    /// Infers a format from the first `FormatDetector.sampleSize` non-empty lines of `lines`.
    public static func infer(_ lines: [[UInt8]]) -> FormatInference {
        let sample = Array(lines.filter { !$0.isEmpty }.prefix(FormatDetector.sampleSize))
        let columns = SampledColumn.columns(of: sample).columns
        guard !columns.isEmpty else {
            return FormatInference(format: "", columns: [], matched: 0, sampled: sample.count,
                                   problem: "no line splits into space-separated values")
        }
        var naming = Naming(columns)
        naming.nameByValue()
        naming.nameByPosition()
        var problems = naming.problems
        if naming.index(of: .startTime) == nil, !problems.contains(where: { $0.contains("start time") }) {
            problems.append("no column looks like a start time (ISO-8601)")
        }
        if naming.index(of: .status) == nil, !problems.contains(where: { $0.contains("status") }) {
            problems.append("no column looks like a status (0 or three digits)")
        }
        if naming.index(of: .method) == nil, naming.index(of: .path) == nil, naming.index(of: .duration) == nil {
            problems.append("neither the method, the path nor the duration was identified")
        }
        // Values must agree with the names given by position: the upstream's time is part of the duration.
        if let d = naming.index(of: .duration), let u = naming.index(of: .upstreamServiceTime) {
            let longer = zip(columns[d].values, columns[u].values).filter { total, upstream in
                guard let total = Int(total), let upstream = Int(upstream) else { return false }
                return upstream - 1 > total
            }.count
            if longer > 0 { problems.append("the upstream service time exceeds the duration in \(longer) lines: the numbers may be in another order") }
        }
        // Placeholders for the rest, then the format itself.
        var format = ""
        var inferred: [Column] = []
        var unnamed = 0
        for (i, column) in columns.enumerated() {
            let text: String
            if let field = naming.fields[i] {
                text = operatorText(field)
            } else {
                unnamed += 1
                text = "%\(placeholderPrefix)\(unnamed)%"
            }
            format += column.lead + text + column.trail
            inferred.append(Column(operatorText: text, field: naming.fields[i], evidence: naming.evidence[i],
                                   example: column.present.first ?? "-"))
        }
        var matched = 0
        do {
            let parser = try CompiledAccessLogFormat(format: format)
            let record = AccessLogRecord()
            for line in sample where line.withUnsafeBufferPointer({ parser.parse($0, into: record) }) { matched += 1 }
        } catch {
            problems.append("the candidate does not compile: \(error)")
        }
        if matched < sample.count {
            problems.append("\(sample.count - matched) of \(sample.count) sampled lines do not fit")
        }
        return FormatInference(format: format, columns: inferred, matched: matched, sampled: sample.count,
                               problem: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// The operators of Envoy's and Istio's default formats in order, with their quoting.
    static let referenceLayouts: [[(field: AccessLogField?, quoting: SampledColumn.Quoting)]] = {
        [FormatCatalog.istioFormat, FormatCatalog.istio13Format, FormatCatalog.envoyFormat].map { format in
            var layout: [(AccessLogField?, SampledColumn.Quoting)] = []
            var before = ""
            for token in (try? EnvoyFormatTokenizer.tokenize(format)) ?? [] {
                switch token {
                case .literal(let text): before = text
                case .command(let command):
                    let quoting: SampledColumn.Quoting = before.hasSuffix("\"") ? .quoted : before.hasSuffix("[") ? .bracketed : .bare
                    layout.append((command.field, quoting))
                }
            }
            return layout
        }
    }()

    /// Assigns typed columns to sampled columns.
    struct Naming {
        /// The sampled columns being named.
        let columns: [SampledColumn]
        /// The typed column of each sampled column, or nil while unnamed.
        var fields: [AccessLogField?]
        /// How each column got its name.
        var evidence: [Evidence]
        /// Why the core fields could not be named unambiguously.
        var problems: [String] = []

        init(_ columns: [SampledColumn]) {
            self.columns = columns
            fields = Array(repeating: nil, count: columns.count)
            evidence = Array(repeating: .unnamed, count: columns.count)
        }

        /// The column named `field`, if any.
        func index(of field: AccessLogField) -> Int? { fields.firstIndex(of: field) }

        /// Names column `i`.
        mutating func assign(_ field: AccessLogField, _ i: Int, _ how: Evidence) {
            fields[i] = field
            evidence[i] = how
        }

        /// Unnamed columns with at least one value other than `-`, all of which pass `test`.
        func candidates(_ test: (SampledColumn) -> Bool) -> [Int] {
            columns.indices.filter { fields[$0] == nil && !columns[$0].present.isEmpty && test(columns[$0]) }
        }

        /// Names the one candidate column; several make `field` ambiguous (a problem when `core`).
        mutating func nameUnique(_ field: AccessLogField, core: Bool = false, prefer: (Int) -> Bool = { _ in false },
                                 _ test: (SampledColumn) -> Bool) {
            var found = candidates(test)
            if found.count > 1 { found = found.filter(prefer) }
            if found.count == 1 {
                assign(field, found[0], .value)
            } else if core, found.count > 1 || !candidates(test).isEmpty {
                let all = candidates(test).map { String($0 + 1) }.joined(separator: ", ")
                problems.append("columns \(all) all look like the \(field == .startTime ? "start time" : field.columnName)")
            }
        }

        /// Names the columns whose values say what they are.
        mutating func nameByValue() {
            typealias V = ValueShapes
            nameUnique(.startTime, core: true) { $0.present.allSatisfy(V.isTime) }
            nameUnique(.method) { $0.present.allSatisfy(V.isMethod) }
            let method = index(of: .method)
            nameUnique(.path, prefer: { $0 == (method ?? -2) + 1 }) { $0.present.allSatisfy(V.isPath) }
            nameUnique(.protocol) { $0.present.allSatisfy(V.isProtocol) }
            // Envoy writes the status after the request line (or the time), and the flags after it.
            let anchor = index(of: .protocol) ?? index(of: .startTime)
            let columns = self.columns
            nameUnique(.status, core: true, prefer: { i in
                i == (anchor ?? -2) + 1 || (i + 1 < columns.count && columns[i + 1].present.contains { V.isFlags($0) })
            }) { $0.quoting == .bare && $0.values.allSatisfy(V.isStatus) && $0.values.contains { $0 != "0" } }
            nameUnique(.flags) { $0.quoting == .bare && $0.present.allSatisfy(V.isFlags) }
            nameUnique(.details) { $0.present.allSatisfy(V.isDetailsWord) && $0.present.contains(where: V.isKnownDetails) }
            nameUnique(.requestID) { $0.present.allSatisfy(V.isUUID) }
            nameUnique(.upstreamCluster) {
                $0.present.allSatisfy { V.isIstioCluster($0) || V.isPassthroughCluster($0) } && $0.present.contains(where: V.isIstioCluster)
            }
            nameUnique(.userAgent) { c in
                c.quoting == .quoted && c.present.filter(V.isUserAgent).count * 2 >= c.present.count
            }
            nameUnique(.authority) { c in
                c.quoting == .quoted && c.present.allSatisfy(V.isHostName) && c.present.contains(where: V.isNamedAuthority)
            }
            nameUnique(.serverName) { $0.present.allSatisfy(V.isHostName) && $0.present.contains { $0.hasPrefix("outbound_.") } }
            nameUnique(.forwardedFor) { $0.quoting == .quoted && $0.present.allSatisfy(V.isIPList) }
        }

        /// Operators whose values are checked closely enough to be picked for a column with values.
        static let strong: Set<AccessLogField?> = [
            .startTime, .method, .path, .protocol, .status, .flags, .details, .bytesReceived, .bytesSent, .duration,
            .upstreamServiceTime, .forwardedFor, .upstreamHost, .upstreamLocal, .downstreamLocal, .downstreamRemote,
        ]

        /// Names unnamed columns by position, as the default formats order them, until nothing changes.
        mutating func nameByPosition() {
            while nameRuns() {}
        }

        /// Names each run of unnamed columns between two named ones (or the line's ends) from the
        /// operators a default format has between the same two, in order, possibly with some
        /// left out. Every way of doing so that fits the columns' quoting and values counts; a
        /// column is named when all of them agree on it. A column with values takes only an
        /// operator whose values are checked closely (numbers, addresses, flags, …); one that is
        /// `-` throughout fits any operator, so its name comes only from where it is.
        private mutating func nameRuns() -> Bool {
            var changed = false
            var a = 0
            while a < columns.count {
                guard fields[a] == nil else { a += 1; continue }
                var b = a
                while b + 1 < columns.count, fields[b + 1] == nil { b += 1 }
                for (offset, field) in agreedNames(a, b).enumerated() {
                    if let field {
                        assign(field, a + offset, .position)
                        changed = true
                    }
                }
                a = b + 1
            }
            return changed
        }

        /// For each column of the run `a...b`, the operator every fitting alignment gives it, or nil.
        private func agreedNames(_ a: Int, _ b: Int) -> [AccessLogField?] {
            let count = b - a + 1
            var options = Array(repeating: Set<AccessLogField?>(), count: count)
            var any = false
            var budget = 50_000
            for layout in FormatInference.referenceLayouts {
                let left = a == 0 ? -1 : layout.firstIndex { $0.field == fields[a - 1] }
                let right = b + 1 == columns.count ? layout.count : layout.firstIndex { $0.field == fields[b + 1] }
                guard let left, let right, left < right else { continue }
                let slots = Array(layout[(left + 1)..<right])
                var names: [AccessLogField?] = []
                any = alignments(slots, 0, a, b, &names, &options, &budget) || any
                if right == layout.count, a > 0, !slots.isEmpty, slots.count < count,
                   columns[a + slots.count].quoting != slots[slots.count - 1].quoting {
                    // Columns appended after a default's last operator (Istio's with headers added).
                    names = []
                    if alignments(slots, 0, a, a + slots.count - 1, &names, &options, &budget) {
                        any = true
                        for k in slots.count..<count { options[k].insert(nil) }
                    }
                }
            }
            guard any, budget > 0 else { return Array(repeating: nil, count: count) }
            return options.map { $0.count == 1 ? $0.first! : nil }
        }

        /// Adds every in-order way to give columns `i...b` slots from `from` on to `options`; true when there is one.
        private func alignments(_ slots: [(field: AccessLogField?, quoting: SampledColumn.Quoting)], _ from: Int, _ i: Int, _ b: Int,
                                _ names: inout [AccessLogField?], _ options: inout [Set<AccessLogField?>], _ budget: inout Int) -> Bool {
            budget -= 1
            if i > b {
                for (k, name) in names.enumerated() { options[k].insert(name) }
                return true
            }
            guard budget > 0, slots.count - from >= b - i + 1 else { return false }
            var found = false
            for k in from..<slots.count where fits(slots[k], i) {
                names.append(slots[k].field)
                found = alignments(slots, k + 1, i + 1, b, &names, &options, &budget) || found
                names.removeLast()
            }
            return found
        }

        /// Whether the column at `i` can take `slot`.
        private func fits(_ slot: (field: AccessLogField?, quoting: SampledColumn.Quoting), _ i: Int) -> Bool {
            guard slot.quoting == columns[i].quoting else { return false }
            guard let field = slot.field else { return true }
            guard columns[i].present.isEmpty || Self.strong.contains(field) else { return false }
            return index(of: field) == nil && ValueShapes.fits(field, columns[i])
        }
    }
}
