import Testing
import MeshLogStore
@testable import MeshLogIngest

@Suite("Resuming a source seen before")
struct SourceResumeTests {
    @Test func aPartialSourceResumesAfterItsLinesWithoutComparingContent() throws {
        let decision = SourceResume.decide(state: .partial, linesRead: 42) {
            Issue.record("a partial source's content is not compared")
            return false
        }
        #expect(decision == .resume(lines: 42))
    }

    @Test(arguments: [SourceState.done, .duplicate])
    func aFinishedSourceIsAlreadyIngestedOnlyWithTheSameContent(state: SourceState) {
        #expect(SourceResume.decide(state: state, linesRead: 7, sameContent: { true }) == .alreadyIngested(lines: 7))
        #expect(SourceResume.decide(state: state, linesRead: 7, sameContent: { false }) == .startNew)
    }

    @Test func aFailedOrUnknownSourceStartsNew() {
        #expect(SourceResume.decide(state: .failed, linesRead: 3, sameContent: { true }) == .startNew)
        #expect(SourceResume.decide(state: nil, linesRead: 0, sameContent: { true }) == .startNew)
    }
}
