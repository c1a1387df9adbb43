import CSQLite

/// A custom SQL aggregate function, registered with ``Database/registerAggregate(_:argumentCount:_:)``.
///
/// SQLite creates one instance per group (via `init()`), calls ``step(_:)`` once per row of the
/// group, then ``finalize()`` once. Errors thrown from either abort the query with their message.
/// A group with no rows gets a fresh instance that is only finalized.
public protocol DatabaseAggregate {
    /// Creates the empty state of one group.
    init()
    /// Adds one row's arguments to the state.
    mutating func step(_ arguments: [SQLValue]) throws
    /// Returns the aggregate result for the group.
    func finalize() throws -> SQLValue
}

// MARK: - Bridging

/// Type-erased per-group aggregate state; one instance per group, owned through `sqlite3_aggregate_context`.
internal class AggregateBoxBase {
    func step(_ argc: Int32, _ argv: UnsafeMutablePointer<OpaquePointer?>?) throws {
        fatalError("abstract")
    }

    func finalize() throws -> SQLValue {
        fatalError("abstract")
    }
}

internal final class AggregateBox<A: DatabaseAggregate>: AggregateBoxBase {
    private var aggregate = A()
    /// Reused argument array: avoids an allocation per row.
    private var arguments: [SQLValue] = []

    override func step(_ argc: Int32, _ argv: UnsafeMutablePointer<OpaquePointer?>?) throws {
        arguments.removeAll(keepingCapacity: true)
        if let argv {
            for i in 0..<Int(argc) {
                arguments.append(SQLValue(sqliteValue: argv[i]))
            }
        }
        try aggregate.step(arguments)
    }

    override func finalize() throws -> SQLValue {
        try aggregate.finalize()
    }
}

/// Registered as the function's user data; makes the per-group boxes.
internal final class AggregateDefinition {
    let make: () -> AggregateBoxBase

    init(make: @escaping () -> AggregateBoxBase) {
        self.make = make
    }
}

/// Registered as a scalar function's user data.
internal final class FunctionDefinition {
    let body: ([SQLValue]) throws -> SQLValue
    /// Reused argument array; swapped out during a call so re-entrant calls stay correct.
    var scratch: [SQLValue] = []

    init(body: @escaping ([SQLValue]) throws -> SQLValue) {
        self.body = body
    }
}

private typealias AggregateSlot = UnsafeMutablePointer<UnsafeMutableRawPointer?>

extension Database {
    /// Registers (or replaces) a scalar SQL function `name` taking `argumentCount` arguments (-1: any number).
    ///
    /// `body` receives the arguments and returns the result; a thrown error fails the query with
    /// the error's message. Mark non-deterministic functions (`deterministic: false`) so SQLite
    /// does not factor them out or use them in indexes.
    public func registerFunction(_ name: String, argumentCount: Int32, deterministic: Bool = true,
                                 _ body: @escaping ([SQLValue]) throws -> SQLValue) {
        let definition = FunctionDefinition(body: body)
        let xFunc: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, argc, argv in
            let definition = Unmanaged<FunctionDefinition>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
            var arguments: [SQLValue] = []
            swap(&arguments, &definition.scratch)
            defer {
                arguments.removeAll(keepingCapacity: true)
                swap(&arguments, &definition.scratch)
            }
            if let argv {
                for i in 0..<Int(argc) { arguments.append(SQLValue(sqliteValue: argv[i])) }
            }
            do {
                try definition.body(arguments).setResult(context)
            } catch {
                setResultError(context, error)
            }
        }
        let rc = sqlite3_create_function_v2(
            handle, name, argumentCount, Self.functionFlags(deterministic: deterministic),
            Unmanaged.passRetained(definition).toOpaque(),
            xFunc, nil, nil,
            { pointer in
                if let pointer { Unmanaged<FunctionDefinition>.fromOpaque(pointer).release() }
            })
        precondition(rc == SQLITE_OK, "cannot register SQL function \(name): \(connection.error(code: rc, sql: nil))")
    }

    /// Registers (or replaces) an SQL aggregate function `name` backed by `A`; `argumentCount` -1 means any number.
    ///
    /// Each group gets its own `A()`; state is freed when the group is finalized, including when the
    /// query fails or is abandoned midway.
    public func registerAggregate<A: DatabaseAggregate>(_ name: String, argumentCount: Int32, _ type: A.Type) {
        registerAggregate(name, argumentCount: argumentCount, makeBox: { AggregateBox<A>() })
    }

    /// Registers an aggregate whose per-group state is a box subclass reading `sqlite3_value`s directly.
    func registerAggregate(_ name: String, argumentCount: Int32, makeBox: @escaping () -> AggregateBoxBase) {
        let definition = AggregateDefinition(make: makeBox)
        let xStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, argc, argv in
            guard let raw = sqlite3_aggregate_context(context, Int32(MemoryLayout<UnsafeMutableRawPointer?>.size)) else {
                sqlite3_result_error_nomem(context)
                return
            }
            // SQLite zero-fills the context on first allocation, so a nil slot means "new group".
            let slot = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            let box: AggregateBoxBase
            if let existing = slot.pointee {
                box = Unmanaged<AggregateBoxBase>.fromOpaque(existing).takeUnretainedValue()
            } else {
                let definition = Unmanaged<AggregateDefinition>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
                box = definition.make()
                slot.pointee = Unmanaged.passRetained(box).toOpaque()
            }
            do {
                try box.step(argc, argv)
            } catch {
                setResultError(context, error)
            }
        }
        // SQLite calls xFinal exactly once per group that it allocated context for, also when the
        // statement errors, is reset or finalized midway; releasing the box here is leak-free.
        let xFinal: @convention(c) (OpaquePointer?) -> Void = { context in
            let box: AggregateBoxBase
            if let raw = sqlite3_aggregate_context(context, 0),
               let existing = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self).pointee {
                raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self).pointee = nil
                box = Unmanaged<AggregateBoxBase>.fromOpaque(existing).takeRetainedValue()
            } else {
                let definition = Unmanaged<AggregateDefinition>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
                box = definition.make()
            }
            do {
                try box.finalize().setResult(context)
            } catch {
                setResultError(context, error)
            }
        }
        let rc = sqlite3_create_function_v2(
            handle, name, argumentCount, Self.functionFlags(deterministic: true),
            Unmanaged.passRetained(definition).toOpaque(),
            nil, xStep, xFinal,
            { pointer in
                if let pointer { Unmanaged<AggregateDefinition>.fromOpaque(pointer).release() }
            })
        precondition(rc == SQLITE_OK, "cannot register SQL aggregate \(name): \(connection.error(code: rc, sql: nil))")
    }

    static func functionFlags(deterministic: Bool) -> Int32 {
        SQLITE_UTF8 | (deterministic ? SQLITE_DETERMINISTIC : 0)
    }
}
