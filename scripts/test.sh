#!/usr/bin/env bash
# The test command: formatting, lints, and every test. Integration tests start their own
# servers on 127.0.0.1 with temporary data dirs and stop them by pid: Garage, LocalStack (for
# versioning) and the test proxy (COS's rules and faults, in-process).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_rust_tools
PARTSWEEP_GARAGE=$(ensure_garage)
PARTSWEEP_LOCALSTACK=$(ensure_localstack)
export PARTSWEEP_GARAGE PARTSWEEP_LOCALSTACK

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked "$@"
