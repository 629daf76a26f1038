#!/usr/bin/env bash
# Build the offline stand-in images (tests/images/*) that replace the upstream
# images (pgvector/pgvector, redis, ...) when no container registry is reachable.
#
# usage: scripts/build-standin-images.sh [--force] [--verbose] [name ...]
#
#   name        a directory of tests/images/ holding a Dockerfile and a TAG file
#               (default: every such directory)
#   --force     rebuild the named images even when they are up to date
#   --verbose   stream build output instead of writing it to a log file
#
# Steps:
#   1. base image multidb-standin/base:bookworm, made with debootstrap (minbase)
#      from the Debian mirror in /etc/apt/sources.list(.d); the root filesystem
#      tarball is cached under $MULTIDB_CACHE (default
#      ${XDG_CACHE_HOME:-$HOME/.cache}/multidb-platform)/images/.
#   2. each image, only when missing or when the sha256 of its build context
#      (plus the base image id) differs from the image's label
#      org.multidb.context-hash.
#
# Environment:
#   MULTIDB_CACHE           cache root (see above)
#   MULTIDB_DEBIAN_MIRROR   Debian mirror for the base (default: from apt sources)
#   MULTIDB_DEBIAN_SECURITY Debian security mirror (default: from apt sources)
#   DOCKER                  docker client to use (default: first that reaches the engine)
set -Eeuo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGES_DIR="$REPO_ROOT/tests/images"

BASE_SUITE=bookworm
BASE_VARIANT=minbase
BASE_TAG="multidb-standin/base:$BASE_SUITE"
HASH_LABEL=org.multidb.context-hash
BASE_LABEL=org.multidb.base-recipe
# bump to force a rebuild of every image when the build procedure itself changes
RECIPE_VERSION=1

CACHE_ROOT="${MULTIDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multidb-platform}"
CACHE_DIR="$CACHE_ROOT/images"
LOG_DIR="$CACHE_DIR/logs"

FORCE=0
VERBOSE=0

die() {
	printf 'build-standin-images: ERROR: %s\n' "$*" >&2
	exit 1
}
note() { printf '%s\n' "$*"; }

on_err() {
	local rc=$? line=${1:-?}
	printf 'build-standin-images: ERROR: command failed (exit %s) at line %s: %s\n' \
		"$rc" "$line" "${BASH_COMMAND}" >&2
	exit "$rc"
}
trap 'on_err $LINENO' ERR

# --------------------------------------------------------------------------
# docker client selection
# --------------------------------------------------------------------------
# The legacy builder works with every engine version (the engine here is
# 20.10, where a v28 client would otherwise look for the buildx plugin).
export DOCKER_BUILDKIT=0
export DOCKER_CLI_HINTS=false

pick_docker() {
	local c
	for c in ${DOCKER:-} docker /usr/bin/docker /usr/local/bin/docker; do
		command -v "$c" >/dev/null 2>&1 || continue
		if "$c" version --format '{{.Server.Version}}' >/dev/null 2>&1; then
			DOCKER_BIN="$c"
			return 0
		fi
	done
	die "no docker client can reach the docker engine (is dockerd running? try: nohup dockerd >/var/log/dockerd.log 2>&1 &)"
}

dk() { "$DOCKER_BIN" "$@"; }

image_label() { # image label -> value ('' when image or label is missing)
	dk image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null | sed 's/^<no value>$//' || true
}
image_id() { dk image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# --------------------------------------------------------------------------
# Debian mirrors (from the host's apt sources)
# --------------------------------------------------------------------------
apt_uris() { # print every URI of the host's apt sources, with its suites
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		# deb [opts] URI suite components
		sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+([^[:space:]]+).*/\2 \3/p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			function flush() { if (uris != "" && types ~ /(^|[[:space:]])deb([[:space:]]|$)/) { n = split(uris, u, /[[:space:]]+/); for (i = 1; i <= n; i++) if (u[i] != "") print u[i], suites } uris = ""; suites = ""; types = "" }
			/^[[:space:]]*$/ { flush(); next }
			/^[[:space:]]*#/ { next }
			tolower($1) == "types:" { sub(/^[^:]*:[[:space:]]*/, ""); types = $0 }
			tolower($1) == "uris:" { sub(/^[^:]*:[[:space:]]*/, ""); uris = $0 }
			tolower($1) == "suites:" { sub(/^[^:]*:[[:space:]]*/, ""); suites = $0 }
			END { flush() }
		' "$f"
	done
}

find_mirrors() {
	local uris
	uris="$(apt_uris || true)"
	if [ -z "${MULTIDB_DEBIAN_MIRROR:-}" ]; then
		MULTIDB_DEBIAN_MIRROR="$(printf '%s\n' "$uris" | awk '$1 ~ /^https?:\/\// && $1 ~ /\/debian\/?$/ { print $1; exit }')"
	fi
	if [ -z "${MULTIDB_DEBIAN_MIRROR:-}" ]; then
		MULTIDB_DEBIAN_MIRROR=http://deb.debian.org/debian
		note "note: no Debian mirror found in apt sources, using $MULTIDB_DEBIAN_MIRROR"
	fi
	MULTIDB_DEBIAN_MIRROR="${MULTIDB_DEBIAN_MIRROR%/}"
	if [ -z "${MULTIDB_DEBIAN_SECURITY:-}" ]; then
		MULTIDB_DEBIAN_SECURITY="$(printf '%s\n' "$uris" | awk '$1 ~ /^https?:\/\// && $1 ~ /debian-security\/?$/ { print $1; exit }')"
	fi
	: "${MULTIDB_DEBIAN_SECURITY:=${MULTIDB_DEBIAN_MIRROR%/debian}/debian-security}"
	MULTIDB_DEBIAN_SECURITY="${MULTIDB_DEBIAN_SECURITY%/}"
}

# --------------------------------------------------------------------------
# base image
# --------------------------------------------------------------------------
# Everything that shapes the base root filesystem lives in this function; its
# source text is part of the cache key, so editing it invalidates the cache.
make_base_rootfs() { # target-dir
	local root="$1" include=()
	# certificates only when apt has to speak https to the mirrors
	case "$MULTIDB_DEBIAN_MIRROR $MULTIDB_DEBIAN_SECURITY" in
	*https://*) include=(--include=ca-certificates) ;;
	esac
	debootstrap --variant="$BASE_VARIANT" "${include[@]}" \
		"$BASE_SUITE" "$root" "$MULTIDB_DEBIAN_MIRROR"

	# apt sources (deb822), the same mirror the host uses
	rm -f "$root/etc/apt/sources.list"
	cat >"$root/etc/apt/sources.list.d/debian.sources" <<-EOF
		Types: deb
		URIs: $MULTIDB_DEBIAN_MIRROR
		Suites: $BASE_SUITE $BASE_SUITE-updates
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb
		URIs: $MULTIDB_DEBIAN_SECURITY
		Suites: $BASE_SUITE-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF

	# container tweaks, as in Debian's official images
	printf '#!/bin/sh\n# no services are started during package installs in a container\nexit 101\n' \
		>"$root/usr/sbin/policy-rc.d"
	chmod 0755 "$root/usr/sbin/policy-rc.d"
	cat >"$root/etc/apt/apt.conf.d/docker-clean" <<-'EOF'
		DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
		APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
	EOF
	echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
	echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
	echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
	# slim: no docs, man pages or translations
	cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<-'EOF'
		path-exclude /usr/share/doc/*
		path-include /usr/share/doc/*/copyright
		path-exclude /usr/share/man/*
		path-exclude /usr/share/groff/*
		path-exclude /usr/share/info/*
		path-exclude /usr/share/lintian/*
		path-exclude /usr/share/linda/*
		path-exclude /usr/share/locale/*
		path-include /usr/share/locale/locale.alias
	EOF

	# clean up what debootstrap leaves behind
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
		"$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/log/apt/* \
		"$root"/debootstrap "$root"/usr/share/doc/* "$root"/usr/share/man/* \
		"$root"/usr/share/info/* "$root"/usr/share/lintian/* "$root"/tmp/* "$root"/var/tmp/*
	find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf '{}' +
	mkdir -p "$root/var/lib/apt/lists/partial"
	: >"$root/etc/resolv.conf"
	echo localhost >"$root/etc/hostname"
	: >"$root/etc/machine-id"
}

base_key() {
	{
		echo "recipe=$RECIPE_VERSION suite=$BASE_SUITE variant=$BASE_VARIANT"
		echo "mirror=$MULTIDB_DEBIAN_MIRROR security=$MULTIDB_DEBIAN_SECURITY"
		declare -f make_base_rootfs
	} | sha256sum | cut -c1-16
}

ROOTFS_TMP=""
cleanup_rootfs() {
	[ -n "$ROOTFS_TMP" ] && [ -d "$ROOTFS_TMP" ] || return 0
	# debootstrap mounts proc/sys in the target; never recurse into them
	local m
	awk -v d="$ROOTFS_TMP/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$ROOTFS_TMP"
	ROOTFS_TMP=""
}

build_base() {
	local key tarball t0 log
	find_mirrors
	key="$(base_key)"
	if [ "$(image_label "$BASE_TAG" "$BASE_LABEL")" = "$key" ] && [ "$FORCE_BASE" = 0 ]; then
		note "base ($BASE_TAG): up to date"
		return 0
	fi
	t0=$(date +%s)
	tarball="$CACHE_DIR/base-$BASE_SUITE-$BASE_VARIANT-$key.tar"
	log="$LOG_DIR/base.log"
	if [ ! -s "$tarball" ]; then
		[ "$(id -u)" = 0 ] || die "building the base root filesystem needs root (debootstrap); run as root or import a cached $tarball"
		if ! command -v debootstrap >/dev/null 2>&1; then
			note "debootstrap not found, installing it with apt-get"
			{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap; } >"$log" 2>&1 \
				|| { tail -n 30 "$log" >&2; die "could not install debootstrap (log: $log)"; }
		fi
		note "base: debootstrap $BASE_VARIANT $BASE_SUITE from $MULTIDB_DEBIAN_MIRROR ..."
		ROOTFS_TMP="$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")"
		trap 'cleanup_rootfs' EXIT
		run_logged "$log" "debootstrap of $BASE_SUITE" make_base_rootfs "$ROOTFS_TMP/root"
		tar --numeric-owner -C "$ROOTFS_TMP/root" -cf "$tarball.tmp" .
		mv -f "$tarball.tmp" "$tarball"
		cleanup_rootfs
		# drop tarballs of older recipes
		find "$CACHE_DIR" -maxdepth 1 -name "base-$BASE_SUITE-$BASE_VARIANT-*.tar" ! -name "${tarball##*/}" -delete
	else
		note "base: importing cached $tarball"
	fi
	dk import \
		-c "LABEL $BASE_LABEL=$key" \
		-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		-c 'ENV LANG=C.UTF-8' \
		-c 'CMD ["bash"]' \
		"$tarball" "$BASE_TAG" >/dev/null
	note "base ($BASE_TAG): built in $(($(date +%s) - t0))s"
}

# --------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------
run_logged() { # log what cmd... ; runs cmd with errexit, output to log; dies on failure
	local log="$1" what="$2" rc
	shift 2
	# Not called in a condition on purpose: bash ignores errexit inside
	# functions run as a condition, and make_base_rootfs relies on it.
	trap - ERR
	set +e
	if [ "$VERBOSE" = 1 ]; then
		(set -e; "$@") 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		(set -e; "$@") >"$log" 2>&1
		rc=$?
	fi
	set -e
	trap 'on_err $LINENO' ERR
	[ "$rc" = 0 ] && return 0
	if [ "$VERBOSE" != 1 ]; then
		printf -- '---- last lines of %s ----\n' "$log" >&2
		tail -n 40 "$log" >&2
		printf -- '----\n' >&2
	fi
	die "$what failed (exit $rc; full log: $log)"
}

context_hash() { # dir base-id
	(
		cd "$1"
		echo "recipe=$RECIPE_VERSION base=$2"
		# content and executable bit of every file, in a stable order
		find . -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
			if [ -x "$f" ]; then m=x; else m=-; fi
			printf '%s %s %s\n' "$(sha256sum <"$f" | cut -c1-64)" "$m" "$f"
		done
		find . -type l -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
			printf 'link %s -> %s\n' "$f" "$(readlink "$f")"
		done
	) | sha256sum | cut -c1-64
}

image_tag() { # name
	local f="$IMAGES_DIR/$1/TAG" tag
	[ -r "$f" ] || die "$f is missing (one line: the image tag, e.g. multidb-standin/$1:1.0)"
	tag="$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$f" | grep -v '^$' | head -n 1)"
	[ -n "$tag" ] || die "$f is empty"
	printf '%s\n' "$tag"
}

build_image() { # name
	local name="$1" dir="$IMAGES_DIR/$1" tag base_id hash old_id new_id t0 log
	[ -f "$dir/Dockerfile" ] || die "no Dockerfile in $dir"
	tag="$(image_tag "$name")"
	base_id="$(image_id "$BASE_TAG")"
	[ -n "$base_id" ] || die "base image $BASE_TAG is missing"
	hash="$(context_hash "$dir" "$base_id")"
	old_id="$(image_id "$tag")"
	if [ "$FORCE" = 0 ] && [ -n "$old_id" ] && [ "$(image_label "$tag" "$HASH_LABEL")" = "$hash" ]; then
		note "$name ($tag): up to date"
		return 0
	fi
	note "$name ($tag): building ..."
	log="$LOG_DIR/$name.log"
	t0=$(date +%s)
	local context="$dir"
	if [ -x "$dir/prepare.sh" ]; then
		# Images that need binaries built on the host (Go, Rust, Maven): prepare.sh
		# builds them (cached under $CACHE_DIR/artifacts, keyed by version) and copies
		# them into a staging copy of the context. It is part of the context hash, so
		# pinning a new version in it rebuilds the image.
		context="$(mktemp -d "${TMPDIR:-/tmp}/standin-$name.XXXXXX")"
		cp -a "$dir/." "$context/"
		run_logged "$LOG_DIR/$name-prepare.log" "preparing $name" \
			env MULTIDB_CACHE="$CACHE_ROOT" ARTIFACTS_DIR="$CACHE_DIR/artifacts" "$dir/prepare.sh" "$context"
	fi
	run_logged "$log" "building $name ($tag)" dk build --force-rm --label "$HASH_LABEL=$hash" -t "$tag" "$context"
	[ "$context" = "$dir" ] || rm -rf "$context"
	new_id="$(image_id "$tag")"
	# drop the replaced image if nothing else uses it (best effort)
	if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
		dk image rm "$old_id" >/dev/null 2>&1 || true
	fi
	note "$name ($tag): built in $(($(date +%s) - t0))s"
}

# --------------------------------------------------------------------------
main() {
	local names=() n
	FORCE_BASE=0
	while [ $# -gt 0 ]; do
		case "$1" in
		-f | --force) FORCE=1 ;;
		-v | --verbose) VERBOSE=1 ;;
		-h | --help)
			sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
			exit 0
			;;
		-*) die "unknown option: $1 (see --help)" ;;
		*) names+=("${1%/}") ;;
		esac
		shift
	done
	if [ ${#names[@]} -eq 0 ]; then
		for n in "$IMAGES_DIR"/*/Dockerfile; do
			[ -e "$n" ] || continue
			n="${n%/Dockerfile}"
			names+=("${n##*/}")
		done
		[ ${#names[@]} -gt 0 ] || die "no image directories with a Dockerfile under $IMAGES_DIR"
	fi
	for n in "${names[@]}"; do
		[ "$n" = base ] && { FORCE_BASE=$FORCE; continue; }
		[ -f "$IMAGES_DIR/$n/Dockerfile" ] || die "unknown image '$n': no $IMAGES_DIR/$n/Dockerfile"
	done

	pick_docker
	mkdir -p "$CACHE_DIR" "$LOG_DIR"
	# one build at a time per cache (parallel test runs share images)
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$CACHE_DIR/.build.lock"
		flock -w 1800 9 || die "timed out waiting for another build (lock $CACHE_DIR/.build.lock)"
	fi

	local t_all
	t_all=$(date +%s)
	build_base
	for n in "${names[@]}"; do
		[ "$n" = base ] && continue
		build_image "$n"
	done
	note "all stand-in images ready in $(($(date +%s) - t_all))s"
}

main "$@"
