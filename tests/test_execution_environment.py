"""The execution environment's definition. `ansible-builder create` (through scripts/build-ee.sh,
which stages what the image takes from this machine first) writes the build context; the tests
read what the image would be made of, without building it (`make ee` builds it, `make ee-test`
runs jobs in it). No Docker and no instance, but several seconds of copying: they run in the
beside stage of `make test` rather than in the unit tier (which must stay under 30 s).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

# The shortest of the beside tests (no instance): last.
pytestmark = pytest.mark.beside(order=90)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
EE = yaml.safe_load((REPO / "execution-environment.yml").read_text())
EE_REQUIREMENTS = yaml.safe_load((REPO / "ee/requirements.yml").read_text())["collections"]


def _builder() -> str:
    """ansible-builder of `make setup` (its own venv, bin/ansible-builder in the cache), or ANSIBLE_BUILDER."""
    cache = Path(os.environ.get("MULTIDB_CACHE", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                                / "multidb-platform"))
    found = os.environ.get("ANSIBLE_BUILDER") or shutil.which("ansible-builder", path=f"{cache / 'bin'}:{BIN}:"
                                                                                     f"{os.environ['PATH']}")
    assert found, "ansible-builder not found: run `make setup` (requirements-builder.txt)"
    return found


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Path:
    builder = _builder()
    ctx = tmp_path_factory.mktemp("ee") / "context"
    proc = subprocess.run(["bash", REPO / "scripts/build-ee.sh", "create", ctx], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, ANSIBLE_BUILDER=builder))
    assert proc.returncode == 0, f"build-ee.sh create failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return ctx


def test_the_image_installs_the_collection_and_exactly_its_dependencies():
    """ee/requirements.yml: the collection tarball plus one source per galaxy.yml dependency."""
    names = {entry["name"] for entry in EE_REQUIREMENTS}
    assert "collections/multidb-platform.tar.gz" in names
    deps = {".".join(name.split("/")[1:3]) for name in names if name != "collections/multidb-platform.tar.gz"}
    assert deps == set(GALAXY["dependencies"])
    # Their own requirement files are left out (ours covers what the roles use of them), all of them.
    assert set(EE["dependencies"]["exclude"]["all_from_collections"]) == set(GALAXY["dependencies"]) - {"cloud.terraform"}


def test_the_containerfile(context):
    text = (context / "Dockerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="multidb-ee/base:bookworm"' in text
    assert 'ARG PKGMGR="/usr/local/bin/multidb-pkgmgr"' in text
    locked = (REPO / "requirements.txt").read_text()
    for pin in ("ansible-core==", "ansible-runner=="):
        version = re.search(rf"^{pin}(\S+)$", locked, re.M).group(1)
        assert re.search(rf'ARG ANSIBLE_INSTALL_REFS=".*{pin}{re.escape(version)}\b', text), f"{pin} not the lock's {version}"
    assert 'ARG ANSIBLE_GALAXY_CLI_COLLECTION_OPTS="--no-deps --offline"' in text
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in text
    assert "ENV TF_CLI_CONFIG_FILE=/etc/terraformrc" in text
    assert "COPY _build/terraform/tofu /usr/local/bin/tofu" in text
    assert "COPY _build/terraform/plugins/ /usr/share/terraform/plugins/" in text
    # The build's pip settings are cleared for the image's users, after the last pip install.
    assert text.rindex("ENV PIP_CONSTRAINT= PIP_NO_INDEX=0 PIP_FIND_LINKS=") > text.rindex("pip install")


def test_the_context_holds_what_the_containerfile_copies(context):
    build = context / "_build"
    assert yaml.safe_load((build / "requirements.yml").read_text())["collections"] == EE_REQUIREMENTS
    for entry in EE_REQUIREMENTS:
        assert (build / entry["name"]).exists(), entry["name"]
    for entry in EE_REQUIREMENTS:
        if entry["type"] == "dir":
            manifest = json.loads((build / entry["name"] / "MANIFEST.json").read_text())["collection_info"] \
                if (build / entry["name"] / "MANIFEST.json").exists() \
                else yaml.safe_load((build / entry["name"] / "galaxy.yml").read_text())
            assert f"{manifest['namespace']}/{manifest['name']}" == "/".join(entry["name"].split("/")[1:3])
    with tarfile.open(build / "collections/multidb-platform.tar.gz") as tar:
        info = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == (GALAXY["namespace"], GALAXY["name"], GALAXY["version"])
    assert (build / "constraints/requirements.txt").read_text() == (REPO / "requirements.txt").read_text()

    # Terraform: OpenTofu, and the provider once, under both registry hosts (a relative link that
    # stays inside the context, so COPY keeps it as a link).
    version = subprocess.run([build / "terraform/tofu", "version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("OpenTofu v")
    providers = sorted((build / "terraform/plugins").glob("*/kreuzwerker/docker/*/*/terraform-provider-docker_v*"))
    assert [p.relative_to(build / "terraform/plugins").parts[0] for p in providers] == \
        ["registry.opentofu.org", "registry.terraform.io"]
    link = providers[1]
    assert link.is_symlink() and not os.path.isabs(os.readlink(link))
    assert link.resolve() == providers[0].resolve() and providers[0].resolve().is_relative_to(context.resolve())
    rc = (build / "terraform/terraformrc").read_text()
    assert 'path    = "/usr/share/terraform/plugins"' in rc


def test_introspection_installs_the_collections_libraries_and_nothing_else(context, tmp_path):
    """ansible-builder's own introspection over the collections the image gets: the Python
    requirements are meta/ee-requirements.txt's (the other collections' are excluded), and no
    system package is asked for."""
    build = context / "_build"
    root = tmp_path / "ansible_collections"
    with tarfile.open(build / "collections/multidb-platform.tar.gz") as tar:
        tar.extractall(root / "multidb/platform", filter="data")
    for entry in EE_REQUIREMENTS:
        if entry["type"] == "dir":
            namespace, name = entry["name"].split("/")[1:3]
            (root / namespace).mkdir(exist_ok=True)
            (root / namespace / name).symlink_to(build / entry["name"])
    pip_out, bindep_out = tmp_path / "requirements.txt", tmp_path / "bindep.txt"
    subprocess.run([sys.executable, build / "scripts/introspect.py", "introspect", tmp_path,
                    f"--exclude-collection-reqs={build / 'exclude-collections.txt'}",
                    f"--write-pip={pip_out}", f"--write-bindep={bindep_out}"], capture_output=True, text=True, check=True)

    def requirements(text: str) -> list[str]:
        return sorted(line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip())

    assert requirements(pip_out.read_text()) == requirements((REPO / "meta/ee-requirements.txt").read_text())
    assert not bindep_out.exists() or not requirements(bindep_out.read_text())
