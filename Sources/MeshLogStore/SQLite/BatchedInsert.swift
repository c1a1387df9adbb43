/// An `INSERT` that stores many rows per statement: rows are bound `rowsPerStatement` at a time
/// into one multi-row `VALUES` list and stepped once, the rest one by one.
///
/// A single-row `INSERT` pays the statement's start-up (cursors opened, the transaction checked)
/// for every row, about a microsecond; on the ingest path that is most of what storing a
/// dictionary string or a summary row costs.
///
/// For example:
/// ```swift
/// let insert = try BatchedInsert(db, table: "dict", columns: ["id", "value"])
/// try insert.run(strings.count) { statement, row, base in
///     statement.bind(strings[row].id, at: base + 1)
///     statement.bind(strings[row].value, at: base + 2)
/// }
/// ```
public final class BatchedInsert {
    private let one: Statement
    private let many: Statement
    private let width: Int32
    /// Rows per multi-row statement.
    public let rowsPerStatement: Int

    /// Prepares `INSERT INTO table(columns) VALUES (…)` for one row and for `rowsPerStatement` rows.
    public init(_ db: Database, table: String, columns: [String], rowsPerStatement: Int = 32) throws {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let head = "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES "
        one = try db.prepare(head + row)
        many = try db.prepare(head + Array(repeating: row, count: rowsPerStatement).joined(separator: ", "))
        width = Int32(columns.count)
        self.rowsPerStatement = rowsPerStatement
        // Summary rows repeat many values (zero counts, the same reporter): skip those binds.
        one.rememberBindings()
        many.rememberBindings()
    }

    /// Inserts `count` rows; `bind` binds row `row`'s values at parameters `base + 1 … base + columns`.
    public func run(_ count: Int, _ bind: (_ statement: Statement, _ row: Int, _ base: Int32) -> Void) throws {
        var row = 0
        while count - row >= rowsPerStatement {
            for k in 0..<rowsPerStatement { bind(many, row + k, Int32(k) * width) }
            defer { many.reset() }
            _ = try many.step()
            row += rowsPerStatement
        }
        while row < count {
            bind(one, row, 0)
            defer { one.reset() }
            _ = try one.step()
            row += 1
        }
    }
}
