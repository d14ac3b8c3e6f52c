# SeismicTorch — the commands the README shows. `make test` and `make demo` work on a fresh
# Debian machine with the Swift toolchain: each installs what is missing first.

SWIFT      ?= swift
RELEASE    := $(SWIFT) build -c release
BIN        := .build/release
DEMO_DIR   ?= out/demo

.PHONY: deps build test demo bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(RELEASE) --product seismic

test: deps
	$(SWIFT) build --build-tests -c release
	$(SWIFT) test -c release --skip-build

demo: build
	$(BIN)/seismic demo --out $(DEMO_DIR)

bench: deps
	$(RELEASE) --product seismic-bench
	$(BIN)/seismic-bench all

clean:
	rm -rf .build out
