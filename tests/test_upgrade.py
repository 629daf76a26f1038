"""Upgrade without data loss: an instance created by the previous release's code is taken over
by this code (Terraform `moved` blocks: the shared container module) with every sentinel kept,
and the run after that changes nothing.

The previous code is a `git worktree` of UPGRADE_FROM (the last commit before the shared
container module) on an instance of its own (project multidb-ci-upgrade, its own state home,
ports from the OS, its own subnet), destroyed with its data at the end. `make test` runs it
first in the beside stage (the longest test there), beside verify on the molecule instance.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, container_ids, containers_of, link_collections, free_instance_ports, project_objects, recap_changed, record
from sentinels import missing_sentinels, write_sentinels

pytestmark = pytest.mark.beside(order=0)

# main before the services became inventory hosts and the containers one shared module.
UPGRADE_FROM = "24369db7fe1ab0fdf885acce371804b7c4394e60"
PROJECT = "multidb-ci-upgrade"
# Containers the upgrade replaces on purpose (their configuration changed and the server reads it
# only at start), with why; the CHANGELOG says so to users. Every other container is kept, and the
# data of every one is (the sentinels).
REPLACED_BY_DESIGN = {
    "weaviate": "ENABLE_MODULES=backup-filesystem and BACKUP_FILESYSTEM_PATH (issue 15, backups)",
    "mongodb": "/data/configdb on a tmpfs: no anonymous volume outlives a container removed by hand",
}


def _git(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def previous_code(tmp_path):
    """A worktree of UPGRADE_FROM with the collections it runs with (this repo's installs,
    multidb.platform pointing at the worktree itself)."""
    tree = tmp_path / "previous"
    added = _git("worktree", "add", "--detach", str(tree), UPGRADE_FROM)
    assert added.returncode == 0, f"git worktree add {UPGRADE_FROM} failed (a clone with history is needed):\n" \
                                  f"{added.stderr}"
    try:
        link_collections(tree)
        yield tree
    finally:
        _git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(tree, ignore_errors=True)
        _git("worktree", "prune")


def _playbook(tree: Path, state_home: Path, args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(tree / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               MULTIDB_STATE_HOME=str(state_home))
    cmd = ["ansible-playbook", "-v", "-i", str(tree / "inventories/local"), *args]
    return record(cmd, subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=1200))


def test_instance_of_the_previous_release_upgrades_keeping_its_data(previous_code, tmp_path):
    state_home = tmp_path / "state"
    variables = {"multidb_project_name": PROJECT, "multidb_network_subnet": "10.213.8.0/24"}
    variables.update(free_instance_ports())
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(variables))
    args = ["-e", f"@{vars_file}"]
    if os.environ.get("MULTIDB_IMAGE_VARS"):
        args += ["-e", f"@{os.environ['MULTIDB_IMAGE_VARS']}"]
    state = state_home / PROJECT
    try:
        old = _playbook(previous_code, state_home, ["site.yml", *args])
        assert old.returncode == 0, f"site.yml of {UPGRADE_FROM[:7]} failed:\n{old.stdout[-6000:]}"
        services = json.loads((state / "services.json").read_text())
        secrets = {p.name: p.read_text() for p in (state / "secrets").iterdir()}
        markers = write_sentinels(services, secrets)
        before = container_ids(services)

        new = _playbook(REPO, state_home, ["site.yml", *args])
        assert new.returncode == 0, f"site.yml of this code on the old instance failed:\n{new.stdout[-6000:]}"
        tfstate = json.loads((state / "terraform.tfstate").read_text())
        containers = [r["module"] for r in tfstate["resources"] if r["type"] == "docker_container"]
        assert containers and all(m.endswith(("module.container", "]")) and ".module." in m for m in containers), \
            f"containers not in the shared module's addresses: {containers}"
        after = container_ids(services)
        assert set(after) == set(before), f"containers before {sorted(before)}, after {sorted(after)}"
        replaced = {name for name in before if after[name] != before[name]}
        expected = set(containers_of({s: services[s] for s in REPLACED_BY_DESIGN if s in services}))
        assert replaced == expected, (f"the upgrade replaced {sorted(replaced)}; only {sorted(expected)} on purpose: "
                                      f"{REPLACED_BY_DESIGN}")
        assert not missing_sentinels(services, secrets, markers), "sentinels lost in the upgrade"

        again = _playbook(REPO, state_home, ["site.yml", *args])
        assert again.returncode == 0 and recap_changed(again.stdout) == 0, again.stdout[-6000:]
    finally:
        _playbook(REPO, state_home, ["playbooks/teardown.yml", *args, "-e", "multidb_destroy_data=true"])
    assert project_objects(PROJECT) == []
