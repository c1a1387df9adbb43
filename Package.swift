// swift-tools-version:6.0
import PackageDescription

/// The ingest's stream and row encoder check exclusivity by hand (one writer per buffer). The hot
/// classes of MeshLogCore and MeshLogStore carry `@exclusivity(unchecked)` on their stored
/// properties instead, so those library products take no unsafe flags; this flag on MeshLogIngest
/// (not a product) saves a further 2.9 % of the ingest's instructions (README, Benchmark).
let ingestSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "meshlog",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "meshlog", targets: ["meshlog"]),
        .executable(name: "meshlog-bench", targets: ["meshlog-bench"]),
        // `meshlog serve` runs it: the HTTP server's package (and the Foundation networking it links) stays out
        // of every other command's start-up.
        .executable(name: "meshlog-serve", targets: ["meshlog-serve"]),
        .library(name: "MeshLogCore", targets: ["MeshLogCore"]),
        .library(name: "MeshLogStore", targets: ["MeshLogStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `meshlog serve`'s HTTP server: BSD sockets and Swift concurrency, no further dependencies.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Intel's ISA-L inflates gzip about twice as fast as zlib, when present: its header at build
        // time, libisal.so.2 loaded at run time (no link flag); zlib otherwise, and zlib still writes.
        .target(name: "CInflate"),
        // zstd (the Collector file exporter's `compression: zstd`): libzstd.so.1 loaded at run time, no header needed.
        .target(name: "CZstd"),
        .target(name: "MeshLogCore", dependencies: ["CZlib", "CInflate", "CZstd"]),
        // Synthetic traffic for `meshlog generate`, the samples, the tests and the benchmarks; not the ingest path.
        .target(name: "MeshLogGenerate", dependencies: ["MeshLogCore"]),
        .target(name: "MeshLogStore", dependencies: ["MeshLogCore", "CSQLite"]),
        .target(name: "MeshLogIngest", dependencies: ["MeshLogCore", "MeshLogStore", "MeshLogTerminal"], swiftSettings: ingestSettings),
        // Terminal output shared by the two executables, and the escaping of control characters that the
        // answers' renderers apply to every value they show (MeshLogAnalysis never writes to a terminal itself).
        .target(name: "MeshLogTerminal"),
        .target(name: "MeshLogAnalysis", dependencies: ["MeshLogCore", "MeshLogStore", "MeshLogTerminal"]),
        // `meshlog serve`'s pages and Jaeger-compatible API: requests in, responses out, no sockets (tested in process).
        .target(name: "MeshLogWeb", dependencies: ["MeshLogCore", "MeshLogStore", "MeshLogAnalysis", "MeshLogTerminal"]),
        // The HTTP transport in front of MeshLogWeb (FlyingFox), and the executable `meshlog serve` hands over to.
        .target(name: "MeshLogServe", dependencies: ["MeshLogWeb", .product(name: "FlyingFox", package: "FlyingFox")]),
        .executableTarget(name: "meshlog-serve", dependencies: ["MeshLogServe", "MeshLogWeb", "MeshLogStore", "MeshLogTerminal"]),
        .executableTarget(
            name: "meshlog",
            dependencies: [
                "MeshLogCore", "MeshLogStore", "MeshLogIngest", "MeshLogAnalysis", "MeshLogGenerate", "MeshLogTerminal", "MeshLogWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers every test target shares: temporary folders, the built binary, repository paths.
        .target(name: "MeshLogTestSupport", dependencies: ["MeshLogGenerate", "MeshLogStore"], path: "Tests/MeshLogTestSupport"),
        // End to end through the built `meshlog`: the README's transcripts, help examples, option coverage.
        // The benchmarks: not part of the shipped `meshlog`.
        .executableTarget(
            name: "meshlog-bench",
            dependencies: [
                "MeshLogCore", "MeshLogStore", "MeshLogIngest", "MeshLogAnalysis", "MeshLogGenerate", "MeshLogTerminal", "MeshLogWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MeshLogCLITests", dependencies: ["MeshLogTestSupport", "MeshLogStore", "MeshLogCore", "MeshLogGenerate"]),
        .testTarget(name: "MeshLogCoreTests", dependencies: ["MeshLogCore", "MeshLogTestSupport"]),
        .testTarget(name: "MeshLogGenerateTests", dependencies: ["MeshLogGenerate", "MeshLogCore", "MeshLogTestSupport"]),
        .testTarget(name: "MeshLogStoreTests", dependencies: ["MeshLogStore", "MeshLogTestSupport"]),
        .testTarget(name: "MeshLogIngestTests", dependencies: ["MeshLogIngest", "MeshLogStore", "MeshLogCore", "MeshLogGenerate", "MeshLogTestSupport"]),
        .testTarget(name: "MeshLogAnalysisTests", dependencies: ["MeshLogAnalysis", "MeshLogStore", "MeshLogIngest", "MeshLogCore", "MeshLogGenerate", "MeshLogTerminal", "MeshLogTestSupport"]),
        .testTarget(name: "MeshLogWebTests", dependencies: ["MeshLogWeb", "MeshLogServe", "MeshLogAnalysis", "MeshLogStore", "MeshLogIngest", "MeshLogCore", "MeshLogGenerate", "MeshLogTestSupport"]),
        .testTarget(name: "MeshLogTraceTests", dependencies: ["MeshLogAnalysis", "MeshLogStore", "MeshLogIngest", "MeshLogCore", "MeshLogGenerate", "MeshLogTestSupport"]),
    ]
)
