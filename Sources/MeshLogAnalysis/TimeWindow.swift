/// A `--since`/`--until` pair read and resolved against the newest start time in a store: the one
/// place every command turns its window options into µs bounds.
public struct TimeWindow: Equatable, Sendable {
    /// The first start time included, µs since the epoch (nil: from the first line).
    public var sinceMicros: Int64?
    /// The first start time excluded, µs since the epoch (nil: to the last line).
    public var untilMicros: Int64?

    /// A window with given bounds.
    public init(sinceMicros: Int64? = nil, untilMicros: Int64? = nil) {
        self.sinceMicros = sinceMicros
        self.untilMicros = untilMicros
    }

    /// Reads `since` and `until` (RFC 3339 or spans, see ``TimeExpression``), counting spans back
    /// from `newest`; the option names are those the errors quote.
    ///
    /// - Throws: ``AnswerOptionError/badTime(option:value:)`` for text that is neither, and
    ///   ``AnswerOptionError/emptyWindow(since:until:)`` when `until` is not after `since`.
    public init(since: String?, until: String?, newest: Int64,
                sinceOption: String = "--since", untilOption: String = "--until") throws(AnswerOptionError) {
        func resolve(_ text: String?, _ option: String) throws(AnswerOptionError) -> Int64? {
            guard let text else { return nil }
            guard let parsed = TimeExpression.parse(text) else { throw .badTime(option: option, value: text) }
            return parsed.resolve(newest: newest)
        }
        sinceMicros = try resolve(since, sinceOption)
        untilMicros = try resolve(until, untilOption)
        if let s = sinceMicros, let u = untilMicros, u <= s {
            throw .emptyWindow(since: since ?? "", until: until ?? "")
        }
    }

    /// Whether neither bound is set.
    public var isUnbounded: Bool { sinceMicros == nil && untilMicros == nil }
}
