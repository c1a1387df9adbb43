import Testing
@testable import MeshLogStore

@Suite("Tuple interner")
struct TupleInternerTests {
    func intern(_ t: TupleInterner, _ values: [Int64]) -> Int64 {
        values.withUnsafeBufferPointer { t.intern($0.baseAddress!) }
    }

    @Test func sameTupleSameIdNullsDistinctAndNewTuplesPending() {
        let t = TupleInterner(arity: 3, firstID: 7)
        let null = TupleInterner.null
        let a = intern(t, [1, 2, 3])
        let b = intern(t, [1, 2, null])
        let c = intern(t, [1, null, 2])
        #expect(a == 7 && b == 8 && c == 9)
        #expect(intern(t, [1, 2, 3]) == a)
        #expect(intern(t, [1, 2, null]) == b)
        #expect(t.takePending() == [7, 1, 2, 3, 8, 1, 2, null, 9, 1, null, 2])
        #expect(t.takePending().isEmpty)
        #expect(intern(t, [1, 2, 3]) == a)
        #expect(t.takePending().isEmpty)
    }

    @Test func manyTuplesSurviveGrowthAndPreload() {
        let t = TupleInterner(arity: 2)
        t.preload(id: 1000, values: [-5, -5])
        var ids: [[Int64]: Int64] = [:]
        for i in 0..<20_000 { ids[[Int64(i % 97), Int64(i)]] = intern(t, [Int64(i % 97), Int64(i)]) }
        for (k, id) in ids { #expect(intern(t, k) == id) }
        #expect(intern(t, [-5, -5]) == 1000)
        #expect(Set(ids.values).count == 20_000)
        let reused = ids.values.contains(1000)
        #expect(!reused)
        #expect(ids.values.min() == 1001)
        #expect(t.count == 20_001)
    }

    @Test func trimForgetsPastTheBoundAndHandsOutFreshIds() {
        let t = TupleInterner(arity: 1, maxEntries: 10)
        for i in 0..<11 { _ = intern(t, [Int64(i)]) }
        _ = t.takePending()
        t.trimIfNeeded()
        #expect(t.count == 0)
        #expect(intern(t, [0]) == 12)
        #expect(t.takePending() == [12, 0])
    }
}
