import CSQLite

/// What each parameter of a statement was last bound to, when that was an integer or NULL, so a
/// loop binding row after row can skip the values that repeat (a batch's source and reporter,
/// the NULLs of absent fields).
///
/// Bindings survive `sqlite3_reset`, and each `sqlite3_bind_*` costs SQLite about eighty
/// instructions (the old value released, the statement checked); on the ingest path, with
/// twenty-four parameters a row, that is a tenth of the writer's work.
final class BindingMemo {
    private let kinds: UnsafeMutablePointer<UInt8>
    private let values: UnsafeMutablePointer<Int64>
    private let count: Int

    private static let null: UInt8 = 0, integer: UInt8 = 1, other: UInt8 = 2

    /// A memo for a statement with `parameters` parameters, none known yet.
    init(parameters: Int) {
        count = max(parameters, 1)
        kinds = .allocate(capacity: count + 1)
        kinds.initialize(repeating: Self.other, count: count + 1)
        values = .allocate(capacity: count + 1)
        values.initialize(repeating: 0, count: count + 1)
    }

    deinit {
        kinds.deallocate()
        values.deallocate()
    }

    /// Binds `value` at the 1-based `index` unless it is bound there already.
    @inline(__always)
    func bind(_ statement: OpaquePointer, _ value: Int64, at index: Int32) {
        let i = Int(index)
        if kinds[i] == Self.integer, values[i] == value { return }
        sqlite3_bind_int64(statement, index, value)
        kinds[i] = Self.integer
        values[i] = value
    }

    /// Binds NULL at `index` unless it is NULL already.
    @inline(__always)
    func bindNull(_ statement: OpaquePointer, at index: Int32) {
        let i = Int(index)
        if kinds[i] == Self.null { return }
        sqlite3_bind_null(statement, index)
        kinds[i] = Self.null
    }

    /// Notes that `index` was bound to something else (text, a blob, a double).
    @inline(__always)
    func forget(_ index: Int32) {
        kinds[Int(index)] = Self.other
    }

    /// Notes that every parameter is NULL (after `sqlite3_clear_bindings`).
    func allNull() {
        kinds.update(repeating: Self.null, count: count + 1)
    }
}
