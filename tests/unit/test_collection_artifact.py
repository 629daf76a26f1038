"""Unit tier: the collection as an artifact. `ansible-galaxy collection build` of the tree, the
tarball installed into an empty path, and the collection playbooks run from there.

The build runs on a copy of the tree (the files git knows, tracked or not ignored) into which
files a checkout may hold but must never ship are planted: Terraform state, a data directory,
variable files, secrets, caches. The tarball must leave them out and hold what an installed
collection runs: roles, plugins, playbooks, meta and the Terraform tree.

Then, with a collections path of only the install (plus the venv's bundled collections, which
ansible-core always scans, and the cloud.terraform shim, installed beside it) and a
configuration that is not the project's: `ansible-playbook multidb.platform.site
--syntax-check` (and the other collection playbooks), and a real preflight run from the
installed collection that refuses a bad value (roles, filters, `include_vars`, the Terraform
tree next to the roles, all resolved inside the install path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
COLLECTION = f"{GALAXY['namespace']}.{GALAXY['name']}"

# Top-level entries of the tarball: the collection and nothing else (MANIFEST.json and
# FILES.json are written by the build). A new top-level file in the repository fails here until
# galaxy.yml's build_ignore or this list says where it belongs.
SHIPPED = {"MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "meta", "roles", "plugins", "playbooks",
           "terraform", "inventories"}
# The collection playbooks (`ansible-playbook multidb.platform.<name>`): every playbook of
# playbooks/ whose name is an identifier (ansible-core resolves no other name as a collection
# resource: migrate-state.yml and state-bucket.yml run by path only, see the README).
PLAYBOOKS = sorted(p.stem for p in (REPO / "playbooks").glob("*.yml") if p.stem.isidentifier())
USER_FACING = {"site", "drift", "status", "teardown", "verify"}

# Files a checkout can hold (git-ignored, written by runs or by hand) that must never ship.
BAIT = [
    "terraform/environments/local/terraform.tfstate",
    "terraform/environments/local/terraform.tfstate.backup",
    "terraform/environments/local/terraform.tfvars",
    "terraform/environments/local/override.auto.tfvars",
    "terraform/environments/local/plan.tfplan",
    "terraform/environments/local/.terraform.lock.hcl",
    "terraform/environments/local/.terraform/providers/registry.terraform.io/kreuzwerker/docker/x",
    "terraform/modules/redis/local/.terraform/terraform.tfstate",
    "terraform/environments/local/crash.log",
    "secrets/postgres_admin_password",
    "roles/postgres/files/app.secret",
    "roles/secrets/tasks/main.yml.tmp.12345",
    "plugins/filter/__pycache__/services.cpython-311.pyc",
    ".pytest_cache/v/cache/lastfailed",
    ".ansible/tmp/x",
    "collections/ansible_collections/cloud/terraform/MANIFEST.json",
    "context/Dockerfile",
]
# Path parts that mark something that is not collection content (`secrets` is also a role: the
# state directory's secrets/ is in BAIT instead).
FORBIDDEN_PARTS = {"tests", "molecule", ".terraform", "__pycache__", ".pytest_cache", ".ansible",
                   "collections", "compat", "scripts", "tools", ".ci", "ee", "context", ".venv"}
FORBIDDEN_SUFFIXES = (".tfstate", ".tfstate.backup", ".tfvars", ".tfplan", ".lock.hcl", ".secret", ".pyc", "crash.log")


def _run(args, cwd, env=None, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, f"{' '.join(map(str, args))} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def artifact(tmp_path_factory) -> dict:
    """Build the collection from a copy of the tree with bait planted, install it into an empty
    path with the cloud.terraform shim, and return the paths."""
    root = tmp_path_factory.mktemp("collection")
    tree = root / "tree"
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO).stdout
    for rel in filter(None, listed.split("\0")):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():  # a deleted but still indexed file is skipped
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, tree / rel)
    for rel in BAIT:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text("bait: must not be in the collection\n")

    env = dict(os.environ, ANSIBLE_CONFIG=str(root / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    (root / "ansible.cfg").write_text("[defaults]\n")  # not the project's (its collections_path is the checkout)
    dist = root / "dist"
    _run([BIN / "ansible-galaxy", "collection", "build", "--output-path", dist, tree], cwd=root, env=env)
    tarballs = list(dist.glob("*.tar.gz"))
    assert [t.name for t in tarballs] == [f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"]

    install = root / "install"
    _run([BIN / "ansible-galaxy", "collection", "install", "--no-deps", "--offline", "-p", install,
          tarballs[0], REPO / "compat/cloud.terraform"], cwd=root, env=env)
    env["ANSIBLE_COLLECTIONS_PATH"] = str(install)
    env["MULTIDB_STATE_HOME"] = str(root / "state-home")
    return {"tarball": tarballs[0], "install": install / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"],
            "env": env, "cwd": root}


@pytest.fixture(scope="module")
def members(artifact) -> list[str]:
    with tarfile.open(artifact["tarball"]) as tar:
        return [m.name.removeprefix("./") for m in tar.getmembers()]


def test_the_tarball_holds_the_collection_and_nothing_else(members):
    assert {name.split("/")[0] for name in members} == SHIPPED
    leaked = [name for name in members
              if FORBIDDEN_PARTS.intersection(name.split("/")) or name.endswith(FORBIDDEN_SUFFIXES)]
    assert not leaked, f"not collection content: {leaked}"
    # (bait at the top level, such as secrets/, is already refused by the first assertion)
    assert not set(members).intersection(BAIT), f"planted files shipped: {set(members).intersection(BAIT)}"


def test_the_tarball_holds_what_runs_from_an_installed_collection(members, artifact):
    names = set(members)
    expected = {"meta/runtime.yml", "meta/execution-environment.yml", "meta/ee-requirements.txt"}
    expected |= {f"playbooks/{p}.yml" for p in PLAYBOOKS}
    expected |= {str(p.relative_to(REPO)) for p in (REPO / "playbooks").rglob("*.yml")}
    expected |= {str(p.relative_to(REPO)) for p in (REPO / "plugins").rglob("*.py")}
    expected |= {str(p.relative_to(REPO)) for p in (REPO / "roles").rglob("*") if p.is_file()}
    # The provision role copies <collection>/terraform (environments and modules) for each run.
    expected |= {str(p.relative_to(REPO)) for p in (REPO / "terraform").rglob("*.tf")}
    missing = sorted(expected - names)
    assert not missing, f"missing from the tarball: {missing}"
    # The planted files really were in the tree that was built (the exclusion is what kept them out).
    for rel in BAIT:
        assert (artifact["cwd"] / "tree" / rel).is_file()


def test_the_manifest_declares_galaxy_yml_dependencies_and_the_bundled_ones_satisfy_them(artifact):
    with tarfile.open(artifact["tarball"]) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    assert manifest["dependencies"] == GALAXY["dependencies"]
    assert "repository" not in GALAXY or "example.invalid" not in str(GALAXY["repository"])
    listed = json.loads(_run([BIN / "ansible-galaxy", "collection", "list", "--format", "json"], cwd=artifact["cwd"],
                             env=artifact["env"]).stdout)
    found = {name: info["version"] for cols in listed.values() for name, info in cols.items()}
    for name, spec in GALAXY["dependencies"].items():
        assert name in found, f"{name} (a dependency in galaxy.yml) is not installed with ansible-core here"
        if name == "cloud.terraform":  # the compat shim stands in for it: Galaxy is unreachable here
            assert found[name].endswith("+compat"), found[name]
            continue
        assert Version(found[name]) in SpecifierSet(spec), f"{name} {found[name]} is outside galaxy.yml's {spec}"


def test_the_collection_playbooks_resolve_from_the_install_path(artifact):
    assert USER_FACING <= set(PLAYBOOKS)
    inventory = artifact["install"] / "inventories/local"
    proc = _run([BIN / "ansible-playbook", "--syntax-check", "-i", inventory,
                 *[f"{COLLECTION}.{name}" for name in PLAYBOOKS]], cwd=artifact["cwd"], env=artifact["env"])
    for name in PLAYBOOKS:
        assert f"playbook: {artifact['install']}/playbooks/{name}.yml" in proc.stdout, proc.stdout


def test_the_installed_collection_runs_its_preflight(artifact):
    """A real run from the install path: the preflight refuses a bad port before anything is
    created, naming the variable. It got there through the collection playbook, its
    `include_vars dir: vars`, the preflight role with its argument spec, the collection's filters
    and the Terraform environments next to the roles."""
    inventory = artifact["install"] / "inventories/local"
    proc = _run([BIN / "ansible-playbook", f"{COLLECTION}.preflight", "-i", inventory, "-e", "multidb_redis_port=70000"],
                cwd=artifact["cwd"], env=artifact["env"], check=False)
    assert proc.returncode != 0
    assert "multidb_redis_port must be an integer from 1024 to 65535, got 70000" in proc.stdout, proc.stdout[-3000:]
    assert f"Origin: {artifact['install']}/roles/preflight/tasks/main.yml" in proc.stdout + proc.stderr
    assert not (artifact["cwd"] / "state-home").exists(), "the refused run created a state directory"
