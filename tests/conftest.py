"""Shared fixtures: everything is read from the platform itself.

The tests know nothing about endpoints: they read the `services` contract
(services.json, written from the Terraform output) and the generated secrets
from the instance's state directory, exactly like the roles do.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
# The test instance's overrides (project name, ports). MULTIDB_TEST_VARS points the tests at
# another instance, so that two engineers (or two CI jobs) can run them side by side.
TEST_VARS = Path(os.environ.get("MULTIDB_TEST_VARS", REPO / "molecule/default/inventory/group_vars/all/zz-molecule.yml"))
INVENTORY_VARS = REPO / "inventories/local/group_vars/all/main.yml"


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


@pytest.fixture(scope="session")
def inventory_vars() -> dict:
    """Inventory settings with the test overrides applied (plain values only)."""
    merged = _load_yaml(INVENTORY_VARS)
    merged.update(_load_yaml(TEST_VARS))
    return merged


@pytest.fixture(scope="session")
def project(inventory_vars) -> str:
    return inventory_vars["multidb_project_name"]


@pytest.fixture(scope="session")
def state_dir(project) -> Path:
    home = os.environ.get("MULTIDB_STATE_HOME", str(Path.home() / ".local/share/multidb-platform"))
    path = Path(home) / project
    assert path.is_dir(), f"no state directory {path}: converge first (molecule converge)"
    return path


@pytest.fixture(scope="session")
def services(state_dir) -> dict:
    return json.loads((state_dir / "services.json").read_text())


@pytest.fixture(scope="session")
def secrets(state_dir) -> dict:
    return {p.name: p.read_text() for p in (state_dir / "secrets").iterdir() if p.is_file()}


def playbook_command(*args: str) -> list[str]:
    """ansible-playbook with the same inventory and overrides molecule uses."""
    cmd = ["ansible-playbook", "-i", str(REPO / "inventories/local"), "-e", f"@{TEST_VARS}"]
    image_vars = os.environ.get("MULTIDB_IMAGE_VARS")
    if image_vars:
        cmd += ["-e", f"@{image_vars}"]
    return cmd + list(args)


def run_playbook(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run(playbook_command(*args), cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    if check:
        assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return proc


def recap_changed(output: str) -> int:
    """changed= count of localhost in the PLAY RECAP."""
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)
    for line in reversed(output.splitlines()):
        if line.startswith("localhost") and "changed=" in line:
            return int(line.split("changed=")[1].split()[0])
    raise AssertionError("no PLAY RECAP for localhost in output")


def terraform_plan_exitcode(state_dir: Path) -> subprocess.CompletedProcess:
    """`terraform plan -detailed-exitcode` with the inputs of the last apply: 0 = no changes."""
    env = dict(os.environ, TF_DATA_DIR=str(state_dir / ".terraform"), TF_IN_AUTOMATION="1")
    return subprocess.run(
        ["terraform", "plan", "-detailed-exitcode", "-input=false", "-lock=false", "-no-color",
         f"-var-file={state_dir / 'inputs.tfvars.json'}", f"-var-file={state_dir / 'secrets.tfvars.json'}"],
        cwd=REPO / "terraform/environments/local", env=env, capture_output=True, text=True, timeout=300,
    )


# --- Operations and safety tests (issue 6) -------------------------------------------
# They break and rebuild the instance they run on, so they run only through
# `make test-ops` (MULTIDB_OPS_TESTS=1, their own instance: tests/ops-instance.yml),
# never inside molecule's verify of the shared test instance.
OPS_TESTS = ["test_bad_input.py", "test_operations.py", "test_faults.py", "test_secrets_leak.py"]


def pytest_collection_modifyitems(config, items):
    """Deselect the operations tests unless MULTIDB_OPS_TESTS=1.

    Not `collect_ignore`: molecule's testinfra verifier passes every test file explicitly,
    and explicit paths are collected regardless of it.
    """
    if os.environ.get("MULTIDB_OPS_TESTS") == "1":
        return
    dropped = [item for item in items if item.path.name in OPS_TESTS]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.path.name not in OPS_TESTS]


def ops_env(**extra: str) -> dict:
    """Environment of ansible-playbook/terraform runs in the operations tests."""
    return dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                **extra)


def run_ops(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    """ansible-playbook on the test instance without asserting success (the caller decides)."""
    return subprocess.run(playbook_command(*args), cwd=REPO, env=ops_env(), capture_output=True, text=True,
                          timeout=timeout)


def converge(*args: str) -> subprocess.CompletedProcess:
    """site.yml must succeed (the state every operations test starts from and returns to)."""
    return run_playbook("site.yml", *args)


def read_services(state_dir: Path) -> dict:
    """The services contract as it is now (the session fixture is read once)."""
    return json.loads((state_dir / "services.json").read_text())


def read_secrets(state_dir: Path) -> dict:
    return {p.name: p.read_text() for p in (state_dir / "secrets").iterdir() if p.is_file()}


def containers_of(services: dict) -> list[str]:
    """Every container of every service (nodes of clustered services included)."""
    names = []
    for svc in services.values():
        names.append(svc["container"])
        names.extend(n["container"] for n in svc.get("nodes", []))
    return sorted(set(names))


@pytest.fixture(scope="session")
def ops_state_dir(project) -> Path:
    """State directory of the operations instance after one converge (which creates it when new)."""
    converge()
    home = os.environ.get("MULTIDB_STATE_HOME", str(Path.home() / ".local/share/multidb-platform"))
    return Path(home) / project
