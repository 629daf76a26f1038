#!/usr/bin/env bash
# Build hook of scripts/build-standin-images.sh: builds FerretDB (a server
# speaking the MongoDB wire protocol, here on its SQLite backend) from the Go
# module proxy and copies the binary into the staging build context given as $1.
#
# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds but the
# binary panics at start: build/version/version.txt is generated from git by
# FerretDB's own tooling and is not part of the module. So the module is copied
# to a writable directory, version.txt (and package.txt) are written there, and
# cmd/ferretdb is built from that copy.
#
# The binary is cached under $ARTIFACTS_DIR/ferretdb/<version>/ so a rebuild of
# the image does not recompile. Pinning a new version here changes this file,
# hence the context hash, hence the image.
set -Eeuo pipefail

FERRETDB_VERSION=1.24.2
MODULE=github.com/FerretDB/FerretDB

ctx="${1:?usage: prepare.sh <staging-context-dir>}"
: "${ARTIFACTS_DIR:?ARTIFACTS_DIR is not set (run through scripts/build-standin-images.sh)}"
out="$ARTIFACTS_DIR/ferretdb/$FERRETDB_VERSION"

if [ ! -x "$out/ferretdb" ]; then
	command -v go >/dev/null 2>&1 || { echo "prepare.sh: go is not on PATH" >&2; exit 1; }
	mkdir -p "$ARTIFACTS_DIR"
	tmp="$(mktemp -d "$ARTIFACTS_DIR/ferretdb-build.XXXXXX")"
	trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
	t0=$(date +%s)
	echo "prepare.sh: go mod download $MODULE@v$FERRETDB_VERSION"
	src="$(GOFLAGS=-mod=mod go mod download -json "$MODULE@v$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
	[ -d "$src" ] || { echo "prepare.sh: module source of $MODULE@v$FERRETDB_VERSION not found" >&2; exit 1; }
	cp -a "$src" "$tmp/src"
	chmod -R u+w "$tmp/src"
	printf 'v%s\n' "$FERRETDB_VERSION" >"$tmp/src/build/version/version.txt"
	printf 'multidb-standin\n' >"$tmp/src/build/version/package.txt"
	echo "prepare.sh: go build ./cmd/ferretdb (v$FERRETDB_VERSION, static, no cgo)"
	# Static binary (the SQLite backend is modernc.org/sqlite, pure Go), so it
	# does not depend on the host's glibc; -trimpath and -s -w for a smaller binary.
	(
		cd "$tmp/src"
		CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" nice -n 10 \
			go build -trimpath -ldflags "-s -w" -o "$tmp/ferretdb" ./cmd/ferretdb
	)
	mkdir -p "$out"
	mv -f "$tmp/ferretdb" "$out/ferretdb"
	echo "prepare.sh: built in $(($(date +%s) - t0))s"
fi
cp "$out/ferretdb" "$ctx/ferretdb"
# the binary must be the pinned release
got="$("$ctx/ferretdb" --version)"
printf '%s\n' "$got" | grep -Eq "^version: v$FERRETDB_VERSION\$" \
	|| { echo "prepare.sh: $ctx/ferretdb is not FerretDB v$FERRETDB_VERSION: $got" >&2; exit 1; }
