#!/usr/bin/env bash
# Build hook of scripts/build-standin-images.sh: builds Garage from crates.io
# (the same release as the upstream image dxflrs/garage) and copies the binary
# into the staging build context given as $1.
#
# The binary is cached under $ARTIFACTS_DIR/garage/<version>/ (~15 min cold on
# 2 cores). Pinning a new version here changes this file, hence the context
# hash, hence the image.
set -Eeuo pipefail

GARAGE_VERSION=2.5.0

ctx="${1:?usage: prepare.sh <staging-context-dir>}"
: "${ARTIFACTS_DIR:?ARTIFACTS_DIR is not set (run through scripts/build-standin-images.sh)}"
out="$ARTIFACTS_DIR/garage/$GARAGE_VERSION"

if [ ! -x "$out/bin/garage" ]; then
	command -v cargo >/dev/null 2>&1 || { echo "prepare.sh: cargo is not on PATH" >&2; exit 1; }
	mkdir -p "$ARTIFACTS_DIR"
	tmp="$(mktemp -d "$ARTIFACTS_DIR/garage-build.XXXXXX")"
	trap 'rm -rf "$tmp"' EXIT
	t0=$(date +%s)
	echo "prepare.sh: cargo install garage --version $GARAGE_VERSION --locked"
	# default features (bundled-libs, metrics, lmdb, sqlite, k2v): sqlite is the
	# metadata engine the Terraform module configures. --locked: the release's
	# own Cargo.lock. Built in a private target dir, then moved into the cache.
	CARGO_TARGET_DIR="$tmp/target" nice -n 10 \
		cargo install garage --version "$GARAGE_VERSION" --locked --root "$tmp/root"
	mkdir -p "$out/bin"
	strip "$tmp/root/bin/garage" 2>/dev/null || true
	mv -f "$tmp/root/bin/garage" "$out/bin/garage"
	echo "prepare.sh: built in $(($(date +%s) - t0))s"
fi
cp "$out/bin/garage" "$ctx/garage"
"$ctx/garage" --version
