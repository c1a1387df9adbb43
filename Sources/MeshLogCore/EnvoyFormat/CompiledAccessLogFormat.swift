/// An Envoy text format string compiled once into literal anchors and typed captures.
///
/// Lines are matched left to right: each capture runs lazily up to the next occurrence of the
/// literal that follows it, and its value must have the capture's shape (digits for
/// `%DURATION%`, no spaces for addresses, …). When a later part does not fit, the matcher
/// backtracks and lets an earlier capture run to the next occurrence of its literal, so quotes
/// and spaces inside user agents and paths do not break a line.
///
/// For example:
/// ```swift
/// let format = try CompiledAccessLogFormat(format: #"[%START_TIME%] "%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL%" %RESPONSE_CODE%"#)
/// var record = AccessLogRecord()
/// format.parse(line, into: &record)   // record.integer(.status) == 200
/// ```
public final class CompiledAccessLogFormat: AccessLogLineParser {
    /// One compiled part of the format.
    enum Part {
        case literal(ContiguousArray<UInt8>)
        case capture(Capture)
    }

    /// Where a capture's value goes and what it must look like.
    struct Capture {
        var field: AccessLogField?
        var extraIndex: Int
        var shape: AccessLogField.ValueShape
    }

    /// The format string as given.
    public let format: String
    /// The tokens the format compiled from.
    public let tokens: [EnvoyFormatToken]
    public let extraNames: [String]
    /// How START_TIME values are written.
    public let timePattern: StartTimePattern
    /// The typed fields this format carries.
    public let fields: Set<AccessLogField>
    private let parts: [Part]
    private let captureCount: Int
    /// Upper bound on backtracking steps for one line.
    private let stepBudget = 4096

    /// Compiles an Envoy format string.
    ///
    /// - Throws: `EnvoyFormatError` with the position of the problem.
    public init(format: String) throws(EnvoyFormatError) {
        self.format = format
        let tokens = try EnvoyFormatTokenizer.tokenize(format)
        self.tokens = tokens
        var parts: [Part] = []
        var extraNames: [String] = []
        var seen = Set<AccessLogField>()
        var pattern = StartTimePattern.rfc3339
        var previousCommand: EnvoyCommand?
        for token in tokens {
            switch token {
            case .literal(let text):
                parts.append(.literal(ContiguousArray(text.utf8)))
                previousCommand = nil
            case .command(let command):
                if let previousCommand {
                    throw .adjacentCommands(first: previousCommand.spelling, second: command.spelling, position: command.position)
                }
                previousCommand = command
                if let field = command.field, !seen.contains(field) {
                    if field == .startTime {
                        do { pattern = try StartTimePattern(pattern: command.argument) } catch {
                            throw .unsupportedTimePattern(pattern: command.argument ?? "", position: command.position)
                        }
                    }
                    seen.insert(field)
                    var shape = field.valueShape
                    if field == .startTime, !pattern.isDefault { shape = .any }
                    parts.append(.capture(Capture(field: field, extraIndex: -1, shape: shape)))
                } else {
                    extraNames.append(command.spelling)
                    parts.append(.capture(Capture(field: nil, extraIndex: extraNames.count - 1, shape: .any)))
                }
            }
        }
        guard tokens.contains(where: { if case .command = $0 { true } else { false } }) else { throw .noCommands }
        self.parts = parts
        self.extraNames = extraNames
        self.timePattern = pattern
        self.fields = seen
        self.captureCount = parts.count
    }

    public func parse(_ fullLine: UnsafeBufferPointer<UInt8>, into record: inout AccessLogRecord) -> Bool {
        record.reset()
        var line = fullLine
        if let last = line.last, last == 13 { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        let n = line.count
        // Copy the line so offsets stay valid in the record.
        record.bytes.removeAll(keepingCapacity: true)
        record.bytes.append(contentsOf: line)
        // Choice points: part index, capture start, next search position.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: captureCount * 3 + 3) { stack in
            var depth = 0
            var p = 0
            var pos = 0
            var searchFrom = -1
            var steps = 0
            // Capture ranges by part index.
            return withUnsafeTemporaryAllocation(of: Int.self, capacity: parts.count * 2 + 2) { ranges in
                parts.withUnsafeBufferPointer { parts in
                    matching: while true {
                        steps += 1
                        if steps > stepBudget { return false }
                        var ok = true
                        if p == parts.count {
                            if pos == n { break matching }
                            ok = false
                        } else {
                            switch parts[p] {
                            case .literal(let lit):
                                if Self.literalAt(line, pos, lit) {
                                    pos += lit.count
                                    p += 1
                                } else {
                                    ok = false
                                }
                            case .capture(let cap):
                                let from = searchFrom >= 0 ? searchFrom : pos
                                searchFrom = -1
                                if p + 1 == parts.count {
                                    // Last part: runs to the end of the line.
                                    if from == pos, Self.valid(line, pos, n, cap.shape) {
                                        ranges[2 * p] = pos
                                        ranges[2 * p + 1] = n
                                        pos = n
                                        p += 1
                                    } else {
                                        ok = false
                                    }
                                } else if case .literal(let lit) = parts[p + 1],
                                          let q = Self.find(lit, in: line, from: from),
                                          Self.valid(line, pos, q, cap.shape) {
                                    ranges[2 * p] = pos
                                    ranges[2 * p + 1] = q
                                    stack[3 * depth] = p
                                    stack[3 * depth + 1] = pos
                                    stack[3 * depth + 2] = q + 1
                                    depth += 1
                                    pos = q + lit.count
                                    p += 2
                                } else {
                                    ok = false
                                }
                            }
                        }
                        if !ok {
                            guard depth > 0 else { return false }
                            depth -= 1
                            p = stack[3 * depth]
                            pos = stack[3 * depth + 1]
                            searchFrom = stack[3 * depth + 2]
                        }
                    }
                    // Store the captures.
                    for i in 0..<parts.count {
                        guard case .capture(let cap) = parts[i] else { continue }
                        let s = ranges[2 * i], e = ranges[2 * i + 1]
                        if ByteParsing.isMissing(line, s, e) { continue }
                        if let field = cap.field {
                            record.starts[field.rawValue] = Int32(s)
                            record.ends[field.rawValue] = Int32(e)
                        } else {
                            record.extras.append((cap.extraIndex, Int32(s), Int32(e)))
                        }
                    }
                    let ts = Int(record.starts[AccessLogField.startTime.rawValue])
                    if ts >= 0 {
                        record.startMicros = timePattern.parse(line, ts, Int(record.ends[AccessLogField.startTime.rawValue]))
                        if record.startMicros == nil { return false }
                    }
                    return true
                }
            }
        }
    }

    @inline(__always)
    static func literalAt(_ line: UnsafeBufferPointer<UInt8>, _ pos: Int, _ lit: ContiguousArray<UInt8>) -> Bool {
        let count = lit.count
        guard pos + count <= line.count else { return false }
        return lit.withUnsafeBufferPointer { l in
            for k in 0..<count where line[pos + k] != l[k] { return false }
            return true
        }
    }

    @inline(__always)
    static func find(_ lit: ContiguousArray<UInt8>, in line: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        lit.withUnsafeBufferPointer { l in
            let first = l[0]
            let count = l.count
            let last = line.count - count
            var i = from
            while i <= last {
                if line[i] == first {
                    var k = 1
                    while k < count, line[i + k] == l[k] { k += 1 }
                    if k == count { return i }
                }
                i += 1
            }
            return nil
        }
    }

    @inline(__always)
    static func valid(_ line: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ shape: AccessLogField.ValueShape) -> Bool {
        switch shape {
        case .any:
            return true
        case .integer:
            if e == s + 1, line[s] == UInt8(ascii: "-") { return true }
            guard e > s else { return false }
            for i in s..<e where line[i] &- 48 >= 10 { return false }
            return true
        case .flags:
            if e == s + 1, line[s] == UInt8(ascii: "-") { return true }
            guard e > s else { return false }
            for i in s..<e {
                let c = line[i]
                if !((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 44) { return false }
            }
            return true
        case .token:
            for i in s..<e where line[i] == 32 || line[i] == 34 { return false }
            return true
        }
    }
}
