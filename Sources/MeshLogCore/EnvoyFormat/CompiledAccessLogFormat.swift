#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
/// let record = AccessLogRecord()
/// format.parse(line, into: record)   // record.integer(.status) == 200
/// ```
public final class CompiledAccessLogFormat: AccessLogLineParser, @unchecked Sendable {
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
    private let plan: Plan
    /// Whether `%PROTOCOL%` directly follows another command, anchored by the `HTTP/` it starts with.
    private let gluedProtocol: Bool
    /// What an HTTP `%PROTOCOL%` value starts with.
    static let protocolPrefix = "HTTP/"
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
        var gluedProtocol = false
        for token in tokens {
            switch token {
            case .literal(let text):
                parts.append(.literal(ContiguousArray(text.utf8)))
                previousCommand = nil
            case .command(let command):
                if let previousCommand {
                    // Istio 1.0.3–1.0.9 wrote `%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%%PROTOCOL%`: an HTTP
                    // protocol starts with `HTTP/`, which then ends the command before it.
                    guard command.field == .protocol, !seen.contains(.protocol) else {
                        throw .adjacentCommands(first: previousCommand.spelling, second: command.spelling, position: command.position)
                    }
                    parts.append(.literal(ContiguousArray(Self.protocolPrefix.utf8)))
                    gluedProtocol = true
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
        // Lines are matched without their trailing blanks, so the format's own are dropped too.
        if case .literal(var bytes) = parts.last {
            while let last = bytes.last, last == 32 || last == 9 { bytes.removeLast() }
            if bytes.isEmpty { parts.removeLast() } else { parts[parts.count - 1] = .literal(bytes) }
        }
        self.plan = Plan(parts)
        self.gluedProtocol = gluedProtocol
        self.extraNames = extraNames
        self.timePattern = pattern
        self.fields = seen
    }

    public func parse(_ fullLine: UnsafeBufferPointer<UInt8>, into record: AccessLogRecord) -> Bool {
        var n = fullLine.count
        // Trailing blanks (the CR of a CRLF file, spaces, tabs) are not part of the line.
        if n > 0, fullLine[n - 1] <= 32 {
            while n > 0, fullLine[n - 1] == 13 || fullLine[n - 1] == 32 || fullLine[n - 1] == 9 { n -= 1 }
        }
        record.reset(line: UnsafeBufferPointer(rebasing: fullLine[0..<n]))
        let line = UnsafeBufferPointer(start: record.bytes, count: n)
        let plan = self.plan
        let partCount = plan.count
        let stack = plan.stack
        let ranges = plan.ranges
        var depth = 0
        var p = 0
        var pos = 0
        var searchFrom = -1
        var steps = 0
        while true {
            steps += 1
            if steps > stepBudget { return false }
            var ok = true
            if p == partCount {
                if pos == n { break }
                ok = false
            } else if plan.isLiteral[p] {
                let len = Int(plan.literalLength[p])
                let lit = plan.literals + Int(plan.literalOffset[p])
                if pos + len <= n, Self.equal(line.baseAddress! + pos, lit, len) {
                    pos += len
                    p += 1
                } else {
                    ok = false
                }
            } else {
                let from = searchFrom >= 0 ? searchFrom : pos
                searchFrom = -1
                let shape = plan.shape[p]
                if p + 1 == partCount {
                    if from == pos, Self.valid(line, pos, n, shape) {
                        ranges[2 * p] = pos
                        ranges[2 * p + 1] = n
                        pos = n
                        p += 1
                    } else {
                        ok = false
                    }
                } else {
                    let len = Int(plan.literalLength[p + 1])
                    let lit = plan.literals + Int(plan.literalOffset[p + 1])
                    let q = Self.scan(lit, len, in: line, start: pos, from: from, shape: shape)
                    if q >= 0 {
                        ranges[2 * p] = pos
                        ranges[2 * p + 1] = q
                        stack[3 * depth] = p
                        stack[3 * depth + 1] = pos
                        stack[3 * depth + 2] = q + 1
                        depth += 1
                        pos = q + len
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
        for i in 0..<partCount where !plan.isLiteral[i] {
            let s = ranges[2 * i], e = ranges[2 * i + 1]
            if e <= s || (e == s + 1 && line[s] == 45) { continue }
            let field = Int(plan.field[i])
            if field >= 0 {
                record.starts[field] = Int32(s)
                record.ends[field] = Int32(e)
            } else {
                record.extras.append((Int(plan.extraIndex[i]), Int32(s), Int32(e)))
            }
        }
        if gluedProtocol, record.starts[AccessLogField.protocol.rawValue] >= 0 {
            // The `HTTP/` anchor was matched as a literal; it belongs to the protocol's value.
            record.starts[AccessLogField.protocol.rawValue] -= Int32(Self.protocolPrefix.utf8.count)
        }
        let ts = Int(record.starts[AccessLogField.startTime.rawValue])
        if ts >= 0 {
            record.startMicros = timePattern.parse(line, ts, Int(record.ends[AccessLogField.startTime.rawValue]))
            if record.startMicros == nil { return false }
        }
        return true
    }

    /// The compiled parts laid out flat for the matcher.
    final class Plan {
        let count: Int
        let isLiteral: UnsafeMutablePointer<Bool>
        let literalOffset: UnsafeMutablePointer<Int32>
        let literalLength: UnsafeMutablePointer<Int32>
        let literals: UnsafeMutablePointer<UInt8>
        let field: UnsafeMutablePointer<Int32>
        let extraIndex: UnsafeMutablePointer<Int32>
        let shape: UnsafeMutablePointer<AccessLogField.ValueShape>
        let stack: UnsafeMutablePointer<Int>
        let ranges: UnsafeMutablePointer<Int>

        init(_ parts: [Part]) {
            count = parts.count
            isLiteral = .allocate(capacity: count + 1)
            literalOffset = .allocate(capacity: count + 1)
            literalLength = .allocate(capacity: count + 1)
            field = .allocate(capacity: count + 1)
            extraIndex = .allocate(capacity: count + 1)
            shape = .allocate(capacity: count + 1)
            stack = .allocate(capacity: 3 * count + 3)
            ranges = .allocate(capacity: 2 * count + 2)
            ranges.initialize(repeating: 0, count: 2 * count + 2)
            var all: [UInt8] = []
            for (i, part) in parts.enumerated() {
                switch part {
                case .literal(let bytes):
                    isLiteral[i] = true
                    literalOffset[i] = Int32(all.count)
                    literalLength[i] = Int32(bytes.count)
                    all.append(contentsOf: bytes)
                    field[i] = -1
                    extraIndex[i] = -1
                    shape[i] = .any
                case .capture(let cap):
                    isLiteral[i] = false
                    literalOffset[i] = 0
                    literalLength[i] = 0
                    field[i] = Int32(cap.field?.rawValue ?? -1)
                    extraIndex[i] = Int32(cap.extraIndex)
                    shape[i] = cap.shape
                }
            }
            literals = .allocate(capacity: max(1, all.count))
            for (i, b) in all.enumerated() { literals[i] = b }
        }

        deinit {
            isLiteral.deallocate(); literalOffset.deallocate(); literalLength.deallocate(); literals.deallocate()
            field.deallocate(); extraIndex.deallocate(); shape.deallocate(); stack.deallocate(); ranges.deallocate()
        }
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ len: Int) -> Bool {
        for k in 0..<len where a[k] != b[k] { return false }
        return true
    }

    /// Position of the first occurrence of `lit` at or after `from` such that `line[start..<q]`
    /// has the capture's shape, or -1. Stops as soon as a byte makes every longer value invalid.
    @inline(__always)
    static func scan(_ lit: UnsafePointer<UInt8>, _ len: Int, in line: UnsafeBufferPointer<UInt8>, start: Int, from: Int,
                     shape: AccessLogField.ValueShape) -> Int {
        guard let base = line.baseAddress else { return -1 }
        let first = lit[0]
        let last = line.count - len
        var i = from
        switch shape {
        case .token:
            if i > start {
                for k in start..<i where base[k] == 32 || base[k] == 34 { return -1 }
            }
            // Eight bytes at a time: stop at a space, a quote or the literal's first byte.
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let spaces = ones &* 32, quotes = ones &* 34, firsts = ones &* UInt64(first)
            let raw = UnsafeRawPointer(base)
            while i <= last {
                if i + 8 <= line.count {
                    let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let a = w ^ spaces, b = w ^ quotes, f = w ^ firsts
                    let m = ((a &- ones) & ~a | (b &- ones) & ~b | (f &- ones) & ~f) & highs
                    if m == 0 {
                        i += 8
                        continue
                    }
                    i += m.trailingZeroBitCount >> 3
                    if i > last { return -1 }
                }
                let c = base[i]
                if c == first {
                    var k = 1
                    while k < len, base[i + k] == lit[k] { k += 1 }
                    if k == len { return i }
                }
                if c == 32 || c == 34 { return -1 }
                i += 1
            }
            return -1
        case .any:
            return find(lit, len, in: line, from: from)
        case .integer, .flags:
            let q = find(lit, len, in: line, from: from)
            return q >= 0 && valid(line, start, q, shape) ? q : -1
        }
    }

    /// Position of the first occurrence of `lit` in `line` at or after `from`, or -1.
    @inline(__always)
    static func find(_ lit: UnsafePointer<UInt8>, _ len: Int, in line: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        let first = lit[0]
        let last = line.count - len
        guard let base = line.baseAddress else { return -1 }
        var i = from
        while i <= last {
            guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return -1 }
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            var k = 1
            while k < len, base[i + k] == lit[k] { k += 1 }
            if k == len { return i }
            i += 1
        }
        return -1
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
