// swift-tools-version: 6.1
// SeismicTorch: seismic record classification with small CNNs, end to end, in Swift.
import PackageDescription


let package = Package(
    name: "SeismicTorch",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SeismicIO", targets: ["SeismicIO"]),
        .library(name: "SeismicSignal", targets: ["SeismicSignal"]),
        .library(name: "SeismicNN", targets: ["SeismicNN"]),
        .library(name: "SeismicPlot", targets: ["SeismicPlot"]),
        .library(name: "SeismicTorch", targets: ["SeismicTorch"]),
        .executable(name: "seismic", targets: ["seismic"]),
        .executable(name: "seismic-mpi", targets: ["seismic-mpi"]),
        .executable(name: "seismic-bench", targets: ["Benchmarks"]),
    ],
    traits: [
        .trait(name: "MPI", description: "Build seismic-mpi against Open MPI (libopenmpi-dev) for data-parallel jobs."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/CoreOffice/XMLCoder", from: "0.18.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C libraries from Debian's -dev packages (scripts/install-deps.sh installs them).
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        .systemLibrary(
            name: "CKissFFT", pkgConfig: "kissfft-float",
            providers: [.apt(["libkissfft-dev"]), .brew(["kissfft"])]),
        // No pkgConfig: Debian's mseed.pc has a two-line Description that SwiftPM cannot parse
        // (a warning on every build); the header and library are on the default paths.
        .systemLibrary(name: "CMiniSEED", providers: [.apt(["libmseed-dev"]), .brew(["libmseed"])]),

        // Bytes on disk and on the wire <-> typed values: SAC, miniSEED, NPY, HDF5, QuakeML, SeedLink.
        .target(
            name: "SeismicIO",
            dependencies: ["CHDF5", "CMiniSEED", .product(name: "XMLCoder", package: "XMLCoder"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        // Waveform -> Waveform: detrend, taper, filters, resampling, spectrograms, amplitude chain.
        .target(
            name: "SeismicSignal",
            dependencies: ["SeismicIO", "CKissFFT", .product(name: "ComplexModule", package: "swift-numerics")]),
        // Hot loops in C, compiled once per instruction set (AVX-512, AVX2+FMA, baseline) and chosen at
        // load time; SEISMIC_MAX_ISA caps the choice so every variant is tested on any machine.
        .target(name: "CSeismicKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=fast"])]),
        // Tensor, kernels, layers with forward and backward, loss, optimizers. Knows no seismology.
        .target(
            name: "SeismicNN",
            // CBLAS comes from OpenBLAS on Linux and from Accelerate on Apple platforms.
            dependencies: ["CSeismicKernels", .target(name: "CBLAS", condition: .when(platforms: [.linux]))]),
        // ONNX protobuf types generated once from onnx.proto (scripts/generate_onnx_proto.sh).
        .target(name: "SeismicONNX", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // SVG plots (line panels, heat-maps) written by the project.
        .target(name: "SeismicPlot"),
        // The domain: models, checkpoints, datasets, training.
        .target(
            name: "SeismicTorch",
            dependencies: ["SeismicIO", "SeismicSignal", "SeismicNN", "SeismicPlot", "SeismicONNX",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                           .product(name: "Logging", package: "swift-log")]),
        // Open MPI, only with the MPI trait (C shims for MPI_COMM_WORLD and friends).
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]),
        .target(name: "SeismicMPI", dependencies: ["SeismicNN", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
        // The command-line tool: the commands in a library, two thin executables.
        .target(
            name: "SeismicCLI",
            dependencies: ["SeismicTorch", "SeismicIO", "SeismicSignal", "SeismicNN", "SeismicPlot",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "seismic", dependencies: ["SeismicCLI", "SeismicTorch"]),
        .executableTarget(name: "seismic-mpi", dependencies: ["SeismicCLI", "SeismicTorch", "SeismicNN", "SeismicMPI"]),
        // Throughput programs (`make bench`).
        .executableTarget(
            name: "Benchmarks",
            // TestSupport: the SeedLink server on loopback that `seedlink-server` runs live.
            // CSeismicKernels and CBLAS: `gemm` measures the product kernel against sgemm's peak.
            dependencies: ["SeismicTorch", "SeismicIO", "SeismicSignal", "SeismicNN", "TestSupport", "CSeismicKernels",
                           .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Benchmarks"),

        // Reads Tests/Fixtures (the reference numbers) for every test target.
        .target(
            name: "TestSupport",
            dependencies: ["SeismicIO", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/TestSupport"),
        .testTarget(name: "SeismicIOTests", dependencies: ["SeismicIO", "TestSupport"]),
        .testTarget(name: "SeismicSignalTests", dependencies: ["SeismicSignal", "SeismicIO", "TestSupport"]),
        .testTarget(name: "SeismicNNTests", dependencies: ["SeismicNN", "CSeismicKernels", "SeismicIO", "TestSupport"]),
        .testTarget(
            name: "SeismicTorchTests",
            dependencies: ["SeismicTorch", "SeismicNN", "SeismicIO", "SeismicSignal", "TestSupport"]),
        // The commands through their public parser: option checks, help text snapshots, outputs.
        .testTarget(name: "SeismicCLITests", dependencies: ["SeismicCLI", "SeismicTorch", "SeismicIO", "TestSupport"]),
    ]
)
