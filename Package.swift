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
        // Intel's ISA-L inflates gzip about twice as fast as zlib, when present: its header at build
        // time, libisal.so.2 loaded at run time (no link flag); zlib otherwise, and zlib still writes.
        .target(name: "CInflate"),
        .target(name: "MeshLogCore", dependencies: ["CZlib", "CInflate"], swiftSettings: hotPathSettings),
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
        .testTarget(name: "MeshLogCoreTests", dependencies: ["MeshLogCore"]),
        .testTarget(name: "MeshLogStoreTests", dependencies: ["MeshLogStore"]),
        .testTarget(name: "MeshLogIngestTests", dependencies: ["MeshLogIngest", "MeshLogStore", "MeshLogCore"]),
        .testTarget(name: "MeshLogAnalysisTests", dependencies: ["MeshLogAnalysis", "MeshLogStore", "MeshLogIngest", "MeshLogCore"]),
        .testTarget(name: "MeshLogTraceTests", dependencies: ["MeshLogAnalysis", "MeshLogStore", "MeshLogIngest", "MeshLogCore"]),
    ]
)
