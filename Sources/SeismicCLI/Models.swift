// seismic models: the built-in models, and one's card.

import ArgumentParser
import Foundation
import SeismicTorch

extension Seismic {
    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the built-in models (name first), or show one's card.",
            discussion: """
                Built-in models ship inside seismic: every --model option takes a name listed here \
                as well as a checkpoint path (a file of the same name wins). The card says what the \
                model takes (classes, rate, window, components, units, preprocessing), what it was \
                trained on and under which licence, how (the script that reproduces it) and what \
                it measured on records it never saw (docs/MODELS.md has the details).

                Examples:
                  seismic models
                  seismic models earthquake-real
                  seismic classify --model earthquake-real CI.PASC..HHZ.D.2019.187
                """)

        @Argument(help: "A built-in model's name: show its card.") var name: String?

        func run() throws {
            guard let name else {
                let width = BuiltinModel.all.map(\.name.count).max() ?? 0
                for m in BuiltinModel.all { print(m.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + m.summary) }
                return
            }
            guard let model = BuiltinModel.named(name) else {
                throw ValidationError("no built-in model \(name); built-in: \(BuiltinModel.all.map(\.name).joined(separator: ", "))")
            }
            let card = try model.card()
            printSummary(
                "\(model.name): \(card.architecture.name), \(card.architecture.parameterCount) parameters",
                model.cardLines.dropFirst().map { ($0.0, $0.1) }
                    + cardSummary(card).map { line in
                        let field = line.prefix { $0 != " " }
                        return (String(field), line.dropFirst(field.count).trimmingCharacters(in: .whitespaces))
                    })
        }
    }
}
