#!/usr/bin/env bash
# Clear all at scale: partsweep against aws-cli, s3cmd, rclone, boto3 and a bare aws-sdk-s3
# program, on one throwaway Garage server on 127.0.0.1, directly and through the test proxy at
# 30 ms a request; a 20,000-upload bucket over 64 prefixes listed split and sequentially
# through the proxy; then the UI at a million rows. Every figure runs 3 times: one summary
# table of medians and ranges. Exits 1 if a tool left uploads or touched an object.
#
#   scripts/bench.sh            2,000 uploads per tool (200 for the one-call-per-upload loops)
#   scripts/bench.sh --full     100,000 uploads per tool, 100,000 in the listing
#   scripts/bench.sh --uploads N --tools partsweep,partsweep-32,bare-sdk-128,bare-sdk-adaptive-64
#                    --loop-uploads M --repeats R
#                    --scenarios direct,latency,throttled --latency-ms 30 --rate R
#                    --list-uploads N --list-prefixes P --time-limit SECONDS --garage-db lmdb
#                    --no-ui --ui-only --via-cli
#   (--time-limit: each tool's run is killed past it and measured by what it aborted by then;
#   --tools '' --scenarios latency: only the listing)
#
# Results go to stdout and to target/bench/ (clear.md, ui.md, machine.txt).
# Needs: cargo, garage (cargo install garage --version 2.5.0 --locked), python3, apt-get (as root)
# for rclone and time. Nothing leaves 127.0.0.1.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/bench
VENV=$ROOT/target/bench-venv
mkdir -p "$OUT"

run_ui=1
run_clear=1
bench_args=()
ui_args=()
while (($#)); do
    case $1 in
        --no-ui) run_ui=0 ;;
        --ui-only) run_clear=0 ;;
        --full | --via-cli) bench_args+=("$1") ;;
        --uploads | --loop-uploads | --tools | --scenarios | --latency-ms | --rate | --list-uploads | --list-prefixes | --time-limit | --garage-db)
            bench_args+=("$1" "$2"); shift ;;
        --repeats) bench_args+=("$1" "$2"); ui_args+=("$1" "$2"); shift ;;
        -h | --help) sed -n 2,20p "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '\n== %s\n' "$*" >&2; }

apt_install() {
    if ! command -v apt-get >/dev/null; then
        echo "no apt-get: install $* yourself" >&2
        return 0
    fi
    apt-get install -y "$@" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$@" >/dev/null; }
}

log "peers"
[[ -x /usr/bin/time ]] || apt_install time
command -v rclone >/dev/null || apt_install rclone
if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import boto3, awscli' 2>/dev/null || [[ ! -x $VENV/bin/s3cmd ]]; then
    "$VENV/bin/pip" install --quiet awscli s3cmd boto3
fi
export BENCH_PYTHON=$VENV/bin/python BENCH_AWS=$VENV/bin/aws BENCH_S3CMD=$VENV/bin/s3cmd
if command -v rclone >/dev/null; then export BENCH_RCLONE; BENCH_RCLONE=$(command -v rclone); fi
unset AWS_CA_BUNDLE AWS_PROFILE
{
    "$BENCH_AWS" --version 2>&1
    "$BENCH_S3CMD" --version 2>&1
    "$BENCH_PYTHON" -c 'import boto3; print("boto3", boto3.__version__)'
    rclone version 2>/dev/null | head -1 || true
    garage --version 2>/dev/null || "$HOME/.cargo/bin/garage" --version 2>/dev/null || true
} | tee "$OUT/versions.txt" >&2

log "machine"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc)"
    free -h
    lscpu | head -n 15
} | tee "$OUT/machine.txt" >&2

log "build (release)"
cargo build --release --bins --examples
BUILT=${CARGO_TARGET_DIR:-$ROOT/target}/release

status=0
if ((run_clear)); then
    log "clear all against the peers, and the listing"
    "$BUILT"/examples/bench ${bench_args[@]+"${bench_args[@]}"} --out "$OUT/clear.md" || status=$?
fi

if ((run_ui)); then
    log "UI at 1,000,000 rows"
    "$BUILT"/examples/bench_ui ${ui_args[@]+"${ui_args[@]}"} | tee "$OUT/ui.md"
fi
exit "$status"
