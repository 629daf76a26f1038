#!/usr/bin/env bash
# The execution environment (execution-environment.yml, ansible-builder 3.x).
#
# usage: scripts/build-ee.sh stage            stage what the image takes from this machine
#        scripts/build-ee.sh create <context> stage, then `ansible-builder create` into <context>
#        scripts/build-ee.sh build            stage, base image, `ansible-builder build` (make ee)
#
# Staged under ee/stage/ (git-ignored; execution-environment.yml's additional_build_files):
#   collections/multidb-platform.tar.gz   `ansible-galaxy collection build` of this checkout
#   collections/<namespace>/<name>/       each dependency of ee/requirements.yml: the copy bundled
#                                         with the venv's `ansible` package (Galaxy is not
#                                         reachable), cloud.terraform from compat/ (the shim)
#   terraform/tofu                        OpenTofu, as built by `make setup`
#   terraform/plugins/<host>/kreuzwerker/docker/<version>/<os_arch>/
#                                         the provider of `make setup`'s filesystem mirror, under
#                                         registry.opentofu.org; registry.terraform.io holds a
#                                         relative symlink to it (one copy in the image)
# Wheelhouse: every Python package the image build installs, downloaded on this machine (with the
# lock as constraints) into $MULTIDB_CACHE/ee/wheels/<key>, and served to the build on
# 127.0.0.1 (the build runs with --network=host) through PIP_NO_INDEX / PIP_FIND_LINKS: the
# build's containers do not trust the TLS proxy in front of PyPI that this machine trusts.
# Base image multidb-ee/base:bookworm (ee/base/Dockerfile) on the project's debootstrap base
# (scripts/build-standin-images.sh base), rebuilt when its context or that base changed.
# The image: multidb-platform/ee:<galaxy.yml version> (EE_IMAGE overrides), built with the local
# Docker engine; the build context and log are kept in $MULTIDB_CACHE/ee/.
#
# Environment: MULTIDB_CACHE (default ~/.cache/multidb-platform), ANSIBLE_BUILDER (default
# make setup's $MULTIDB_CACHE/bin/ansible-builder, else PATH), EE_IMAGE, DOCKER (the docker client), EE_NO_CACHE=1 (build the base
# and the image without the build cache), EE_WHEEL_PORT (see serve_wheels).
set -Eeuo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
MULTIDB_CACHE="${MULTIDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multidb-platform}"
STAGE="$REPO_ROOT/ee/stage"
BASE_TAG=multidb-ee/base:bookworm
HASH_LABEL=org.multidb.context-hash
PY="$REPO_ROOT/.venv/bin/python"
DOCKER="${DOCKER:-docker}"
# The legacy builder works with every engine version (the engine here is 20.10).
export DOCKER_BUILDKIT=0 DOCKER_CLI_HINTS=false

die() { echo "build-ee: ERROR: $*" >&2; exit 1; }
note() { echo "build-ee: $*"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

[ -x "$PY" ] || die "no venv at $REPO_ROOT/.venv: run make setup"
VERSION="$("$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$REPO_ROOT/galaxy.yml")"
EE_IMAGE="${EE_IMAGE:-multidb-platform/ee:$VERSION}"

# ansible-builder: ANSIBLE_BUILDER, else make setup's (its own venv: <cache>/bin/ansible-builder),
# else the one on PATH.
BUILDER=""
find_builder() {
	BUILDER="${ANSIBLE_BUILDER:-}"
	[ -n "$BUILDER" ] || [ ! -x "$MULTIDB_CACHE/bin/ansible-builder" ] || BUILDER="$MULTIDB_CACHE/bin/ansible-builder"
	[ -n "$BUILDER" ] || BUILDER="$(command -v ansible-builder || true)"
	[ -n "$BUILDER" ] && [ -x "$BUILDER" ] ||
		die "ansible-builder not found (ANSIBLE_BUILDER, $MULTIDB_CACHE/bin or PATH): run make setup (requirements-builder.txt)"
}
builder() { "$BUILDER" "$@"; }

stage() {
	local t0 tmp tofu provider rel ver arch
	t0="$(now)"
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' RETURN

	# The collection: the tarball a user would install (galaxy.yml's build_ignore applies). Each
	# build stamps its files with the time of the build: the tarball of the last stage is kept
	# when it has the same files (FILES.json holds their checksums), so the image build's cache
	# holds too.
	(cd "$REPO_ROOT" && ANSIBLE_CONFIG="$REPO_ROOT/ansible.cfg" "$REPO_ROOT/.venv/bin/ansible-galaxy" collection build \
		--output-path "$tmp" >/dev/null)
	if [ -f "$STAGE/collections/multidb-platform.tar.gz" ] &&
		cmp -s <(tar -xzOf "$tmp"/multidb-platform-*.tar.gz FILES.json MANIFEST.json) \
			<(tar -xzOf "$STAGE/collections/multidb-platform.tar.gz" FILES.json MANIFEST.json); then
		mv "$STAGE/collections/multidb-platform.tar.gz" "$tmp/kept.tar.gz"
	else
		mv "$tmp"/multidb-platform-*.tar.gz "$tmp/kept.tar.gz"
	fi
	rm -rf "$STAGE"
	mkdir -p "$STAGE/collections" "$STAGE/terraform"
	mv "$tmp/kept.tar.gz" "$STAGE/collections/multidb-platform.tar.gz"

	# Its dependencies, as ee/requirements.yml names them (collections/<namespace>/<name>).
	"$PY" - "$REPO_ROOT" "$STAGE/collections" <<-'PY'
		import os, shutil, sys, yaml
		import ansible_collections
		repo, dest = sys.argv[1], sys.argv[2]
		def link_or_copy(src, dst):  # hard links where the venv is on the same file system
		    try:
		        os.link(src, dst)
		    except OSError:
		        shutil.copy2(src, dst)
		bundled = next(p for p in ansible_collections.__path__ if os.path.isdir(os.path.join(p, "community")))
		for entry in yaml.safe_load(open(os.path.join(repo, "ee/requirements.yml")))["collections"]:
		    if entry.get("type") != "dir":
		        continue
		    namespace, name = entry["name"].split("/")[1:3]
		    src = (os.path.join(repo, "compat/cloud.terraform") if (namespace, name) == ("cloud", "terraform")
		           else os.path.join(bundled, namespace, name))
		    if not os.path.isdir(src):
		        sys.exit(f"build-ee: ERROR: {namespace}.{name} (ee/requirements.yml) is not in {src}")
		    shutil.copytree(src, os.path.join(dest, namespace, name), copy_function=link_or_copy,
		                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"))
	PY

	# OpenTofu and the provider: hard links into the cache where possible (one file system).
	tofu="$(readlink -f "$MULTIDB_CACHE/bin/tofu" 2>/dev/null || true)"
	[ -x "$tofu" ] || die "no OpenTofu at $MULTIDB_CACHE/bin/tofu: run make setup"
	cp -l "$tofu" "$STAGE/terraform/tofu" 2>/dev/null || cp "$tofu" "$STAGE/terraform/tofu"
	provider="$(find "$MULTIDB_CACHE/terraform/plugins/registry.opentofu.org/kreuzwerker/docker" -type f \
		-name 'terraform-provider-docker_v*' 2>/dev/null | sort | tail -n 1)"
	[ -n "$provider" ] || die "no kreuzwerker/docker provider in $MULTIDB_CACHE/terraform/plugins: run make setup"
	arch="$(basename "$(dirname "$provider")")"
	ver="$(basename "$(dirname "$(dirname "$provider")")")"
	rel="kreuzwerker/docker/$ver/$arch"
	mkdir -p "$STAGE/terraform/plugins/registry.opentofu.org/$rel" "$STAGE/terraform/plugins/registry.terraform.io/$rel"
	cp -l "$provider" "$STAGE/terraform/plugins/registry.opentofu.org/$rel/" 2>/dev/null ||
		cp "$provider" "$STAGE/terraform/plugins/registry.opentofu.org/$rel/"
	ln -s "../../../../../registry.opentofu.org/$rel/$(basename "$provider")" \
		"$STAGE/terraform/plugins/registry.terraform.io/$rel/$(basename "$provider")"
	note "staged in ee/stage: multidb.platform $VERSION, $(find "$STAGE/collections" -mindepth 2 -maxdepth 2 -type d | wc -l) dependency collections, $("$tofu" version | sed -n 1p), kreuzwerker/docker $ver ($arch) in $(took "$t0") s"
}

# What the build pip-installs: ansible-core and ansible-runner (execution-environment.yml),
# what ansible-builder's builder stage installs (bindep, pyyaml, packaging), its default
# container init (dumb-init) and the collection's libraries (meta/ee-requirements.txt).
WHEELS=""
wheelhouse() {
	local t0 reqs key ca pyver
	t0="$(now)"
	reqs="$("$PY" - "$REPO_ROOT" <<-'PY'
		import sys, yaml
		ee = yaml.safe_load(open(sys.argv[1] + "/execution-environment.yml"))
		deps = ee["dependencies"]
		init = ee.get("options", {}).get("container_init", {}).get("package_pip", "dumb-init==1.2.5")
		print("\n".join([deps["ansible_core"]["package_pip"], deps["ansible_runner"]["package_pip"], init,
		                 "bindep", "pyyaml", "packaging", "-r " + sys.argv[1] + "/meta/ee-requirements.txt"]))
	PY
	)"
	key="$({ echo "$reqs"; "$DOCKER" image inspect -f '{{.Id}}' "$BASE_TAG"; cat "$REPO_ROOT/requirements.txt" "$REPO_ROOT/meta/ee-requirements.txt"; } | sha256sum | cut -c1-16)"
	WHEELS="$MULTIDB_CACHE/ee/wheels/$key"
	if [ -f "$WHEELS/.complete" ]; then
		note "wheelhouse $WHEELS: up to date"
		return 0
	fi
	rm -rf "$WHEELS.tmp"
	mkdir -p "$WHEELS.tmp"
	# Downloaded by the base image's own pip: markers are evaluated against the image's Python
	# (redis-py wants async-timeout below Python 3.11.3; bookworm has 3.11.2), wheels only (nothing
	# is compiled in the image). It reaches PyPI as this machine does: host network, this
	# machine's CA bundle (read-only, for this run only) and its index settings.
	ca="${PIP_CERT:-${REQUESTS_CA_BUNDLE:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}}"
	cp "$REPO_ROOT/requirements.txt" "$WHEELS.tmp/.constraints.txt"
	printf '%s\n' "$reqs" | sed "s#-r $REPO_ROOT/meta/#-r /wheels/.#" >"$WHEELS.tmp/.requirements.txt"
	cp "$REPO_ROOT/meta/ee-requirements.txt" "$WHEELS.tmp/.ee-requirements.txt"
	"$DOCKER" run --rm --network=host -v "$WHEELS.tmp:/wheels" ${ca:+-v "$ca:/etc/multidb-host-ca.crt:ro" -e PIP_CERT=/etc/multidb-host-ca.crt} \
		${PIP_INDEX_URL:+-e PIP_INDEX_URL} ${PIP_EXTRA_INDEX_URL:+-e PIP_EXTRA_INDEX_URL} "$BASE_TAG" \
		python3 -m pip download -q --disable-pip-version-check --only-binary :all: -d /wheels \
		-c /wheels/.constraints.txt -r /wheels/.requirements.txt >"$MULTIDB_CACHE/ee/wheels.log" 2>&1 ||
		{ tail -n 20 "$MULTIDB_CACHE/ee/wheels.log" >&2; die "pip download of the image's Python packages failed (log: $MULTIDB_CACHE/ee/wheels.log)"; }
	pyver="$("$DOCKER" run --rm --network=none "$BASE_TAG" python3 -c 'import platform; print(platform.python_version())')"
	touch "$WHEELS.tmp/.complete"
	rm -rf "$WHEELS"
	mv "$WHEELS.tmp" "$WHEELS"
	find "$MULTIDB_CACHE/ee/wheels" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
	note "wheelhouse $WHEELS: $(find "$WHEELS" -name '*.whl' | wc -l) wheels for Python $pyver in $(took "$t0") s"
}

# Serves $WHEELS on 127.0.0.1:$EE_WHEEL_PORT until the script ends; sets WHEEL_URL. A fixed
# port: the URL is a build argument, and a new value would invalidate the build cache.
EE_WHEEL_PORT="${EE_WHEEL_PORT:-38517}"
SERVER_PID=""
serve_wheels() {
	local ready
	ready="$(mktemp)"
	"$PY" - "$WHEELS" "$EE_WHEEL_PORT" "$ready" <<-'PY' >/dev/null 2>"$ready.err" &
		import functools, http.server, sys
		handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
		server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler)
		open(sys.argv[3], "w").write("ready")
		server.serve_forever()
	PY
	SERVER_PID=$!
	trap '[ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true' EXIT
	for _ in $(seq 50); do { [ -s "$ready" ] || ! kill -0 "$SERVER_PID" 2>/dev/null; } && break; sleep 0.1; done
	[ -s "$ready" ] || die "cannot serve the wheelhouse on 127.0.0.1:$EE_WHEEL_PORT (EE_WHEEL_PORT picks another port): $(tail -n 1 "$ready.err")"
	rm -f "$ready" "$ready.err"
	WHEEL_URL="http://127.0.0.1:$EE_WHEEL_PORT/"
}

base_image() {
	local t0 base_id hash
	t0="$(now)"
	bash "$REPO_ROOT/scripts/build-standin-images.sh" base
	base_id="$("$DOCKER" image inspect -f '{{.Id}}' multidb-standin/base:bookworm)"
	hash="$({ echo "base=$base_id"; cd "$REPO_ROOT/ee/base" && find . -type f | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-64)"
	if [ -z "${EE_NO_CACHE:-}" ] && [ "$("$DOCKER" image inspect -f "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$BASE_TAG" 2>/dev/null)" = "$hash" ]; then
		note "base ($BASE_TAG): up to date"
		return 0
	fi
	mkdir -p "$MULTIDB_CACHE/ee"
	"$DOCKER" build --force-rm ${EE_NO_CACHE:+--no-cache} --label "$HASH_LABEL=$hash" -t "$BASE_TAG" "$REPO_ROOT/ee/base" \
		>"$MULTIDB_CACHE/ee/base.log" 2>&1 || { tail -n 40 "$MULTIDB_CACHE/ee/base.log" >&2; die "base image build failed (log: $MULTIDB_CACHE/ee/base.log)"; }
	note "base ($BASE_TAG): built in $(took "$t0") s"
}

cmd="${1:-}"
case "$cmd" in
stage)
	stage
	;;
create)
	[ -n "${2:-}" ] || die "usage: $0 create <context dir>"
	find_builder
	stage
	builder create --file "$REPO_ROOT/execution-environment.yml" --context "$2" --output-filename Dockerfile
	;;
build)
	find_builder
	t_all="$(now)"
	stage
	base_image
	wheelhouse
	serve_wheels
	t0="$(now)"
	context="$MULTIDB_CACHE/ee/context"
	log="$MULTIDB_CACHE/ee/build.log"
	mkdir -p "$MULTIDB_CACHE/ee"
	note "ansible-builder build -> $EE_IMAGE (log: $log)"
	(cd "$REPO_ROOT" && builder build --file execution-environment.yml --context "$context" \
		--container-runtime docker --tag "$EE_IMAGE" --verbosity 3 ${EE_NO_CACHE:+--no-cache} \
		--build-arg MULTIDB_PIP_NO_INDEX=1 --build-arg MULTIDB_PIP_FIND_LINKS="$WHEEL_URL" \
		--extra-build-cli-args="--network=host") >"$log" 2>&1 ||
		{ tail -n 60 "$log" >&2; die "ansible-builder build failed (log: $log)"; }
	note "image $EE_IMAGE: ansible-builder build $(took "$t0") s, make ee $(took "$t_all") s in all; $("$DOCKER" image inspect -f '{{.Size}}' "$EE_IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
	;;
*)
	sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'
	[ "$cmd" = -h ] || [ "$cmd" = --help ] || exit 2
	;;
esac
