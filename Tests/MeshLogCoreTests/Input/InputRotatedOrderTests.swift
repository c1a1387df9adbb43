import Testing
@testable import MeshLogCore

@Suite("Rotated log order")
struct InputRotatedOrderTests {
    @Test func rotatedGenerationsComeOldestFirstBeforeTheLiveFile() {
        let paths = [
            "pods/lms_course-v1-abc_1/istio-proxy/0.log",
            "pods/lms_course-v1-abc_1/istio-proxy/0.log.20261125-101500",
            "pods/lms_course-v1-abc_1/istio-proxy/0.log.20261125-091500.gz",
            "pods/lms_user-v1-def_2/istio-proxy/0.log",
        ]
        let sorted = RotatedLogOrder.sort(paths.map { InputFile(path: $0) }).map(\.path)
        #expect(sorted == [
            "pods/lms_course-v1-abc_1/istio-proxy/0.log.20261125-091500.gz",
            "pods/lms_course-v1-abc_1/istio-proxy/0.log.20261125-101500",
            "pods/lms_course-v1-abc_1/istio-proxy/0.log",
            "pods/lms_user-v1-def_2/istio-proxy/0.log",
        ])
        #expect(RotatedLogOrder.key("a/0.log.20261125-101500.gz") == ("a/0.log", "20261125-101500"))
        #expect(RotatedLogOrder.key("a/app.log").stamp == nil)
    }
}
