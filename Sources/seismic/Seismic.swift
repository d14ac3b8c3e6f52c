import ArgumentParser

@main
struct Seismic: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "SeismicTorch")
}
