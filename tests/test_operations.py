"""Operations (issue 6): check mode on a first run, drift, status, teardown keeping data.

Runs with the operations tests (MULTIDB_OPS_TESTS=1, last in `make test`, or `make test-ops`);
everything is read from the `services` contract, so services added later are covered without
editing. Three of the fault scenarios of issue 6 live here, where they are cheapest to combine
with an operation that needs the same converging run: containers removed by hand (drift),
containers killed with SIGKILL (status), an apply interrupted with SIGINT (the restore after a
teardown). Each ends with site.yml converging and every sentinel row still there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import docker
import pytest
import yaml

from conftest import (REPO, TEST_VARS, assert_converged_with_sentinels, container_ids, containers_of, free_port_blocks,
                      ops_env, playbook_command, project_containers, project_objects, read_secrets, read_services,
                      recap_changed, record, run_ops)

pytestmark = pytest.mark.ops(order=2)


def test_check_mode_on_a_first_run_shows_the_plan_and_creates_nothing(tmp_path):
    """site.yml --check --diff for an instance that never existed: the plan lists what would be
    created; no container, network, volume, state, secret or scratch directory is left."""
    test_vars = yaml.safe_load(Path(TEST_VARS).read_text())
    ports = sorted(k for k in test_vars if k.endswith("_port"))
    fresh = dict(test_vars, **dict(zip(ports, free_port_blocks([9] * len(ports)))))
    fresh["multidb_project_name"] = "multidb-checkfirst"
    fresh["multidb_network_subnet"] = "10.213.4.0/24"
    vars_file = tmp_path / "fresh.json"
    vars_file.write_text(json.dumps(fresh))
    state_home = tmp_path / "state"
    state_home.mkdir()
    scratch_before = {p.name for p in Path("/tmp").glob("multidb-plan-*")}

    cmd = playbook_command("-e", f"@{vars_file}", "site.yml", "--check", "--diff")
    proc = subprocess.run(cmd, cwd=REPO, env=ops_env(MULTIDB_STATE_HOME=str(state_home)), capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "will be created" in proc.stdout and "Plan:" in proc.stdout, "the Terraform plan is not shown"
    assert list(state_home.iterdir()) == [], f"check mode wrote {list(state_home.rglob('*'))}"
    assert project_objects("multidb-checkfirst") == []
    assert {p.name for p in Path("/tmp").glob("multidb-plan-*")} == scratch_before, "scratch directory left behind"


def test_subnet_change_is_refused_unless_confirmed_and_check_mode_says_so(ops_state_dir):
    """A new multidb_network_subnet on an instance that exists recreates every container:
    site.yml refuses it in the preflight, naming the variable, both subnets and the variable
    that confirms it; --check --diff says so and shows the plan; nothing changes."""
    services = read_services(ops_state_dir)
    ids = container_ids(services)
    state = (ops_state_dir / "terraform.tfstate").read_bytes()
    current = json.loads((ops_state_dir / "inputs.tfvars.json").read_text())["network_subnet"]
    other = "10.213.9.0/24"
    assert other != current

    refused = run_ops("site.yml", "-e", f"multidb_network_subnet={other}")
    flat = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0, "a subnet change was applied without confirmation"
    assert f"multidb_network_subnet changes from {current} to {other}" in flat, refused.stdout[-4000:]
    assert "multidb_network_recreate=true" in flat and "Provision the platform" not in refused.stdout

    planned = run_ops("site.yml", "--check", "--diff", "-e", f"multidb_network_subnet={other}")
    assert planned.returncode == 0, planned.stdout[-6000:]
    assert f"WARNING: multidb_network_subnet changes from {current} to {other}" in " ".join(planned.stdout.split())
    assert "must be replaced" in planned.stdout, "the plan does not show the replacement"
    assert container_ids(services) == ids, "containers changed"
    assert (ops_state_dir / "terraform.tfstate").read_bytes() == state, "the state changed"


def _drift(extra=()):
    return run_ops("playbooks/drift.yml", *extra)


def _replace_with_changed_label(client, container):
    """The same image under the same name, recreated by hand with a changed label."""
    info = container.attrs
    labels = dict(info["Config"]["Labels"], environment="changed-by-hand")
    container.remove(force=True)
    client.containers.run(info["Image"], name=info["Name"].lstrip("/"), labels=labels, detach=True,
                          entrypoint=["sleep", "86400"], command=[])


def test_drift_detected_then_converged_keeping_data(ops_state_dir, sentinels):
    """No drift on a converged platform. Then, in one round, a stopped container, a container
    replaced by hand with a changed label and every other container removed by hand
    (`docker rm -f`): drift.yml exits non-zero and names every affected service; site.yml
    converges it, every sentinel is still there, and drift.yml is clean again."""
    services = read_services(ops_state_dir)
    clean = _drift()
    assert clean.returncode == 0, f"drift on a converged platform:\n{clean.stdout[-5000:]}"

    client = docker.from_env()
    owner = {c: s for s, svc in services.items() for c in containers_of({s: svc})}
    names = containers_of(services)
    # Every kind at least once; with fewer containers than kinds, several rounds.
    kinds = ["stopped", "label"] + ["removed"] * max(1, len(names) - 2)
    for start in range(0, len(kinds), len(names)):
        acted = list(zip(kinds[start:start + len(names)], names))
        for kind, name in acted:
            container = client.containers.get(name)
            if kind == "removed":
                container.remove(force=True)
            elif kind == "stopped":
                container.stop(timeout=20)
            else:
                _replace_with_changed_label(client, container)
        proc = _drift()
        assert proc.returncode != 0, f"drift not detected ({acted}):\n{proc.stdout[-5000:]}"
        report = json.loads((ops_state_dir / "drift-report.json").read_text())
        assert report["drifted"] is True
        text = json.dumps(report)
        for kind, name in acted:
            service = owner[name]
            assert f"module.{service}" in text or service in report["unhealthy"], f"{kind} {name} not reported: {report}"
        assert "DRIFT in" in proc.stdout
        assert_converged_with_sentinels(ops_state_dir, sentinels, f"drift ({', '.join(f'{k} {n}' for k, n in acted)})")
    after = _drift()
    assert after.returncode == 0, f"still drifting after site.yml:\n{after.stdout[-5000:]}"


def _make_status(ops_state_dir) -> tuple[int, dict]:
    """scripts/status.sh (what `make status` runs): exit code and the JSON report on disk."""
    args = ["-i", "inventories/local", "-e", f"@{TEST_VARS}"]
    if os.environ.get("MULTIDB_IMAGE_VARS"):
        args += ["-e", f"@{os.environ['MULTIDB_IMAGE_VARS']}"]
    proc = record(["scripts/status.sh"], subprocess.run(["bash", "scripts/status.sh", *args], cwd=REPO, env=ops_env(),
                                                       capture_output=True, text=True, timeout=900))
    assert f"(exit {proc.returncode})" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.returncode, json.loads((ops_state_dir / "health-report.json").read_text())


def test_status_exit_codes_and_sigkill_converges(ops_state_dir, sentinels):
    """make status / scripts/status.sh: 0 healthy, 1 degraded, 2 down, and the JSON report on
    disk says the same. The containers go down by SIGKILL (`docker kill`), first those of one
    service (degraded), then all (down); site.yml converges it with every sentinel intact."""
    services = read_services(ops_state_dir)
    client = docker.from_env()
    code, report = _make_status(ops_state_dir)
    assert (code, report["status"]) == (0, "healthy"), report
    killed = []
    if len(services) > 1:
        first = sorted(services)[0]
        for name in containers_of({first: services[first]}):
            client.containers.get(name).kill(signal="SIGKILL")
            killed.append(name)
        code, report = _make_status(ops_state_dir)
        assert (code, report["status"]) == (1, "degraded"), report
    for name in containers_of(services):
        if name not in killed:
            client.containers.get(name).kill(signal="SIGKILL")
    code, report = _make_status(ops_state_dir)
    assert (code, report["status"]) == (2, "down"), report

    assert_converged_with_sentinels(ops_state_dir, sentinels, "SIGKILL of every container")
    code, report = _make_status(ops_state_dir)
    assert (code, report["status"]) == (0, "healthy"), report


def _processes_of(marker: str) -> list[tuple[int, list[str]]]:
    """(pid, argv) of every live process whose environment carries `marker`: a run's
    ansible-playbook, its workers and modules, Terraform and its provider plugins (each
    inherits its parent's environment)."""
    found = []
    needle = f"MULTIDB_TEST_RUN={marker}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue  # a zombie holds nothing; its parent reaps it
        except OSError:
            continue
        found.append((int(pid), argv))
    return found


def _terraform(marker: str, command: str) -> int | None:
    """Pid of the run's Terraform process running `command` (plan, apply)."""
    for pid, argv in _processes_of(marker):
        if argv and os.path.basename(argv[0]) == "terraform" and command in argv[1:]:
            return pid
    return None


def _state_files(state_dir: Path) -> set[str]:
    return {str(p.relative_to(state_dir)) for p in state_dir.rglob("*")}


# (what, signal, to whom, moment): the moments are events seen from outside, not delays.
INTERRUPTIONS = [
    ("Ctrl-C while Terraform plans", signal.SIGINT, "plan"),
    ("a cancelled CI job (SIGTERM to the process group) as the apply starts", signal.SIGTERM, "apply"),
    ("Ctrl-C while the apply creates containers", signal.SIGINT, "containers"),
]


def _run_interrupted(project: str, sig: int, moment: str, log_path: Path, marker: str) -> subprocess.CompletedProcess:
    """site.yml, and `sig` to its whole process group (what a terminal's Ctrl-C or a CI
    runner's cancel does) at `moment`: while `terraform plan` runs, as soon as `terraform
    apply` runs, or once the apply has created a container that did not exist before."""
    existing = project_containers(project)
    args = ["site.yml"]
    with open(log_path, "w+") as log:
        proc = subprocess.Popen(playbook_command(*args), cwd=REPO, env=ops_env(MULTIDB_TEST_RUN=marker),
                                start_new_session=True, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            end = time.monotonic() + 600
            while True:
                assert proc.poll() is None, f"site.yml ended before the moment '{moment}':\n{log_path.read_text()[-4000:]}"
                assert time.monotonic() < end, f"the moment '{moment}' never came"
                pid = _terraform(marker, "plan" if moment == "plan" else "apply")
                if pid and (moment != "containers" or project_containers(project) - existing):
                    break
                time.sleep(0.05)
            os.killpg(proc.pid, sig)
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return record(args, subprocess.CompletedProcess(args, proc.returncode, log_path.read_text(), ""))


def test_teardown_keeps_data_and_site_brings_it_back_after_interrupted_runs(ops_state_dir, project, sentinels,
                                                                            tmp_path):
    """teardown.yml removes containers and network, keeps volumes, secrets and state, and a
    second teardown changes nothing. The restore is then interrupted three times, at
    different moments (INTERRUPTIONS: Ctrl-C while planning, a CI cancel's SIGTERM to the
    process group as the apply starts, Ctrl-C while containers are created; before that one
    the containers the earlier runs created are removed by hand, so that there are containers
    to create however far the SIGTERM'd apply got). After each:
    every process of that run has ended by itself (Terraform and its provider plugins
    included), no state lock is left, the state is valid JSON, and the state directory holds
    exactly the files it held before the run (no plan file, no plugin socket), and the run's
    private directory in the system's temporary directory is gone; the next run
    takes the lock and goes on. Finally site.yml brings the platform back with every
    sentinel row and the same secrets."""
    secrets_before = read_secrets(ops_state_dir)
    client = docker.from_env()
    label = {"label": f"project={project}"}
    volumes_before = sorted(v.name for v in client.volumes.list(filters=label))

    proc = run_ops("playbooks/teardown.yml")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert project_containers(project) == set()
    assert client.networks.list(filters=label) == []
    assert sorted(v.name for v in client.volumes.list(filters=label)) == volumes_before
    assert read_secrets(ops_state_dir) == secrets_before, "teardown changed the secrets"
    assert (ops_state_dir / "terraform.tfstate").exists()
    assert "Kept the data volumes" in proc.stdout

    again = run_ops("playbooks/teardown.yml")
    assert again.returncode == 0 and recap_changed(again.stdout) == 0, again.stdout[-3000:]

    run_dirs = Path(tempfile.gettempdir())
    for n, (what, sig, moment) in enumerate(INTERRUPTIONS):
        if moment == "containers":
            # Terraform completes the creations in flight when the SIGTERM comes: it may have
            # created every container already, and this moment needs containers to create.
            for name in project_containers(project):
                client.containers.get(name).remove(force=True)
        files_before = _state_files(ops_state_dir)
        run_dirs_before = set(run_dirs.glob(f"multidb-{project}-tf-*"))
        marker = f"interrupt-{n}-{os.getpid()}-{time.time_ns()}"
        interrupted = _run_interrupted(project, sig, moment, tmp_path / f"interrupted-{n}.log", marker)
        assert interrupted.returncode != 0, f"{what}: the interrupted run reported success"
        # Terraform finishes what is in flight and releases its lock after the playbook has
        # returned: every process of the run must end by itself, within a bound.
        end = time.monotonic() + 120
        while (left := _processes_of(marker)) and time.monotonic() < end:
            time.sleep(0.2)
        assert not left, f"{what}: processes of the run still alive after 120 s: {left}"
        assert not (ops_state_dir / ".terraform.tfstate.lock.info").exists(), f"{what}: the state lock was left"
        json.loads((ops_state_dir / "terraform.tfstate").read_text())
        files_after = _state_files(ops_state_dir)
        assert files_after == files_before, (f"{what}: the state directory changed: added {files_after - files_before},"
                                             f" removed {files_before - files_after}")
        left_dirs = set(run_dirs.glob(f"multidb-{project}-tf-*")) - run_dirs_before
        assert not left_dirs, f"{what}: the run's private directory (plan file, module code) was left: {left_dirs}"

    assert_converged_with_sentinels(ops_state_dir, sentinels, "a teardown and three interrupted restores")
    assert read_secrets(ops_state_dir) == secrets_before
