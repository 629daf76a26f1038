"""Shared fixtures: everything is read from the platform itself.

The tests know nothing about endpoints: they read the `services` contract
(services.json, written from the Terraform output) and the generated secrets
from the instance's state directory, exactly like the roles do.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import certifi
import pytest
import yaml

from sentinels import missing_sentinels, write_sentinels

# What a user of the AWS inventories must give before a first run (they ship these empty): the
# preflight of inventories/aws and inventories/aws-staging passes with them (the state bucket is
# the caller's). The RDS CA bundle may be any PEM file here (the preflight checks that it is one).
AWS_USER_VALUES = {
    "multidb_scylla_ami": "ami-0123456789abcdef0",
    "multidb_weaviate_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
    "multidb_tls_ca_bundles": {"rds-global-bundle": certifi.where()},
}

REPO = Path(__file__).resolve().parent.parent
# The test instance's overrides (project name, ports). MULTIDB_TEST_VARS points the tests at
# another instance, so that two engineers (or two CI jobs) can run them side by side.
TEST_VARS = Path(os.environ.get("MULTIDB_TEST_VARS", REPO / "molecule/default/inventory/group_vars/all/zz-molecule.yml"))
INVENTORY_VARS = REPO / "inventories/local/group_vars/all/main.yml"


# Host ports for test instances come from the OS's view of this machine, never from
# arithmetic: below Linux's ephemeral range (32768-60999) the kernel hands out no port by
# itself, so a block found free here stays free until the run it is given to binds it
# (docker-proxy, outgoing connections and other tests live in the ephemeral range).
# Two test processes at once (scripts/molecule-test.sh's beside stage) get disjoint ranges
# (MULTIDB_TEST_PORT_RANGE=low-high): a block one of them found free is not also found free by
# the other before its run binds it.
TEST_PORT_RANGE = tuple(int(p) for p in os.environ.get("MULTIDB_TEST_PORT_RANGE", "20000-32767").split("-", 1))
assert len(TEST_PORT_RANGE) == 2 and 1024 < TEST_PORT_RANGE[0] < TEST_PORT_RANGE[1] < 32768, \
    f"MULTIDB_TEST_PORT_RANGE must be low-high below 32768, got {TEST_PORT_RANGE}"


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_blocks(spans: list[int], taken: set[int] | None = None) -> list[int]:
    """First ports of len(spans) blocks of span consecutive free ports below 32768, distinct
    from each other and from `taken` (a set given is updated, so that runs side by side get
    distinct blocks); every port of every block was bound and released."""
    taken = taken if taken is not None else set()
    firsts = []
    rng = random.SystemRandom()
    for span in spans:
        for _ in range(2000):
            first = rng.randrange(TEST_PORT_RANGE[0], TEST_PORT_RANGE[1] - span)
            block = range(first, first + span)
            if not taken.intersection(block) and all(_port_is_free(p) for p in block):
                taken.update(block)
                firsts.append(first)
                break
        else:
            raise AssertionError(f"no block of {span} free ports in {TEST_PORT_RANGE}")
    return firsts


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


# The host-port variables of an instance, read from the inventory (a service added there is
# covered without editing a list here).
INSTANCE_PORT_VARS = sorted(k for k in _load_yaml(INVENTORY_VARS)
                            if re.fullmatch(r"multidb_[a-z0-9]+_([a-z0-9]+_)?port", k))


def free_instance_ports(taken: set[int] | None = None) -> dict:
    """{multidb_*_port: first port} for an instance of its own: one block of 9 ports per
    variable (a node-count service publishes consecutive ports), found free by the OS."""
    return dict(zip(INSTANCE_PORT_VARS, free_port_blocks([9] * len(INSTANCE_PORT_VARS), taken)))


@pytest.fixture(scope="session")
def inventory_vars() -> dict:
    """Inventory settings with the test overrides applied (plain values only)."""
    merged = _load_yaml(INVENTORY_VARS)
    merged.update(_load_yaml(TEST_VARS))
    return merged


@pytest.fixture(scope="session")
def project(inventory_vars) -> str:
    return inventory_vars["multidb_project_name"]


def state_home() -> Path:
    """Where the platform keeps each instance's state directory (as the inventory computes it)."""
    return Path(os.environ.get("MULTIDB_STATE_HOME", str(Path.home() / ".local/share/multidb-platform")))


@pytest.fixture(scope="session")
def state_dir(project) -> Path:
    path = state_home() / project
    assert path.is_dir(), f"no state directory {path}: converge first (molecule converge)"
    return path


@pytest.fixture(scope="session")
def services(state_dir) -> dict:
    return json.loads((state_dir / "services.json").read_text())


@pytest.fixture(scope="session")
def secrets(state_dir) -> dict:
    return {p.name: p.read_text() for p in (state_dir / "secrets").iterdir() if p.is_file()}


def playbook_command(*args: str) -> list[str]:
    """ansible-playbook with the same inventory and overrides molecule uses, always with -v:
    every run's output is kept (RUNS) and searched for secrets by test_secrets_leak."""
    cmd = ["ansible-playbook", "-v", "-i", str(REPO / "inventories/local"), "-e", f"@{TEST_VARS}"]
    image_vars = os.environ.get("MULTIDB_IMAGE_VARS")
    if image_vars:
        cmd += ["-e", f"@{image_vars}"]
    return cmd + list(args)


# Every ansible-playbook run of this test session on the test instance: (arguments, result).
# test_secrets_leak asserts that no generated secret appears in any of them.
RUNS: list[tuple[str, subprocess.CompletedProcess]] = []


def record(args, proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    RUNS.append((" ".join(args), proc))
    return proc


def run_playbook(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = record(args, subprocess.run(playbook_command(*args), cwd=REPO, env=env, capture_output=True, text=True,
                                       timeout=900))
    if check:
        assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return proc


def recap_changed(output: str) -> int:
    """Sum of changed= over every host of the PLAY RECAP (the service hosts and localhost)."""
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)
    recap = output.split("PLAY RECAP")
    assert len(recap) > 1, "no PLAY RECAP in output"
    counts = [int(line.split("changed=")[1].split()[0]) for line in recap[-1].splitlines() if "changed=" in line]
    assert counts, "no host in the PLAY RECAP"
    return sum(counts)


def terraform_plan_exitcode(state_dir: Path) -> subprocess.CompletedProcess:
    """`terraform plan -detailed-exitcode` with the inputs of the last apply: 0 = no changes."""
    env = dict(os.environ, TF_DATA_DIR=str(state_dir / ".terraform"), TF_IN_AUTOMATION="1")
    return subprocess.run(
        ["terraform", "plan", "-detailed-exitcode", "-input=false", "-lock=false", "-no-color",
         f"-var-file={state_dir / 'inputs.tfvars.json'}", f"-var-file={state_dir / 'secrets.tfvars.json'}"],
        cwd=REPO / "terraform/environments/local", env=env, capture_output=True, text=True, timeout=300,
    )


# --- Operations and safety tests (issue 6) -------------------------------------------
# They break and rebuild the instance they run on and delete it at the end, so they run
# only with MULTIDB_OPS_TESTS=1, after every other test, in the order of their marker
# (`pytestmark = pytest.mark.ops(order=N)` in each file): `make test` runs them last in
# molecule's verify of the test instance, `make test-ops` (`pytest -m ops`) alone on an
# instance of their own (tests/ops-instance.yml).
def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ops(order): operations and safety test: breaks and rebuilds the instance; runs last, by order")
    config.addinivalue_line(
        "markers", "beside(order=N): test on an instance of its own (its own project, subnet, state home, ports from "
                   "the OS): `make test` runs it in a process of its own beside the tests of the molecule instance "
                   "(MULTIDB_BESIDE_TESTS), lowest order first (default 10): the longest first, so that both "
                   "processes end at about the same time")


def _ops_order(item) -> int | None:
    marker = item.get_closest_marker("ops")
    return None if marker is None else int(marker.kwargs.get("order", 0))


def pytest_runtest_logreport(report):
    """With MULTIDB_FAILURES set (.ci/run), append each failed test and the first line of why
    to that file: the end of the CI log names them, however the runner wraps pytest's output."""
    path = os.environ.get("MULTIDB_FAILURES")
    if not path or not report.failed:
        return
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    why = " ".join((crash.message if crash else str(report.longrepr)).split())[:300]
    with open(path, "a") as out:
        out.write(f"FAILED {report.nodeid} ({report.when}): {why}\n")


def pytest_collection_modifyitems(config, items):
    """Deselect the operations tests unless MULTIDB_OPS_TESTS=1; with it, run them last.
    MULTIDB_UNIT_TESTS=0 (`make test`, after its unit stage) deselects tests/unit.
    MULTIDB_BESIDE_TESTS=0 deselects the `beside` tests, =only keeps only them (scripts/molecule-test.sh
    runs them in a process of their own), operations tests among them included (test_bad_input:
    `make test-ops` runs it with the others); unset, they run with the others.

    Not `collect_ignore`: molecule's testinfra verifier passes every test file explicitly,
    and explicit paths are collected regardless of it.
    """
    # `make test` ran the unit tier as a stage of its own first: molecule's verify (which is
    # handed every test file, tests/unit's too) does not run it again.
    if os.environ.get("MULTIDB_UNIT_TESTS") == "0":
        unit = [item for item in items if Path(str(item.fspath)).parent.name == "unit"]
        if unit:
            config.hook.pytest_deselected(items=unit)
            items[:] = [item for item in items if item not in unit]
    beside_mode = os.environ.get("MULTIDB_BESIDE_TESTS")
    if beside_mode in ("0", "only"):
        wanted = beside_mode == "only"
        kept = [item for item in items if (item.get_closest_marker("beside") is not None) == wanted]
        if wanted:  # sorted() is stable: the tests of one module keep their order
            kept.sort(key=lambda item: int(item.get_closest_marker("beside").kwargs.get("order", 10)))
        if len(kept) < len(items):
            config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
        if wanted:  # a `beside` test that is an operations test too runs here, not in the ops stage
            return
    ops = [item for item in items if _ops_order(item) is not None]
    regular = [item for item in items if _ops_order(item) is None]
    # sorted() is stable: the tests of one file keep their order.
    ops_in_order = sorted(ops, key=_ops_order)
    mode = os.environ.get("MULTIDB_OPS_TESTS")
    if mode == "1":
        items[:] = regular + ops_in_order
        return
    if mode == "only":  # scripts/molecule-test.sh: the operations stage, after verify
        if regular:
            config.hook.pytest_deselected(items=regular)
        items[:] = ops_in_order
        return
    if ops:
        config.hook.pytest_deselected(items=ops)
        items[:] = regular


def ops_env(**extra: str) -> dict:
    """Environment of ansible-playbook/terraform runs in the operations tests."""
    return dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                **extra)


def run_ops(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    """ansible-playbook on the test instance without asserting success (the caller decides)."""
    return record(args, subprocess.run(playbook_command(*args), cwd=REPO, env=ops_env(), capture_output=True,
                                       text=True, timeout=timeout))


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


def container_ids(services: dict) -> dict:
    """{container name: id} of every container of the contract (a recreated one has a new id)."""
    import docker

    client = docker.from_env()
    return {name: client.containers.get(name).id for name in containers_of(services)}


def _container_names(client, **filters) -> set[str]:
    """Container names from one list call: the high-level list inspects each container and
    fails when one is removed meanwhile (a run cleaning up, a test beside this one)."""
    return {name.lstrip("/") for c in client.api.containers(all=True, filters=filters or None) for name in c["Names"]}


def project_containers(project: str) -> set[str]:
    """Names of the containers labelled with `project`."""
    import docker

    return _container_names(docker.from_env(), label=f"project={project}")


def project_objects(project: str) -> list[str]:
    """Names of every container, network and volume of `project`: labelled with it or named after it."""
    import docker

    client = docker.from_env()
    label = {"label": f"project={project}"}
    prefix = f"{project}-"
    found = sorted(_container_names(client, label=f"project={project}"))
    found += [n.name for n in client.networks.list(filters=label)]
    found += [v.name for v in client.volumes.list(filters=label)]
    found += [name for name in _container_names(client) if name.startswith(prefix)]
    found += [n.name for n in client.networks.list() if n.name.startswith(prefix)]
    found += [v.name for v in client.volumes.list() if v.name.startswith(prefix)]
    return sorted(set(found))


def _platform_is_up(state_dir: Path) -> bool:
    """Every container of the contract exists, runs and is healthy."""
    import docker

    if not (state_dir / "services.json").is_file():
        return False
    client = docker.from_env()
    for name in containers_of(read_services(state_dir)):
        try:
            state = client.containers.get(name).attrs["State"]
        except docker.errors.NotFound:
            return False
        if state["Status"] != "running" or state.get("Health", {}).get("Status", "healthy") != "healthy":
            return False
    return True


@pytest.fixture(scope="session")
def ops_state_dir(project) -> Path:
    """State directory of the operations instance, converged: site.yml runs first unless the
    platform is already up and healthy (in molecule's verify it has just been converged and
    proven idempotent)."""
    path = state_home() / project
    if not _platform_is_up(path):
        converge()
    return path


@pytest.fixture(scope="session")
def sentinels(ops_state_dir) -> dict:
    """One sentinel row in every data service of the contract, written once; every fault and
    operation scenario asserts they are all still there after its converging run."""
    markers = write_sentinels(read_services(ops_state_dir), read_secrets(ops_state_dir))
    time.sleep(2)  # Redis' appendfsync everysec: the marker is on disk before the first fault
    return markers


def assert_converged_with_sentinels(state_dir: Path, markers: dict, what: str) -> subprocess.CompletedProcess:
    """site.yml succeeds; every container runs; every sentinel is still there. Returns site.yml's run."""
    proc = converge()
    assert_running_with_sentinels(state_dir, markers, what)
    return proc


def assert_running_with_sentinels(state_dir: Path, markers: dict, what: str) -> None:
    """Every container of the contract runs; every sentinel is still there."""
    import docker

    services, secrets = read_services(state_dir), read_secrets(state_dir)
    client = docker.from_env()
    for name in containers_of(services):
        assert client.containers.get(name).status == "running", f"after {what}: {name} not running"
    missing = missing_sentinels(services, secrets, markers)
    assert not missing, f"after {what}: sentinels lost: {missing}"


def link_collections(tree: Path) -> None:
    """Give another checkout of this repository (a worktree, a clone) the collections it runs
    with: this repo's installs, and multidb.platform pointing at that checkout itself."""
    ours = REPO / "collections/ansible_collections"
    theirs = tree / "collections/ansible_collections"
    theirs.mkdir(parents=True, exist_ok=True)
    for namespace in ours.iterdir():
        if namespace.name == "multidb":
            # tracked in git today (a checkout has it); not in older commits' checkouts
            (theirs / "multidb").mkdir(exist_ok=True)
            if not (theirs / "multidb/platform").is_symlink():
                (theirs / "multidb/platform").symlink_to("../../..")
        else:
            (theirs / namespace.name).symlink_to(namespace.resolve())


def _moto_server_binary() -> str:
    cache = Path(os.environ.get("MULTIDB_CACHE", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                                / "multidb-platform"))
    found = shutil.which("moto_server") or str(cache / "bin/moto_server")
    assert Path(found).exists(), "moto_server not found: run `make setup` (requirements-moto.txt)"
    return found


@contextlib.contextmanager
def moto_server():
    """moto's server (S3, DynamoDB, STS, Secrets Manager: a real AWS API on this machine) on a
    port the OS chose: yields its endpoint URL; stopped (and its data gone) on exit."""
    proc = subprocess.Popen([_moto_server_binary(), "-H", "127.0.0.1", "-p", "0"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        endpoint, deadline, seen = None, time.monotonic() + 60, []
        while endpoint is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            seen.append(line)
            match = re.search(r"Running on (http://127\.0\.0\.1:[0-9]+)", line)
            endpoint = match.group(1) if match else None
        assert endpoint, f"moto_server did not start: {''.join(seen)[-2000:]}"
        # Keep reading its log so that it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def managed_resources(text: str) -> list:
    """The resources a state file manages (state format 4, or the legacy format 3's modules)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    if not isinstance(doc, dict):
        return []
    return list(doc.get("resources") or []) + [r for m in doc.get("modules") or [] for r in (m.get("resources") or {})]


def aws_client(service: str, endpoint: str, env: dict):
    """A boto3 client of moto's `service` at `endpoint`, with the test's (not secret) keys in `env`."""
    import boto3

    return boto3.client(service, endpoint_url=endpoint, region_name=env.get("AWS_DEFAULT_REGION", "us-east-1"),
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
