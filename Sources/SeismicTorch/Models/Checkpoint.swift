// Checkpoint: a model's weights and card as safetensors, with the reference's tensor names.

import Foundation
import SeismicIO
import SeismicNN

/// Why a checkpoint could not be loaded.
public enum CheckpointError: Error, CustomStringConvertible {
    case file(SafeTensorsError)
    case state(path: String, ParameterStore.LoadError)
    case unrecognised(path: String, reason: String)
    case badCard(path: String, reason: String)
    /// The card decodes but describes a model the code cannot build or run.
    case invalidCard(path: String, ModelCardError)
    /// A parameter or buffer value that no trained model holds (non-finite, or a negative variance).
    case invalidValue(path: String, tensor: String, index: Int, value: Float, expected: String)
    /// Neither a checkpoint file nor the name of a built-in model.
    case noSuchModel(path: String, builtins: [String])

    public var description: String {
        switch self {
        case .file(let e): return e.description
        case .state(let p, let e): return "\(p): \(e)"
        case .unrecognised(let p, let r): return "\(p): not a SeismicTorch or reference checkpoint: \(r)"
        case .badCard(let p, let r): return "\(p): the model card in the metadata is unreadable: \(r)"
        case .invalidCard(let p, let e): return "\(p): \(e)"
        case .invalidValue(let p, let t, let i, let v, let e): return "\(p): tensor '\(t)' value \(i) is \(v); expected \(e)"
        case .noSuchModel(let p, let names):
            return "\(p): no such checkpoint file, nor a built-in model (built-in: \(names.joined(separator: ", ")); `seismic models` lists them)"
        }
    }
}

/// Safetensors checkpoints. Tensor names are the reference's (`conv1.weight`, `bn1.running_mean`,
/// `bn1.num_batches_tracked` as int64, … `fc3.bias`), so PyTorch loads ours with
/// `model.load_state_dict(safetensors.torch.load_file(path))` and we load theirs. The card is JSON
/// in the metadata under `seismictorch.card`.
public enum Checkpoint {
    public static let cardKey = "seismictorch.card"

    /// - Throws: `CheckpointError.badCard` when the card cannot be written as JSON (a value that
    ///   is not finite): a checkpoint is never written with an empty card.
    public static func encode(model: ConvNet, card: ModelCard) throws(CheckpointError) -> SafeTensorsFile {
        precondition(card.architecture == model.architecture, "the card describes another architecture")
        var file = SafeTensorsFile()
        for e in model.store.entries {
            switch e.kind {
            case .counter: file.tensors[e.name] = .init(int64: model.store.counters[e.offset])
            default: file.tensors[e.name] = .init(float32: model.store.tensor(e.name).storage, shape: e.shape)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { file.metadata[cardKey] = String(decoding: try encoder.encode(card), as: UTF8.self) } catch {
            throw .badCard(path: "the card to write", reason: "\(error)")
        }
        file.metadata["format"] = "pt"
        return file
    }

    /// Writes `model` and `card` to `path` atomically.
    public static func save(model: ConvNet, card: ModelCard, to path: String) throws(CheckpointError) {
        let file = try encode(model: model, card: card)
        do { try file.write(to: path) } catch { throw .file(error) }
    }

    /// Loads a checkpoint written by us, or a reference state dict saved with safetensors (its card
    /// is then inferred from the tensor shapes, with the reference's class names). The card is
    /// validated (`ModelCard.validate()`) before the model is allocated, every tensor must have the
    /// shape the card's architecture needs, and every value must be finite (running variances ≥ 0).
    /// `path` may also name a built-in model (`BuiltinModel`, `seismic models`) when no file of that
    /// name exists. Errors name `path`: `.noSuchModel` (neither a file nor a built-in model),
    /// `.badCard`, `.invalidCard`, `.state`, `.invalidValue`, `.unrecognised`, `.file`.
    public static func load(from path: String) throws(CheckpointError) -> (model: ConvNet, card: ModelCard) {
        let file: SafeTensorsFile
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) || (isFolder.boolValue && BuiltinModel.named(path) != nil) {
            guard let builtin = BuiltinModel.named(path) else { throw .noSuchModel(path: path, builtins: BuiltinModel.all.map(\.name)) }
            do { file = try SafeTensorsFile(data: builtin.checkpointData, path: "built-in model \(path)") } catch { throw .file(error) }
        } else {
            do { file = try SafeTensorsFile(contentsOf: path) } catch { throw .file(error) }
        }
        let card: ModelCard
        if let json = file.metadata[cardKey] {
            do { card = try JSONDecoder().decode(ModelCard.self, from: Data(json.utf8)) } catch let e as ModelCardError {
                throw .invalidCard(path: path, e)  // a value the code cannot run (Preprocessing's types)
            } catch {
                throw .badCard(path: path, reason: "\(error)")
            }
        } else {
            card = try inferCard(file, path: path)
        }
        do { try card.validate() } catch { throw .invalidCard(path: path, error) }
        let model = ConvNet(card.architecture)
        try load(file, into: model, path: path)
        try validateValues(model, path: path)
        return (model, card)
    }

    /// Copies every tensor of `file` into `model`, refusing unknown names, wrong shapes and gaps.
    public static func load(_ file: SafeTensorsFile, into model: ConvNet, path: String) throws(CheckpointError) {
        let store = model.store
        let missing = store.entries.map(\.name).filter { file.tensors[$0] == nil }
        do throws(ParameterStore.LoadError) {
            for (name, t) in file.tensors.sorted(by: { $0.key < $1.key }) {
                guard let e = store.entry(name) else { throw ParameterStore.LoadError.unknownName(name) }
                if e.kind == .counter {
                    try store.setCounter(name, t.firstInteger ?? Int64(t.floats.first ?? 0))
                } else {
                    try store.set(name, t.floats, shape: t.shape)
                }
            }
            // num_batches_tracked is optional (older PyTorch files omit it); nothing else is.
            let essential = missing.filter { store.entry($0)?.kind != .counter }
            if !essential.isEmpty { throw ParameterStore.LoadError.missingNames(essential) }
        } catch { throw .state(path: path, error) }
    }

    /// Refuses a model whose parameters or buffers hold a non-finite value, or a negative running
    /// variance (either turns every prediction into NaN).
    public static func validateValues(_ model: ConvNet, path: String) throws(CheckpointError) {
        for e in model.store.entries where e.kind != .counter {
            let p = model.store.pointer(e)
            let isVariance = e.name.hasSuffix("running_var")
            for i in 0..<e.count where !p[i].isFinite || (isVariance && p[i] < 0) {
                throw .invalidValue(
                    path: path, tensor: e.name, index: i, value: p[i],
                    expected: isVariance ? "a finite variance ≥ 0" : "a finite value")
            }
        }
    }

    /// The reference's architectures recognised from tensor shapes.
    static func inferCard(_ file: SafeTensorsFile, path: String) throws(CheckpointError) -> ModelCard {
        guard let conv1 = file.tensors["conv1.weight"], let fc3 = file.tensors["fc3.weight"], conv1.shape.count == 4,
            fc3.shape.count == 2
        else {
            throw .unrecognised(
                path: path,
                reason: "no conv1.weight / fc3.weight of the reference's shape; tensors: "
                    + file.tensors.keys.sorted().prefix(8).joined(separator: ", "))
        }
        let classes = fc3.shape[0]
        var card: ModelCard
        if conv1.shape == [16, 1, 3, 1] {
            card = .earthquakePretraining()
            card.architecture = .earthquake(classCount: classes)
            card.classNames = classes == 3 ? ["P-wave", "S-wave", "Noise"] : (0..<classes).map { "class\($0)" }
        } else if conv1.shape == [48, 3, 3, 3] {
            card = .spectrogramEvents()
            card.architecture = .spectrogram(classCount: classes)
            card.classNames = classes == 2 ? ["Event", "Noise"] : (0..<classes).map { "class\($0)" }
        } else {
            throw .unrecognised(path: path, reason: "conv1.weight has shape \(conv1.shape); expected [16, 1, 3, 1] or [48, 3, 3, 3]")
        }
        card.notes["source"] = "reference state dict (card inferred from tensor shapes)"
        return card
    }
}
