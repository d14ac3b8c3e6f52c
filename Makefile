# SeismicTorch — the commands the README shows. `make test` and `make demo` work on a fresh
# Debian machine with the Swift toolchain: each installs what is missing first.

SWIFT      ?= swift
BIN        := .build/release
DEMO_DIR   ?= demo-run
PYTHON     ?= python3
VENV_PY    := .venv/bin/python

.PHONY: deps build test demo bench faults fuzz clean format lint

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product seismic

# Source layout: .swift-format (4 spaces, 160 columns; layout, sorted imports, /// doc comments).
# Generated code (protobuf, *.generated.swift) stays as its generator writes it. `make format` applies it; `make lint` (part of `make
# test`) fails on any file it would change.
SWIFT_SOURCES = $(shell find Sources Tests Fuzz -name '*.swift' ! -name '*.pb.swift' ! -name '*.generated.swift' | sort)

format:
	$(SWIFT) format --in-place --parallel $(SWIFT_SOURCES)

lint:
	@$(SWIFT) format lint --strict --parallel $(SWIFT_SOURCES) && echo "lint: $(words $(SWIFT_SOURCES)) Swift files follow .swift-format"

# Tests run in release (the whole-model fixtures are heavy in a debug build) with preconditions on:
# no target is built -Ounchecked. The numerical suites then run again with the C kernels forced to
# each narrower instruction set the CPU has (scripts/test_kernel_variants.sh).
test: deps lint
	$(SWIFT) build -c release --product seismic
	$(VENV_PY) scripts/check_onnx.py $(BIN)/seismic
	$(VENV_PY) scripts/check_quakeml.py $(BIN)/seismic
	scripts/check_mpi.sh
	scripts/check_faults.sh
	@if $(PYTHON) -c "import torch, safetensors" >/dev/null 2>&1; then \
		$(PYTHON) scripts/check_torch_interop.py $(BIN)/seismic && $(PYTHON) scripts/check_onnx_import.py $(BIN)/seismic; \
	else echo "PyTorch checks skipped (interop, ONNX import from the reference): torch and safetensors are not installed"; fi
	$(SWIFT) build --build-tests -c release
	$(SWIFT) test -c release --skip-build
	SWIFT=$(SWIFT) scripts/test_kernel_variants.sh

# Fault injection on training runs (full disk, SIGKILL, concurrent runs); also part of `make test`.
faults: build
	scripts/check_faults.sh

demo: build
	$(BIN)/seismic demo --out $(DEMO_DIR)

bench: deps
	$(SWIFT) build -c release --product seismic-bench
	$(SWIFT) build -c release --product seismic
	$(BIN)/seismic-bench gemm
	$(BIN)/seismic-bench all
	$(BIN)/seismic-bench epoch
	$(BIN)/seismic-bench classify-day
	$(BIN)/seismic-bench monitor-latency
	@if $(PYTHON) -c "import torch" >/dev/null 2>&1; then $(PYTHON) scripts/bench_pytorch.py $(BIN)/seismic-bench; \
		$(PYTHON) scripts/bench_pytorch.py $(BIN)/seismic-bench --epoch; fi
	@if $(PYTHON) -c "import obspy" >/dev/null 2>&1; then $(PYTHON) scripts/bench_obspy.py $(BIN)/seismic-bench; fi
	$(VENV_PY) scripts/bench_classify.py $(BIN)/seismic-bench $(BIN)/seismic
	@if $(VENV_PY) -c "import seisbench" >/dev/null 2>&1; then $(VENV_PY) scripts/bench_station_day.py $(BIN)/seismic; fi
	scripts/bench_mpi.sh

# libFuzzer on the SAC, safetensors, NPY, CSV and HDF5 readers, the stream packet parser and the
# ONNX import (targets sac safetensors npy csv packets hdf5 onnx), FUZZ_SECONDS (default 60) each.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

clean:
	rm -rf .build out demo-run
