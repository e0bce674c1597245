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

# LocalStack: the AWS-faithful test server with versioning (tests/localstack/mod.rs starts it).
# A venv under the cache dir, from PyPI; about 1.5 minutes the first time. Pinned to the last 4.x
# release: the open-source image that needs no account.
LOCALSTACK_VERSION=4.14.0
LOCALSTACK_DIR=${PARTSWEEP_LOCALSTACK:-$HOME/.cache/partsweep/localstack}
LOCALSTACK_PACKAGES=("localstack-core[runtime]==$LOCALSTACK_VERSION" 'cbor2<6' cryptography==43.0.3 pyopenssl==24.2.1 'service_identity<25')

localstack_ok() {
    "$1/bin/python" -c '
import sys, importlib.metadata
import localstack.runtime.main, rolo
sys.exit(importlib.metadata.version("localstack-core") != sys.argv[1])' "$LOCALSTACK_VERSION" >/dev/null 2>&1
}

# A Python >= 3.12 (LocalStack 4.14 uses its syntax): the system's or one that pyenv installed.
python_for_localstack() {
    local candidate
    for candidate in python3.13 python3.12 python3 $(ls -d "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Prints the LocalStack venv directory, installing it when missing.
ensure_localstack() {
    if localstack_ok "$LOCALSTACK_DIR"; then
        echo "$LOCALSTACK_DIR"
        return 0
    fi
    local python
    python=$(python_for_localstack) || {
        echo "LocalStack needs Python 3.12 or newer (with venv); none found (pyenv install 3.13 provides one)" >&2
        return 1
    }
    echo "LocalStack $LOCALSTACK_VERSION not found: installing it into $LOCALSTACK_DIR with $python (about 1.5 minutes)..." >&2
    rm -rf "$LOCALSTACK_DIR"
    mkdir -p "$(dirname "$LOCALSTACK_DIR")"
    "$python" -m venv "$LOCALSTACK_DIR" >&2
    "$LOCALSTACK_DIR/bin/python" -m pip install --quiet --disable-pip-version-check "${LOCALSTACK_PACKAGES[@]}" >&2
    echo "$LOCALSTACK_DIR"
}
