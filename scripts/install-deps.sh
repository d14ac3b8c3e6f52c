#!/usr/bin/env bash
# Installs what SeismicTorch needs from Debian's packages, and only what is missing.
# Idempotent and quiet when everything is there. Needs root (or sudo) only when installing.
set -euo pipefail

packages=(
  pkg-config         # lets SwiftPM find the C libraries' headers
  libopenblas-dev    # CBLAS (sgemm) for SeismicNN
  libhdf5-dev        # HDF5 (STEAD, prepared datasets)
  libkissfft-dev     # FFTs for resampling and spectrograms
  libmseed-dev       # miniSEED 2 records (FDSN data centres, SDS archives, SeedLink)
  libopenmpi-dev     # Open MPI for data-parallel jobs (seismic-mpi, built with --traits MPI)
  openmpi-bin        # mpirun
)

missing=()
for p in "${packages[@]}"; do
  p=${p%%#*}; p=${p// /}
  [ -z "$p" ] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python side of the checks (ONNX Runtime comparison, ObsPy reading our QuakeML and miniSEED), in a git-ignored virtual environment, once.
venv="$(dirname "$0")/../.venv"
if command -v python3 >/dev/null 2>&1; then
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
      echo "install-deps: installing python3-venv"
      sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
      $sudo apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$venv"; python3 -m venv "$venv"
    fi
  fi
  if ! "$venv/bin/python" -c "import numpy, onnx, onnxruntime, h5py, obspy" >/dev/null 2>&1; then
    echo "install-deps: installing numpy, onnx, onnxruntime, h5py and obspy into .venv (once)"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check numpy onnx onnxruntime h5py obspy
  fi
  # SeisBench (for the scripts that write SeisBench datasets with its own writer) needs PyTorch:
  # the CPU build, from a local wheel when the machine has one, else PyTorch's CPU index, never the
  # multi-gigabyte CUDA build; without either, SeisBench is left out (the tests do not need it).
  if ! "$venv/bin/python" -c "import seisbench" >/dev/null 2>&1; then
    if ! "$venv/bin/python" -c "import torch" >/dev/null 2>&1; then
      wheel=$(ls /opt/wheels/torch-*cpu*-cp3*.whl 2>/dev/null | head -1 || true)
      if [ -n "$wheel" ]; then
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel" || true
      else
        "$venv/bin/python" -m pip install -q --disable-pip-version-check torch --index-url https://download.pytorch.org/whl/cpu || true
      fi
    fi
    if "$venv/bin/python" -c "import torch" >/dev/null 2>&1; then
      echo "install-deps: installing seisbench into .venv (once)"
      "$venv/bin/python" -m pip install -q --disable-pip-version-check seisbench || echo "install-deps: seisbench could not be installed (only scripts/make_*_fixture and make_real_datasets need it)"
    else
      echo "install-deps: PyTorch for CPU is not available here, so seisbench is not installed (only scripts/make_seisbench_fixture.py and make_real_datasets.py need it)"
    fi
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: the Swift toolchain (6.1 or later) is not on PATH; install it from swift.org first" >&2
  exit 1
fi
