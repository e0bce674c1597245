# Shared by the project's scripts: make sure the pinned Garage test server is installed.
GARAGE_VERSION=2.5.0

garage_ok() {
    local bin=$1
    [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$GARAGE_VERSION"
}

# Prints the path of a garage $GARAGE_VERSION binary, installing it (once, ~20 minutes) when missing.
ensure_garage() {
    local candidate
    for candidate in "${PARTSWEEP_GARAGE:-}" "$(command -v garage 2>/dev/null || true)" "$HOME/.cargo/bin/garage"; do
        if [ -n "$candidate" ] && garage_ok "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    echo "garage $GARAGE_VERSION not found: installing it with cargo (the first build takes about 20 minutes)..." >&2
    cargo install garage --version "$GARAGE_VERSION" --locked >&2
    echo "$HOME/.cargo/bin/garage"
}

ensure_rust_tools() {
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt >&2
    cargo clippy --version >/dev/null 2>&1 || rustup component add clippy >&2
}
