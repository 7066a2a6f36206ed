// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "pgtrack",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pgtrackd", targets: ["pgtrackd"]),
        .executable(name: "pgtrackctl", targets: ["pgtrackctl"]),
        // Libraries for the fuzz targets in fuzz/, a package of their own.
        .library(name: "PGTrackCore", targets: ["PGTrackCore"]),
        .library(name: "PGTrackPlatform", targets: ["PGTrackPlatform"]),
        .library(name: "PGTrackAPI", targets: ["PGTrackAPI"]),
        .library(name: "PGTrackViews", targets: ["PGTrackViews"]),
        .library(name: "PGTrackConfig", targets: ["PGTrackConfig"]),
        .library(name: "TOML", targets: ["TOML"]),
        .library(name: "PGTrackCalendar", targets: ["PGTrackCalendar"]),
        .library(name: "Varlink", targets: ["Varlink"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(
            name: "Systemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log"), .product(name: "SystemPackage", package: "swift-system")]
        ),
        // The protocol and the blocking client; the server, which needs the sd-event loop,
        // is its own target so that pgtrackctl does not link libsystemd.
        .target(name: "Varlink", dependencies: [.product(name: "SystemPackage", package: "swift-system")]),
        .target(name: "VarlinkServer", dependencies: ["Varlink", "Systemd", .product(name: "SystemPackage", package: "swift-system")]),
        .systemLibrary(name: "CLibical", pkgConfig: "libical", providers: [.apt(["libical-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        // libmicrohttpd on the sd-event loop; knows nothing of pgtrack.
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "Systemd", .product(name: "SystemPackage", package: "swift-system")]),
        // What pgtrack serves over HTTP (the feed, the progress page and its event stream), as functions of a request.
        .target(name: "PGTrackWeb", dependencies: ["HTTPServer", "PGTrackAPI", "PGTrackViews", "PGTrackCore", "PGTrackPlatform"]),
        // iCalendar on libical; what it published is kept by a RevisionStore it is given.
        .target(name: "PGTrackCalendar", dependencies: ["CLibical", "PGTrackCore", "PGTrackPlatform", .product(name: "SystemPackage", package: "swift-system")]),
        // The model: plan, schedule, engine; no I/O. No dependency but FoundationEssentials,
        // so that pgtrackctl, which needs only its value types, links no SQLite.
        .target(name: "PGTrackCore", exclude: ["Plan/Resources"]),
        // The platform under the model: files (reads, atomic writes), XDG paths, the plan
        // file read and ticked on disk, the system's zone files.
        .target(name: "PGTrackPlatform", dependencies: ["PGTrackCore", .product(name: "SystemPackage", package: "swift-system")]),
        // The wire contract of io.pgtrack.Tracker: value types built from the schedule, the
        // interface text, the errors, typed requests both ways, and the dispatch
        // (TrackerService); shared by the daemon and the CLI.
        .target(name: "PGTrackAPI", dependencies: ["PGTrackCore", "PGTrackPlatform", "Varlink"]),
        // What people read: the CLI's text, the status-bar formats, the Markdown export and
        // the journal, the progress page (HTML, SVG, its CSP hashes); pure functions of the
        // API's values.
        .target(name: "PGTrackViews", dependencies: ["PGTrackAPI", "PGTrackCore", "Varlink"]),
        .target(name: "PGTrackStore", dependencies: ["PGTrackCore", "PGTrackPlatform", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "SystemPackage", package: "swift-system")]),
        // TOML 1.0 in plain Swift: no dependency at all, bounded, no input-driven recursion.
        .target(name: "TOML"),
        .target(name: "PGTrackConfig", dependencies: ["PGTrackCore", "PGTrackPlatform", "TOML"]),
        .executableTarget(
            name: "pgtrackd",
            dependencies: [
                "PGTrackAPI",
                "PGTrackViews",
                "PGTrackCore", "PGTrackPlatform",
                "PGTrackStore",
                "PGTrackConfig",
                "PGTrackCalendar",
                "PGTrackWeb",
                "HTTPServer",
                "Systemd",
                "Varlink",
                "VarlinkServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pgtrackctl",
            dependencies: [
                "PGTrackAPI",
                "PGTrackViews",
                "PGTrackCore", "PGTrackPlatform",
                "Varlink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            // A short-lived client starts like a C program: the little of the C++ runtime the
            // Swift runtime uses is linked in (libstdc++.a through scripts/static-libstdc++,
            // libgcc's unwinder through -static-libgcc), so no libstdc++.so.6 or libgcc_s.so.1
            // is loaded and initialised at each start; and no symbol is exported. PIE and full
            // RELRO stay (the Makefile's HARDENING). Measured in docs/DECISIONS.md.
            linkerSettings: [.unsafeFlags([
                "-Xclang-linker", "-static-libgcc",
                "-Xclang-linker", "-L\(Context.packageDirectory)/scripts/static-libstdc++",
                "-Xlinker", "--no-export-dynamic",
            ])]
        ),
        .executableTarget(
            name: "pgtrack-bench",
            dependencies: ["PGTrackAPI", "PGTrackViews", "PGTrackCore", "PGTrackPlatform", "PGTrackCalendar", "Varlink"],
            path: "bench/Sources/pgtrack-bench"
        ),
        // Shared by the test targets: temporary folders removed when the test process exits.
        .target(name: "PGTrackTestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SystemdTests", dependencies: ["PGTrackTestSupport", "Systemd", .product(name: "SystemPackage", package: "swift-system")]),
        .testTarget(name: "VarlinkTests", dependencies: ["PGTrackTestSupport", "Varlink", "VarlinkServer", "Systemd", .product(name: "SystemPackage", package: "swift-system")]),
        .testTarget(name: "PGTrackCalendarTests", dependencies: ["PGTrackTestSupport", "PGTrackCalendar", "CLibical", "PGTrackCore", "PGTrackPlatform"]),
        .testTarget(name: "PGTrackWebTests", dependencies: ["PGTrackWeb", "HTTPServer", "PGTrackAPI", "PGTrackViews", "PGTrackCore", "PGTrackPlatform"]),
        .testTarget(name: "PGTrackAPITests", dependencies: ["PGTrackTestSupport", "PGTrackAPI", "PGTrackViews", "PGTrackCore", "PGTrackPlatform", "PGTrackStore", "Varlink"]),
        .testTarget(name: "PGTrackStoreTests", dependencies: ["PGTrackTestSupport", "PGTrackStore", "PGTrackCore", "PGTrackPlatform",
                                                          .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "PGTrackConfigTests", dependencies: ["PGTrackConfig", "PGTrackCore", "PGTrackPlatform", "TOML"]),
        .testTarget(
            name: "PGTrackCoreTests",
            dependencies: [
                "PGTrackCore", "PGTrackPlatform",
                "PGTrackTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
