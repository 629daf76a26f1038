#!/usr/bin/env bash
# Build hook of scripts/build-standin-images.sh: builds the Weaviate server from
# its Go sources (the same code as the upstream image, cmd/weaviate-server) and
# copies it into the staging build context given as $1.
#
# The binary is cached under $ARTIFACTS_DIR/weaviate/<version>/ so a rebuild of
# the image (e.g. after a Dockerfile change) does not recompile (~7 min cold on
# 2 cores). Pinning a new version here changes this file, hence the context
# hash, hence the image.
set -Eeuo pipefail

WEAVIATE_VERSION=1.38.11

ctx="${1:?usage: prepare.sh <staging-context-dir>}"
: "${ARTIFACTS_DIR:?ARTIFACTS_DIR is not set (run through scripts/build-standin-images.sh)}"
out="$ARTIFACTS_DIR/weaviate/$WEAVIATE_VERSION"

if [ ! -x "$out/weaviate-server" ] || [ ! -d "$out/go-ego" ]; then
	command -v go >/dev/null 2>&1 || { echo "prepare.sh: go is not on PATH" >&2; exit 1; }
	mkdir -p "$ARTIFACTS_DIR"
	tmp="$(mktemp -d "$ARTIFACTS_DIR/weaviate-build.XXXXXX")"
	trap 'rm -rf "$tmp"' EXIT
	t0=$(date +%s)
	echo "prepare.sh: go install github.com/weaviate/weaviate/cmd/weaviate-server@v$WEAVIATE_VERSION"
	# Static binary (no cgo) like the upstream one, so it does not depend on the
	# host's glibc; -trimpath and -s -w for a reproducible, smaller binary.
	GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice -n 10 \
		go install -trimpath \
		-ldflags "-s -w -X github.com/weaviate/weaviate/usecases/build.Version=$WEAVIATE_VERSION" \
		"github.com/weaviate/weaviate/cmd/weaviate-server@v$WEAVIATE_VERSION"
	# The gse tokenizer's dictionaries are read at run time from the module
	# cache path; upstream's image carries them at the same place.
	mkdir -p "$tmp/go-ego"
	cp -a "$(go env GOMODCACHE)/github.com/go-ego/." "$tmp/go-ego/"
	chmod -R u+w "$tmp/go-ego"
	mkdir -p "$out"
	rm -rf "$out/go-ego"
	mv "$tmp/go-ego" "$out/go-ego"
	mv -f "$tmp/weaviate-server" "$out/weaviate-server"
	echo "prepare.sh: built in $(($(date +%s) - t0))s"
fi
cp "$out/weaviate-server" "$ctx/weaviate-server"
cp -a "$out/go-ego" "$ctx/go-ego"
# the binary must be the pinned release (module version recorded by the Go linker)
go version -m "$ctx/weaviate-server" | grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/weaviate/weaviate[[:space:]]+v$WEAVIATE_VERSION[[:space:]]" \
	|| { echo "prepare.sh: $ctx/weaviate-server is not weaviate v$WEAVIATE_VERSION" >&2; exit 1; }
