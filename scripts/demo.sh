#!/usr/bin/env bash
# The demo: a throwaway local Garage seeded with buckets, files and incomplete uploads,
# and the console against it. Quitting stops the server and removes its data.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

PARTSWEEP_GARAGE=$(ensure_garage)
export PARTSWEEP_GARAGE
exec cargo run --quiet --locked -- demo "$@"
