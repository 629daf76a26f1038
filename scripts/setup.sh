#!/usr/bin/env bash
# Prepare this machine for multidb-platform (called by `make setup`).
#
# Idempotent: every step checks whether it is already satisfied and skips
# itself. Everything expensive is cached OUTSIDE the clone, keyed by
# version/content, in
#   MULTIDB_CACHE=${MULTIDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multidb-platform}
# so a second run (or another clone of the repo) reuses it.
#
#   venv/<sha256(requirements.txt)[:12]>/         Python venv (<repo>/.venv -> here)
#   venv-checkov/<sha256(requirements-checkov.txt)[:12]>/
#   venv-moto/<sha256(requirements-moto.txt)[:12]>/   (the tests' S3 API server)
#   venv-builder/<sha256(requirements-builder.txt)[:12]>/   (ansible-builder: make ee)
#   tools/<tool>/<version>-<hash>/<binary>        Go-built tools (key: go.mod+go.sum+toolchain+flags)
#   tools/opentofu/<version>-<hash>/tofu          OpenTofu, built from a copy of its module
#   bin/{tflint,checkov,moto_server,ansible-builder,tofu}   symlinks into the above
#   terraform/plugins/<host>/kreuzwerker/docker/<ver>/<os_arch>/   (host: registry.terraform.io
#                                                 and registry.opentofu.org, one binary)
#   terraform/terraformrc                         CLI config (filesystem mirror)
#   setup.env                                     `source` it for an interactive shell
#
# Usage: bash scripts/setup.sh [--only step[,step...]]
#   steps: apt docker venv checkov moto builder collections opentofu terraform provider tflint summary
# Environment:
#   MULTIDB_CACHE        cache directory (see above)
#   MULTIDB_PYTHON       interpreter for the venvs (default: python3, must be >= 3.11)
#   MULTIDB_OFFLINE=1    do not even try Ansible Galaxy
#   MULTIDB_REVERIFY=1   re-run the provider smoke test even if it passed before
#   GALAXY_TIMEOUT       seconds allowed for the Galaxy attempt (default 60)
set -Eeuo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
MULTIDB_CACHE="${MULTIDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multidb-platform}"
MULTIDB_PYTHON="${MULTIDB_PYTHON:-python3}"
GALAXY_TIMEOUT="${GALAXY_TIMEOUT:-60}"
export DEBIAN_FRONTEND=noninteractive
# No phoning home (no internet here; avoids DNS waits): terraform checkpoint,
# tflint's GitHub release check.
export CHECKPOINT_DISABLE=1 TFLINT_DISABLE_VERSION_CHECK=1

# --- pinned versions ---------------------------------------------------------
GO_TOOLCHAIN="go1.26.8"          # exact toolchain for reproducible tool builds
TERRAFORM_MIN="1.10.0"           # the S3 backend's lock file (use_lockfile) needs >= 1.10
                                 # (OpenTofu's version: tools/opentofu/go.mod)
PROVIDER_VERSION="4.6.0"         # version the kreuzwerker/docker provider is installed as
APT_PACKAGES=(docker.io debootstrap git make)

case "$(uname -m)" in
  x86_64 | amd64) GOARCH_HOST=amd64 ;;
  aarch64 | arm64) GOARCH_HOST=arm64 ;;
  *) echo "setup: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
OS_ARCH="linux_${GOARCH_HOST}"
TF_DIR="$MULTIDB_CACHE/terraform"
TF_PLUGINS="$TF_DIR/plugins"
TF_RC="$TF_DIR/terraformrc"
# Terraform looks providers up under registry.terraform.io, OpenTofu under registry.opentofu.org:
# the mirror holds the same provider binary under both hosts.
PROVIDER_HOSTS=(registry.terraform.io registry.opentofu.org)
provider_dir() { echo "$TF_PLUGINS/$1/kreuzwerker/docker/$PROVIDER_VERSION/$OS_ARCH"; }
PROVIDER_BIN_NAME="terraform-provider-docker_v$PROVIDER_VERSION"
PROVIDER_BIN="$(provider_dir registry.terraform.io)/$PROVIDER_BIN_NAME"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi

ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=",${2:?--only needs a value},"; shift 2 ;;
    --only=*) ONLY=",${1#--only=},"; shift ;;
    -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown argument $1" >&2; exit 2 ;;
  esac
done

# --- helpers -----------------------------------------------------------------
now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
log() { echo "    $*"; }
skip() { echo "    skip: $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
sha12() { sha256sum | cut -c1-12; }
# version_ge A B: A >= B (dotted versions)
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | sed -n 1p)" = "$2" ]; }

CURRENT_STEP=""
trap 'rc=$?; if [ $rc -ne 0 ] && [ -n "$CURRENT_STEP" ]; then echo "setup: step [$CURRENT_STEP] FAILED (exit $rc)" >&2; fi' EXIT

declare -a TIMINGS=()
run_step() {
  local name="$1"; shift
  if [ -n "$ONLY" ] && [[ "$ONLY" != *",$name,"* ]]; then return 0; fi
  CURRENT_STEP="$name"
  echo "==> [$name]"
  local t0; t0="$(now)"
  "$@"
  local dt; dt="$(elapsed "$t0")"
  echo "    [$name] ${dt}s"
  TIMINGS+=("$(printf '%-12s %6ss' "$name" "$dt")")
  CURRENT_STEP=""
}

# --- 1. apt packages ---------------------------------------------------------
pkg_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

step_apt() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  # Debian's python3 cannot create venvs without python3-venv (ensurepip).
  if ! "$MULTIDB_PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    pkg_installed python3-venv || missing+=(python3-venv)
  fi
  if [ ${#missing[@]} -eq 0 ]; then
    skip "apt packages present: ${APT_PACKAGES[*]}"
    return 0
  fi
  have apt-get || die "missing packages ${missing[*]} and no apt-get on this machine"
  log "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- 2. Docker engine --------------------------------------------------------
docker_ok() { timeout 20 docker info >/dev/null 2>&1; }

step_docker() {
  have docker || die "no docker client on PATH (is docker.io installed?)"
  if docker_ok; then
    skip "docker engine already running"
  else
    if pgrep -x dockerd >/dev/null 2>&1; then
      log "dockerd process exists but is not answering yet; waiting"
    else
      have dockerd || die "dockerd not found (install docker.io)"
      log "starting dockerd (log: /var/log/multidb-dockerd.log)"
      # 9>&-: the daemon must not inherit the setup lock (fd 9), or it would hold
      # it for its whole life and every later setup.sh would wait for it.
      $SUDO sh -c 'setsid nohup dockerd >>/var/log/multidb-dockerd.log 2>&1 </dev/null 9>&- &'
    fi
    local t0=$SECONDS ready=no
    while [ $((SECONDS - t0)) -lt 60 ]; do
      if timeout 5 docker info >/dev/null 2>&1; then ready=yes; break; fi
      sleep 1
    done
    if [ "$ready" = no ]; then
      echo "setup: docker engine did not become ready within 60 s; last log lines:" >&2
      tail -n 20 /var/log/multidb-dockerd.log >&2 2>/dev/null || true
      timeout 20 docker info 2>&1 | tail -n 5 >&2 || true
      die "docker engine not available"
    fi
    log "docker engine up after $((SECONDS - t0))s"
  fi
  # Every client on PATH must negotiate an API version with the engine
  # (e.g. a v28 CLI in /usr/local/bin in front of the 20.10 one in /usr/bin).
  local c v seen=""
  while IFS= read -r c; do
    c="$(readlink -f "$c")"
    case " $seen " in *" $c "*) continue ;; esac
    seen="$seen $c"
    v="$(timeout 20 "$c" version --format '{{.Client.Version}} (API {{.Client.APIVersion}}) -> engine {{.Server.Version}} (API {{.Server.APIVersion}})' 2>&1)" ||
      die "docker client $c cannot talk to the engine: $v"
    log "client $c: $v"
  done < <(type -ap docker)
}

# --- 3. Python venv (keyed by requirements.txt) -----------------------------
python_check() {
  have "$MULTIDB_PYTHON" || die "$MULTIDB_PYTHON not found"
  "$MULTIDB_PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "$MULTIDB_PYTHON is $("$MULTIDB_PYTHON" -V 2>&1); ansible-core 2.19 needs >= 3.11 (set MULTIDB_PYTHON)"
}

# ensure_venv <requirements file> <venv dir> <probe command (relative to venv/bin)...>
# Builds the venv in place (venvs are not relocatable) and marks it complete.
# Sets BUILT=yes|no.
BUILT=no
ensure_venv() {
  local req="$1" venv="$2"; shift 2
  local probe=("$venv/bin/$1" "${@:2}")
  BUILT=no
  if [ -f "$venv/.complete" ] && "${probe[@]}" >/dev/null 2>&1; then
    return 0
  fi
  python_check
  log "creating $venv from $(basename "$req") ($("$MULTIDB_PYTHON" -V 2>&1))"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$MULTIDB_PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  "$venv/bin/python" -m pip check >/dev/null || { "$venv/bin/python" -m pip check >&2; die "pip check failed in $venv"; }
  "${probe[@]}" >/dev/null || die "probe '$*' failed in $venv"
  cp "$req" "$venv/.complete"
  BUILT=yes
}

step_venv() {
  local req="$REPO_ROOT/requirements.txt"
  [ -f "$req" ] || die "requirements.txt missing (run scripts/lock-requirements.sh)"
  local venv
  venv="$MULTIDB_CACHE/venv/$(sha12 <"$req")"
  ensure_venv "$req" "$venv" ansible-playbook --version
  local built="$BUILT" link="$REPO_ROOT/.venv"
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$venv" ]; then
    [ "$built" = yes ] || skip "venv $venv up to date (.venv -> it)"
    return 0
  fi
  # Replace whatever is there (old symlink or a real directory) atomically-ish.
  ln -sfn "$venv" "$link.tmp.$$"
  if [ -d "$link" ] && [ ! -L "$link" ]; then
    log "replacing real directory .venv with a symlink"
    rm -rf "$link"
  fi
  mv -Tf "$link.tmp.$$" "$link"
  log ".venv -> $venv"
}

# A tool whose dependencies conflict with the controller's or would move its lock gets a venv
# of its own, keyed by its lock, and a link in <cache>/bin:
#   tool_venv NAME LOCK COMMAND PROBE...   (PROBE: a command of the venv that must succeed)
tool_venv() {
  local name="$1" req="$REPO_ROOT/$2" command="$3"; shift 3
  if [ ! -f "$req" ]; then
    skip "no $(basename "$req")"
    return 0
  fi
  local venv
  venv="$MULTIDB_CACHE/venv-$name/$(sha12 <"$req")"
  ensure_venv "$req" "$venv" "$@"
  local built="$BUILT"
  mkdir -p "$MULTIDB_CACHE/bin"
  if [ "$(readlink "$MULTIDB_CACHE/bin/$command" 2>/dev/null)" = "$venv/bin/$command" ]; then
    [ "$built" = yes ] || skip "$name venv $venv up to date"
    return 0
  fi
  ln -sfn "$venv/bin/$command" "$MULTIDB_CACHE/bin/$command"
  log "$MULTIDB_CACHE/bin/$command -> $venv/bin/$command"
}

# checkov pins dependencies that conflict with ansible-core.
step_checkov() { tool_venv checkov requirements-checkov.txt checkov checkov --version; }

# moto (the tests' S3 / DynamoDB / Secrets Manager / STS server) pins its own dependencies.
step_moto() { tool_venv moto requirements-moto.txt moto_server python -c 'import moto.server'; }

# ansible-builder (the execution environment: make ee, the build context's test): its
# dependencies (bindep, Parsley, pbr, ...) stay out of the controller's lock.
step_builder() { tool_venv builder requirements-builder.txt ansible-builder ansible-builder --version; }

# --- 4. Ansible collections --------------------------------------------------
collections_state() {
  { cat "$REPO_ROOT/requirements.yml"; find "$REPO_ROOT/compat/cloud.terraform" -type f -print0 | sort -z | xargs -0 cat; } | sha12
}

# Prove cloud.terraform.terraform resolves (to the real module or, via the
# compat shim, to community.general.terraform).
collections_probe() {
  local out
  out="$(cd "$REPO_ROOT" && ANSIBLE_NOCOLOR=1 "$REPO_ROOT/.venv/bin/ansible-doc" -t module cloud.terraform.terraform 2>&1)" ||
    return 1
  grep -Eq 'cloud\.terraform\.terraform|community\.general\.terraform' <<<"$out" || return 1
  [ "${1:-}" = quiet ] || log "ansible-doc cloud.terraform.terraform: $(sed -n '/^>/{p;q}' <<<"$out")"
}

bundled_collections_check() {
  local json
  json="$(cd "$REPO_ROOT" && "$REPO_ROOT/.venv/bin/ansible-galaxy" collection list --format json 2>/dev/null)" ||
    die "ansible-galaxy collection list failed"
  "$REPO_ROOT/.venv/bin/python" - "$json" "$REPO_ROOT/requirements.yml" <<'PY'
import json, sys
import yaml
found = {}
for path, cols in json.loads(sys.argv[1]).items():
    for name, info in cols.items():
        found.setdefault(name, (info.get("version"), path))
# every collection of requirements.yml but cloud.terraform (the compat shim stands in for it)
wanted = [c["name"] for c in yaml.safe_load(open(sys.argv[2]))["collections"] if c["name"] != "cloud.terraform"]
missing = [c for c in wanted if c not in found]
for c in wanted:
    if c in found:
        print(f"    {c} {found[c][0]} ({found[c][1]})")
if missing:
    sys.exit("setup: ERROR: collections missing and Galaxy unreachable: " + ", ".join(missing))
PY
}

step_collections() {
  [ -x "$REPO_ROOT/.venv/bin/ansible-galaxy" ] || die ".venv missing; run the venv step first"
  export ANSIBLE_CONFIG="$REPO_ROOT/ansible.cfg"
  local cdir="$REPO_ROOT/collections" stamp state
  stamp="$cdir/.multidb-setup-state"
  state="$(collections_state)"

  # The repo itself is collection multidb.platform (galaxy.yml at the root).
  mkdir -p "$cdir/ansible_collections/multidb"
  local self="$cdir/ansible_collections/multidb/platform"
  if [ "$(readlink "$self" 2>/dev/null)" != "../../.." ]; then
    rm -rf "$self"
    ln -sfn ../../.. "$self"
    log "collections/ansible_collections/multidb/platform -> repo root"
  fi

  if [ "$(cat "$stamp" 2>/dev/null)" = "$state" ] && collections_probe quiet; then
    skip "collections installed for requirements.yml ${state} (cloud.terraform.terraform resolves)"
    return 0
  fi

  local galaxy_ok=no
  if [ "${MULTIDB_OFFLINE:-0}" = 1 ]; then
    log "MULTIDB_OFFLINE=1: not trying Ansible Galaxy"
  else
    log "trying Ansible Galaxy (timeout ${GALAXY_TIMEOUT}s)"
    local out
    if out="$(cd "$REPO_ROOT" && timeout --kill-after=5 "$GALAXY_TIMEOUT" \
      "$REPO_ROOT/.venv/bin/ansible-galaxy" collection install -r requirements.yml -p collections \
      --timeout 15 </dev/null 2>&1)"; then
      galaxy_ok=yes
      log "installed from Galaxy"
    else
      log "Galaxy not reachable: $(grep -m1 -iE 'error|timed out' <<<"$out" | cut -c1-160 || echo 'timed out')"
    fi
  fi

  if [ "$galaxy_ok" = no ]; then
    bundled_collections_check
    log "installing compat shim compat/cloud.terraform"
    (cd "$REPO_ROOT" && "$REPO_ROOT/.venv/bin/ansible-galaxy" collection install compat/cloud.terraform \
      -p collections --force --no-deps </dev/null >/dev/null)
  fi
  collections_probe || die "cloud.terraform.terraform does not resolve after install"
  echo "$state" >"$stamp"
}

# --- Go toolchain (only needed when something must be built) ----------------
GO=""
ensure_go() {
  [ -n "$GO" ] && return 0
  local cand v
  for cand in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$MULTIDB_CACHE/go/$GO_TOOLCHAIN/bin/go"; do
    if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
    v="$(GOTOOLCHAIN=local "$cand" env GOVERSION 2>/dev/null)" || continue
    # >= go1.21 can switch to $GO_TOOLCHAIN itself (downloads it from GOPROXY).
    if version_ge "${v#go}" 1.21; then GO="$cand"; break; fi
  done
  if [ -z "$GO" ]; then
    # Bootstrap: the Go toolchain is itself a module on the Go module proxy.
    local dest="$MULTIDB_CACHE/go/$GO_TOOLCHAIN" proxy
    proxy="$(printf '%s' "${GOPROXY:-https://proxy.golang.org}" | cut -d, -f1 | cut -d'|' -f1)"
    case "$proxy" in direct | off | "") proxy=https://proxy.golang.org ;; esac
    local url="$proxy/golang.org/toolchain/@v/v0.0.1-$GO_TOOLCHAIN.linux-$GOARCH_HOST.zip"
    log "no Go >= 1.21 found; fetching $url"
    local tmp; tmp="$(mktemp -d)"
    if have curl; then
      curl -fsSL --retry 3 -o "$tmp/go.zip" "$url" || die "cannot download Go toolchain"
    else
      "$MULTIDB_PYTHON" -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
        "$url" "$tmp/go.zip" || die "cannot download Go toolchain"
    fi
    "$MULTIDB_PYTHON" -m zipfile -e "$tmp/go.zip" "$tmp/x"
    rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
    mv "$tmp/x/golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-$GOARCH_HOST" "$dest"
    chmod -R u+x,go+rx "$dest/bin" "$dest/pkg/tool"
    rm -rf "$tmp"
    GO="$dest/bin/go"
  fi
  log "go: $GO ($(GOTOOLCHAIN=local "$GO" env GOVERSION)), building with $GO_TOOLCHAIN"
}

# go_tool_path <tool dir under tools/> <binary name> <ldflags>: cache location
# keyed by the required version and the content of go.mod/go.sum.
go_tool_key() {
  local moddir="$REPO_ROOT/tools/$1" ver
  ver="$(awk '$1 == "require" && NF >= 3 && $2 !~ /^\(/ { print $3; exit }' "$moddir/go.mod")"
  [ -n "$ver" ] || die "cannot read the pinned version from tools/$1/go.mod"
  echo "$ver-$({ cat "$moddir/go.mod" "$moddir/go.sum"; echo "$GO_TOOLCHAIN $GOARCH_HOST $3"; } | sha256sum | cut -c1-8)"
}

# build_go_tool <tool dir> <package> <binary> <ldflags>
# Sets BUILT_BIN=<cached binary path> and BUILT=yes|no.
build_go_tool() {
  local tool="$1" pkg="$2" bin="$3" ldflags="$4" key dest
  key="$(go_tool_key "$tool" "$bin" "$ldflags")"
  dest="$MULTIDB_CACHE/tools/$tool/$key/$bin"
  BUILT_BIN="$dest"
  BUILT=no
  if [ -x "$dest" ]; then
    return 0
  fi
  ensure_go
  log "building $pkg ($key) -> $dest (a few minutes)"
  mkdir -p "$(dirname "$dest")"
  (cd "$REPO_ROOT/tools/$tool" &&
    CGO_ENABLED=0 GOTOOLCHAIN="$GO_TOOLCHAIN" GOOS=linux GOARCH="$GOARCH_HOST" \
      nice "$GO" build -mod=readonly -trimpath -ldflags "$ldflags" -o "$dest.tmp.$$" "$pkg") ||
    { rm -f "$dest.tmp.$$"; die "go build of $pkg failed"; }
  mv -f "$dest.tmp.$$" "$dest"
  BUILT=yes
}

# --- 5. OpenTofu and Terraform ---------------------------------------------
# tofu is always built (cached): the platform runs with either binary and the tests run both.
# The default binary (what the roles run when multidb_terraform_binary is empty) is
# `terraform` on PATH when it is >= TERRAFORM_MIN, else `tofu` (see roles/provision).
TERRAFORM_BIN=""
TOFU_BIN="$MULTIDB_CACHE/bin/tofu"
# (no `head` in pipelines: with pipefail, SIGPIPE in the writer fails them)
tf_version() {
  local out
  out="$(env -u TF_CLI_CONFIG_FILE "$1" version 2>/dev/null)" || return 1
  sed -n '1s/^\(Terraform\|OpenTofu\) v\([0-9.]*\).*/\2/p' <<<"$out"
}

path_terraform() {
  # First terraform on PATH that is not in our own cache (an older setup linked a fallback there).
  local d
  local IFS=:
  for d in $PATH; do
    [ -n "$d" ] || continue
    [ "$(readlink -f "$d")" = "$(readlink -f "$MULTIDB_CACHE/bin" 2>/dev/null || echo /nonexistent)" ] && continue
    if [ -x "$d/terraform" ] && [ ! -d "$d/terraform" ]; then echo "$d/terraform"; return 0; fi
  done
  return 1
}

# OpenTofu's go.mod has replace directives: `go build <module>/cmd/tofu` from another module
# ignores them and fails. So: download exactly the pinned module (checked against
# tools/opentofu/go.sum), copy it somewhere writable, build ./cmd/tofu there with its own go.mod.
step_opentofu() {
  local ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no" key dest want v moddir src tmp
  want="$(awk '$1 == "require" { sub(/^v/, "", $3); print $3; exit }' "$REPO_ROOT/tools/opentofu/go.mod")"
  key="$(go_tool_key opentofu tofu "$ldflags")"
  dest="$MULTIDB_CACHE/tools/opentofu/$key/tofu"
  if [ ! -x "$dest" ]; then
    ensure_go
    moddir="$REPO_ROOT/tools/opentofu"
    src="$(cd "$moddir" && GOFLAGS=-mod=mod GOTOOLCHAIN="$GO_TOOLCHAIN" "$GO" mod download -json github.com/opentofu/opentofu |
      "$MULTIDB_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')" ||
      die "cannot download github.com/opentofu/opentofu v$want from the Go module proxy"
    tmp="$(mktemp -d)"
    cp -R "$src/." "$tmp/" && chmod -R u+w "$tmp"
    log "building OpenTofu v$want ($key) -> $dest (a few minutes)"
    mkdir -p "$(dirname "$dest")"
    (cd "$tmp" && CGO_ENABLED=0 GOTOOLCHAIN="$GO_TOOLCHAIN" GOOS=linux GOARCH="$GOARCH_HOST" \
      nice "$GO" build -mod=readonly -trimpath -ldflags "$ldflags" -o "$dest.tmp.$$" ./cmd/tofu) ||
      { rm -rf "$tmp" "$dest.tmp.$$"; die "go build of OpenTofu v$want failed"; }
    rm -rf "$tmp"
    mv -f "$dest.tmp.$$" "$dest"
  fi
  v="$(tf_version "$dest")"
  [ "$v" = "$want" ] || die "built tofu reports v${v:-?}, expected $want"
  mkdir -p "$MULTIDB_CACHE/bin"
  if [ "$(readlink "$TOFU_BIN" 2>/dev/null)" = "$dest" ]; then
    skip "OpenTofu v$v at $TOFU_BIN"
    return 0
  fi
  ln -sfn "$dest" "$TOFU_BIN"
  log "$TOFU_BIN -> $dest"
}

step_terraform() {
  local cand v
  # Setups before OpenTofu linked a Terraform 1.5.7 fallback here: it is not used any more.
  if [ -L "$MULTIDB_CACHE/bin/terraform" ]; then rm -f "$MULTIDB_CACHE/bin/terraform"; fi
  if cand="$(path_terraform)" && v="$(tf_version "$cand")" && [ -n "$v" ] && version_ge "$v" "$TERRAFORM_MIN"; then
    TERRAFORM_BIN="$cand"
    skip "default binary: terraform v$v at $cand (>= $TERRAFORM_MIN); tofu: $TOFU_BIN"
    return 0
  fi
  [ -x "$TOFU_BIN" ] || step_opentofu >/dev/null
  TERRAFORM_BIN="$TOFU_BIN"
  if [ -n "${cand:-}" ]; then
    log "terraform at $cand is v${v:-?} (< $TERRAFORM_MIN): the roles run tofu unless multidb_terraform_binary says otherwise"
  else
    log "no terraform on PATH: the roles run tofu ($TOFU_BIN)"
  fi
}

# --- 6. kreuzwerker/docker provider -----------------------------------------
write_terraformrc() {
  local content
  content="$(cat <<EOF
# Generated by multidb-platform scripts/setup.sh. Neither the Terraform nor the OpenTofu
# registry is reachable; kreuzwerker/docker comes from a local filesystem mirror (built
# from the Go module proxy, under both registry hosts), every other provider is installed
# directly.
provider_installation {
  filesystem_mirror {
    path    = "$TF_PLUGINS"
    include = ["registry.terraform.io/kreuzwerker/docker", "registry.opentofu.org/kreuzwerker/docker"]
  }
  direct {
    exclude = ["registry.terraform.io/kreuzwerker/docker", "registry.opentofu.org/kreuzwerker/docker"]
  }
}
EOF
)"
  if [ "$(cat "$TF_RC" 2>/dev/null)" != "$content" ]; then
    mkdir -p "$TF_DIR"
    printf '%s\n' "$content" >"$TF_RC"
    log "wrote $TF_RC"
  fi
}

provider_smoke_test() {
  local tf="$1" tmp rc=0 name
  tmp="$(mktemp -d)"
  name="multidb-setup-probe-$$"
  cat >"$tmp/main.tf" <<EOF
terraform {
  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "~> 4.6"
    }
  }
}

provider "docker" {}

resource "docker_network" "probe" {
  name = "$name"
}
EOF
  (
    export TF_CLI_CONFIG_FILE="$TF_RC" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
    cd "$tmp"
    "$tf" init -no-color >init.log 2>&1 || { cat init.log >&2; exit 1; }
    "$tf" apply -auto-approve -no-color >apply.log 2>&1 || { cat apply.log >&2; "$tf" destroy -auto-approve -no-color >/dev/null 2>&1; exit 1; }
    "$tf" destroy -auto-approve -no-color >destroy.log 2>&1 || { cat destroy.log >&2; exit 1; }
  ) || rc=$?
  rm -rf "$tmp"
  return $rc
}

step_provider() {
  [ -n "$TERRAFORM_BIN" ] || step_terraform >/dev/null
  local key host dir
  build_go_tool terraform-provider-docker github.com/terraform-providers/terraform-provider-docker \
    terraform-provider-docker "-s -w -X main.version=$PROVIDER_VERSION"
  key="$(basename "$(dirname "$BUILT_BIN")")"
  local changed=no
  for host in "${PROVIDER_HOSTS[@]}"; do
    dir="$(provider_dir "$host")"
    if ! cmp -s "$BUILT_BIN" "$dir/$PROVIDER_BIN_NAME"; then
      mkdir -p "$dir"
      # Only the binary may live in this directory (Terraform hashes all of it).
      find "$dir" -mindepth 1 -delete
      cp "$BUILT_BIN" "$dir/$PROVIDER_BIN_NAME.tmp.$$" && mv -f "$dir/$PROVIDER_BIN_NAME.tmp.$$" "$dir/$PROVIDER_BIN_NAME"
      log "installed $dir/$PROVIDER_BIN_NAME"
      changed=yes
    fi
  done
  write_terraformrc

  # Both binaries are smoke-tested: the platform runs with either.
  local vstamp="$TF_DIR/.verified" want docker_v bins=("$TOFU_BIN") bin
  if [ "$TERRAFORM_BIN" != "$TOFU_BIN" ]; then bins=("$TERRAFORM_BIN" "$TOFU_BIN"); fi
  docker_v="$(timeout 20 docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)"
  want="$key docker=$docker_v"
  for bin in "${bins[@]}"; do want="$want $(basename "$bin")=$(tf_version "$bin")"; done
  if [ "$changed" = no ] && [ "${MULTIDB_REVERIFY:-0}" != 1 ] && [ "$(cat "$vstamp" 2>/dev/null)" = "$want" ]; then
    skip "kreuzwerker/docker $PROVIDER_VERSION ($key) installed and verified with ${bins[*]}"
    return 0
  fi
  for bin in "${bins[@]}"; do
    log "smoke test: $(basename "$bin") init/apply/destroy of a docker_network"
    provider_smoke_test "$bin" || die "provider smoke test with $bin failed"
  done
  echo "$want" >"$vstamp"
  log "smoke test passed"
}

# --- 7. tflint ---------------------------------------------------------------
step_tflint() {
  build_go_tool tflint github.com/terraform-linters/tflint tflint "-s -w"
  local built="$BUILT"
  (cd / && "$BUILT_BIN" --version >/dev/null) || die "$BUILT_BIN --version failed"
  mkdir -p "$MULTIDB_CACHE/bin"
  if [ "$(readlink "$MULTIDB_CACHE/bin/tflint" 2>/dev/null)" = "$BUILT_BIN" ]; then
    [ "$built" = yes ] || skip "tflint cached at $BUILT_BIN"
    return 0
  fi
  ln -sfn "$BUILT_BIN" "$MULTIDB_CACHE/bin/tflint"
  log "$MULTIDB_CACHE/bin/tflint -> $BUILT_BIN"
}

# --- 8. summary --------------------------------------------------------------
step_summary() {
  [ -n "$TERRAFORM_BIN" ] || step_terraform >/dev/null
  cat >"$MULTIDB_CACHE/setup.env.tmp.$$" <<EOF
# Generated by $REPO_ROOT/scripts/setup.sh -- source it in an interactive shell.
export PATH=$REPO_ROOT/.venv/bin:$MULTIDB_CACHE/bin:\$PATH
export TF_CLI_CONFIG_FILE=$TF_RC
export CHECKPOINT_DISABLE=1 TFLINT_DISABLE_VERSION_CHECK=1
EOF
  mv -f "$MULTIDB_CACHE/setup.env.tmp.$$" "$MULTIDB_CACHE/setup.env"
  first() { sed -n '1{s/  */ /g;p}'; }
  echo "    default:     $("$TERRAFORM_BIN" version 2>/dev/null | first) ($TERRAFORM_BIN)"
  echo "    tofu:        $("$TOFU_BIN" version 2>/dev/null | first) ($TOFU_BIN)"
  if [ -x "$PROVIDER_BIN" ]; then
    echo "    provider:    kreuzwerker/docker $PROVIDER_VERSION ($(go_tool_key terraform-provider-docker x x | cut -d- -f1-3))"
  else
    echo "    provider:    (not installed)"
  fi
  if [ -x "$MULTIDB_CACHE/bin/tflint" ]; then
    echo "    tflint:      $(cd / && "$MULTIDB_CACHE/bin/tflint" --version 2>/dev/null | first)"
  fi
  echo "    ansible:     $("$REPO_ROOT/.venv/bin/ansible" --version 2>/dev/null | first), ansible $("$REPO_ROOT/.venv/bin/python" -c 'import importlib.metadata as m; print(m.version("ansible"))' 2>/dev/null)"
  if [ -x "$MULTIDB_CACHE/bin/checkov" ]; then
    echo "    checkov:     $("$(dirname "$(readlink -f "$MULTIDB_CACHE/bin/checkov")")/python" -c 'import importlib.metadata as m; print(m.version("checkov"))' 2>/dev/null)"
  fi
  echo "    docker:      engine $(timeout 20 docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null), client $(timeout 20 docker version --format '{{.Client.Version}}' 2>/dev/null)"
  echo "    cache:       $MULTIDB_CACHE"
  echo "    env file:    source $MULTIDB_CACHE/setup.env"
}

# --- main --------------------------------------------------------------------
mkdir -p "$MULTIDB_CACHE"
exec 9>"$MULTIDB_CACHE/.setup.lock"
if ! flock -n 9; then
  echo "setup: another setup.sh holds $MULTIDB_CACHE/.setup.lock; waiting (up to 30 min)"
  flock -w 1800 9 || {
    echo "setup: $MULTIDB_CACHE/.setup.lock still held after 30 min by:" >&2
    fuser -v "$MULTIDB_CACHE/.setup.lock" >&2 2>/dev/null || true
    exit 1
  }
fi

T_START="$(now)"
echo "multidb-platform setup: repo $REPO_ROOT, cache $MULTIDB_CACHE"
run_step apt step_apt
run_step docker step_docker
run_step venv step_venv
run_step checkov step_checkov
run_step moto step_moto
run_step builder step_builder
run_step collections step_collections
run_step opentofu step_opentofu
run_step terraform step_terraform
run_step provider step_provider
run_step tflint step_tflint
run_step summary step_summary
echo "==> timings"
for t in "${TIMINGS[@]}"; do echo "    $t"; done
echo "    total        $(elapsed "$T_START")s"
