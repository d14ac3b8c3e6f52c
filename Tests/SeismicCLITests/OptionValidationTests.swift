// Numeric options: every out-of-range or non-finite value stops the command with usage and
// exit status 64 before any work, naming the option, the allowed range and the value given.

import ArgumentParser
import Foundation
import SeismicCLI
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

/// The message and exit code the parser gives for `arguments`, or nil when they parse.
func parseFailure(_ arguments: [String]) -> (message: String, code: ExitCode)? {
    do {
        _ = try Seismic.parseAsRoot(arguments)
        return nil
    } catch {
        return (Seismic.message(for: error), Seismic.exitCode(for: error))
    }
}

struct OptionValidationTests {
    /// The cases of the issue (crashes and NaN models) and the other nonsensical ranges.
    static let refused: [([String], String)] = [
        (["classify", "--model", "m", "r", "--stride", "inf"], "--stride must be a finite number > 0 (got inf)"),
        (["classify", "--model", "m", "r", "--stride", "0"], "--stride must be a finite number > 0 (got 0.0)"),
        (["classify", "--model", "m", "r", "--scale", "nan"], "--scale must be a finite number other than 0 (got nan)"),
        (["classify", "--model", "m", "r", "--sensitivity", "4e5"], "--sensitivity needs --units: the unit it converts counts to (e.g. --units m/s2)"),
        (["classify", "--model", "m", "r", "--units", "m/s2", "--sensitivity", "-1"], "--sensitivity must be a positive number of counts per unit (got -1.0)"),
        (["classify", "--model", "m", "r", "--units", "furlongs"], "--units furlongs is not an acceleration unit: give gal, m/s2 or g"),
        (
            ["classify", "--model", "m", "r", "--units", "counts"],
            "--units counts: for records in counts give --sensitivity COUNTS with --units of the unit it converts to (e.g. --units m/s2 --sensitivity 4.3e5), or --inventory station.xml"
        ),
        (
            ["classify", "--model", "m", "r", "--inventory", "i.xml", "--units", "gal"],
            "--inventory gives each channel's sensitivity and unit: drop --units, --sensitivity and --scale"
        ),
        (["classify", "--model", "m", "r", "--scale", "0.01", "--units", "gal"], "--scale and --units both convert records: give one (--units names the unit)"),
        (
            ["monitor", "--model", "m", "--source", "stdin", "--units", "g", "--window", "1e-9"],
            "--window must be a finite number >= 0.1 and <= 3600 (got 1e-09)"
        ),
        (
            ["monitor", "--model", "m", "--source", "stdin", "--units", "g", "--rate", "0"],
            "--rate must be a finite number >= 1 and <= 100000 (got 0.0)"
        ),
        (
            ["monitor", "--model", "m", "--source", "stdin", "--units", "g", "--window", "2", "--hop", "3"],
            "--hop must be a finite number > 0 and <= 2 (got 3.0)"
        ),
        (
            ["monitor", "--model", "m", "--source", "stdin", "--units", "g", "--noise-max", "1.5"],
            "--noise-max must be a finite number >= 0 and <= 1 (got 1.5)"
        ),
        (["monitor", "--model", "m", "--source", "udp://:1", "--gain=-inf"], "--gain must be a finite number > 0 (got -inf)"),
        (["monitor", "--model", "m", "--source", "replay:r", "--sensitivity", "0", "--units", "g"], "--sensitivity must be a finite number > 0 (got 0.0)"),
        (
            ["monitor", "--model", "m", "--source", "replay:r", "--sensitivity", "4e5"],
            "--sensitivity needs --units: the unit it converts counts to (e.g. --units m/s2)"
        ),
        (
            ["monitor", "--model", "m", "--source", "replay:r", "--inventory", "i.xml", "--units", "g"],
            "--inventory gives each channel's sensitivity and unit: drop --units and --sensitivity"
        ),
        (["monitor", "--model", "m", "--source", "udp://:1", "--station", "R1234"], "--station must be NET.STA or NET.STA.LOC (got 'R1234')"),
        (
            ["monitor", "--model", "m", "--source", "udp://:1", "--channels", "ENZ"],
            "--channels must be a band and an instrument code followed by ?, e.g. EN? (got 'ENZ')"
        ),
        (["train", "--data", "d", "--out", "o", "--step-size", "0"], "--step-size must be an integer >= 1 (got 0)"),
        (["train", "--data", "d", "--out", "o", "--lr", "inf"], "--lr must be a finite number > 0 (got inf)"),
        (["train", "--data", "d", "--out", "o", "--gamma", "nan"], "--gamma must be a finite number > 0 and <= 1 (got nan)"),
        (["train", "--data", "d", "--out", "o", "--batch-size", "0"], "--batch-size must be an integer >= 1 (got 0)"),
        (["train", "--data", "d", "--out", "o", "--epochs", "0"], "--epochs must be an integer >= 1 (got 0)"),
        (["train", "--data", "d", "--out", "o", "--dropout", "1"], "--dropout must be a finite number >= 0 and < 1 (got 1.0)"),
        (
            ["finetune", "--from", "c", "--data", "d", "--out", "o", "--validation", "nan"],
            "--validation must be a finite number >= 0.01 and <= 0.9 (got nan)"
        ),
        (["synth", "--out", "o", "--duration", "inf"], "--duration must be a finite number >= 60 and <= 86400 (got inf)"),
        (["synth", "--out", "o", "--events=-1"], "--events must be an integer >= 0 and <= 1000000 (got -1)"),
        (["demo", "--pretrain-epochs", "0"], "--pretrain-epochs must be an integer >= 1 (got 0)"),
        (["sac", "prepare", "f", "--out", "o", "--highpass", "inf"], "--highpass must be a finite number > 0 (got inf)"),
        (
            ["prep", "qsis-events", "--folder", "/", "-o", "x.h5", "--min-pga", "nan"],
            "--min-pga must be a finite number >= 0 (got nan)"
        ),
        (
            ["prep", "qsis-noise", "--folder", "/", "-o", "x.h5", "--min-samples", "0"],
            "--min-samples must be an integer >= 1 (got 0)"
        ),
        (
            ["prep", "spectrograms", "--events", "e", "--noise", "n", "-o", "x.h5", "--min-samples=-5"],
            "--min-samples must be an integer >= 1 (got -5)"
        ),
        (
            ["prep", "stead", "--hdf5", "h", "--csv", "c", "--out", "o", "--train-fraction", "nan"],
            "--train-fraction must be a finite number >= 0 and <= 1 (got nan)"
        ),
        (
            ["evaluate", "--model", "m"],
            "give one of --data (a prepared dataset's windows) or --seisbench (picks on a SeisBench dataset's traces)"
        ),
        (
            ["evaluate", "--model", "m", "--data", "d.h5", "--seisbench", "sb"],
            "give one of --data (a prepared dataset's windows) or --seisbench (picks on a SeisBench dataset's traces)"
        ),
        (["evaluate", "--model", "m", "--seisbench", "sb", "--tolerance", "0"], "--tolerance must be a finite number > 0 and <= 10 (got 0.0)"),
        (["prep", "seisbench", "--path", "p", "--out", "o", "--windows-per-arrival", "0"], "--windows-per-arrival must be an integer >= 1 and <= 1000 (got 0)"),
        (["prep", "seisbench", "--path", "p", "--out", "o", "--test-fraction", "1.5"], "--test-fraction must be a finite number >= 0 and <= 1 (got 1.5)")
    ]

    @Test(arguments: refused)
    func refusesOutOfRangeNumericOptionsBeforeAnyWork(_ arguments: [String], _ expected: String) throws {
        let failure = try #require(parseFailure(arguments), "\(arguments) parsed")
        #expect(failure.message == expected)
        #expect(failure.code == .validationFailure)
    }

    /// A negative number after a numeric option is its value, not another option: `--scale -1`
    /// flips the polarity, and `--stride -1` is refused for its range, not as a missing value.
    @Test func negativeValuesFollowTheirOptionWithoutAnEqualsSign() throws {
        #expect(parseFailure(["classify", "--model", "m", "r", "--scale", "-1"]) == nil)
        #expect(parseFailure(["sac", "prepare", "f", "--out", "o", "--scale", "-0.01"]) == nil)
        #expect(parseFailure(["classify", "--model", "m", "r", "--stride", "-1"])?.message == "--stride must be a finite number > 0 (got -1.0)")
        #expect(parseFailure(["synth", "--out", "o", "--events", "-1"])?.message == "--events must be an integer >= 0 and <= 1000000 (got -1)")
    }

    @Test func acceptsTheDefaults() {
        #expect(parseFailure(["train", "--data", "d", "--out", "o"]) == nil)
        #expect(parseFailure(["monitor", "--model", "m", "--source", "stdin", "--units", "gal"]) == nil)
        #expect(parseFailure(["monitor", "--model", "m", "--source", "udp://:1", "--channels", "en?"]) == nil)
        #expect(parseFailure(["synth", "--out", "o"]) == nil)
    }

    /// The window is known only from the checkpoint: a stride longer than it skips samples.
    @Test func classifyRefusesAStrideLongerThanTheModelsWindow() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stride-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let card = ModelCard.earthquakePretraining()
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 0), card: card, to: path)
        var command = try Seismic.parseAsRoot(["classify", "--model", path, "--stride", "2.5", "none.sac"])
        #expect {
            try withStandardOutput { try command.run() }
        } throws: { error in
            Seismic.message(for: error) == "--stride must be at most the model's window, 2.0 s (got 2.5); longer strides skip samples"
                && Seismic.exitCode(for: error) == .validationFailure
        }
    }

    @Test func monitorEngineRefusesWindowsItCannotHold() throws {
        let card = ModelCard.earthquakePretraining()
        let net = ConvNet(card.architecture, seed: 0)
        #expect(throws: MonitorError.windowSamples(windowSeconds: 0.1, samplingRateHz: 1, samples: 0.1)) {
            try MonitorEngine(model: net, card: card, samplingRateHz: 1, windowSeconds: 0.1)
        }
        #expect(throws: MonitorError.hop(hopSeconds: 3, windowSeconds: 2)) {
            try MonitorEngine(model: net, card: card, samplingRateHz: 100, windowSeconds: 2, hopSeconds: 3)
        }
    }
}
