// swift-tools-version:6.0
import PackageDescription

/// The hot ingest path checks exclusivity by hand (one writer per buffer); runtime checks cost a third of parse time.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "meshlog",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "meshlog", targets: ["meshlog"]),
        .library(name: "MeshLogCore", targets: ["MeshLogCore"]),
        .library(name: "MeshLogStore", targets: ["MeshLogStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Intel's ISA-L inflates gzip about twice as fast as zlib (reading); zlib still writes.
        .systemLibrary(name: "CIsal", providers: [.apt(["libisal-dev"])]),
        .target(name: "MeshLogCore", dependencies: ["CZlib", "CIsal"], swiftSettings: hotPathSettings),
        .target(name: "MeshLogStore", dependencies: ["MeshLogCore", "CSQLite"], swiftSettings: hotPathSettings),
        .target(name: "MeshLogIngest", dependencies: ["MeshLogCore", "MeshLogStore"], swiftSettings: hotPathSettings),
        .target(name: "MeshLogAnalysis", dependencies: ["MeshLogCore", "MeshLogStore"]),
        .executableTarget(
            name: "meshlog",
            dependencies: [
                "MeshLogCore", "MeshLogStore", "MeshLogIngest", "MeshLogAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers every test target shares: temporary folders, the built binary, repository paths.
        .target(name: "MeshLogTestSupport", path: "Tests/MeshLogTestSupport"),
        // End to end through the built `meshlog`: the README's transcripts, help examples, option coverage.
        .testTarget(name: "MeshLogCLITests", dependencies: ["MeshLogTestSupport"]),
        .testTarget(name: "MeshLogCoreTests", dependencies: ["MeshLogCore"]),
        .testTarget(name: "MeshLogStoreTests", dependencies: ["MeshLogStore"]),
        .testTarget(name: "MeshLogIngestTests", dependencies: ["MeshLogIngest", "MeshLogStore", "MeshLogCore"]),
        .testTarget(name: "MeshLogAnalysisTests", dependencies: ["MeshLogAnalysis", "MeshLogStore", "MeshLogIngest", "MeshLogCore"]),
        .testTarget(name: "MeshLogTraceTests", dependencies: ["MeshLogAnalysis", "MeshLogStore", "MeshLogIngest", "MeshLogCore"]),
    ]
)
