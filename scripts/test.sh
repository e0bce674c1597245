#!/usr/bin/env bash
# The test command: formatting, lints, and every test (integration tests start their own
# Garage server on 127.0.0.1 with a temporary data dir and stop it by pid).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_rust_tools
PARTSWEEP_GARAGE=$(ensure_garage)
export PARTSWEEP_GARAGE

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked "$@"
