"""Operations (issue 6): check mode on a first run, teardown keeping data, drift, status.

Runs on the operations instance (make test-ops); everything is read from the
`services` contract, so services added later are covered without editing.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import docker
import pytest
import yaml

from conftest import (REPO, TEST_VARS, containers_of, converge, ops_env, playbook_command, read_secrets,
                      read_services, run_ops)
from sentinels import missing_sentinels, write_sentinels


@pytest.fixture(scope="module")
def platform(ops_state_dir):
    return read_services(ops_state_dir)


def _project_objects(client, project: str) -> list[str]:
    label = {"label": f"project={project}"}
    return sorted([c.name for c in client.containers.list(all=True, filters=label)]
                  + [n.name for n in client.networks.list(filters=label)]
                  + [v.name for v in client.volumes.list(filters=label)])


def test_check_mode_on_a_first_run_shows_the_plan_and_creates_nothing(tmp_path):
    """site.yml --check --diff for an instance that never existed: the plan lists what would be
    created; no container, network, volume, state, secret or scratch directory is left."""
    test_vars = yaml.safe_load(Path(TEST_VARS).read_text())
    fresh = {k: (v + 7 if k.endswith("_port") else v) for k, v in test_vars.items()}
    fresh["multidb_project_name"] = "multidb-checkfirst"
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
    assert _project_objects(docker.from_env(), "multidb-checkfirst") == []
    assert {p.name for p in Path("/tmp").glob("multidb-plan-*")} == scratch_before, "scratch directory left behind"


def test_teardown_keeps_data_and_site_brings_it_back(platform, ops_state_dir, project):
    services = platform
    secrets_before = read_secrets(ops_state_dir)
    markers = write_sentinels(services, secrets_before)
    time.sleep(2)
    client = docker.from_env()
    volumes_before = sorted(v.name for v in client.volumes.list(filters={"label": f"project={project}"}))

    proc = run_ops("playbooks/teardown.yml")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert client.containers.list(all=True, filters={"label": f"project={project}"}) == []
    assert client.networks.list(filters={"label": f"project={project}"}) == []
    assert sorted(v.name for v in client.volumes.list(filters={"label": f"project={project}"})) == volumes_before
    assert read_secrets(ops_state_dir) == secrets_before, "teardown changed the secrets"
    assert (ops_state_dir / "terraform.tfstate").exists()
    assert "Kept the data volumes" in proc.stdout

    # A second teardown changes nothing.
    again = run_ops("playbooks/teardown.yml")
    assert again.returncode == 0 and "changed=0" in again.stdout.split("PLAY RECAP")[-1], again.stdout[-3000:]

    converge()
    services = read_services(ops_state_dir)
    assert not missing_sentinels(services, read_secrets(ops_state_dir), markers)
    assert read_secrets(ops_state_dir) == secrets_before


def _drift(extra=()):
    return run_ops("playbooks/drift.yml", "-e", "postgres_timeout=10", "-e", "redis_timeout=10", *extra)


def test_drift_detected_then_converged(platform, ops_state_dir, project):
    """No drift on a converged platform; a container removed by hand, a stopped container and a
    container replaced by hand with a changed label each make drift.yml exit non-zero and name
    the service; site.yml converges it and drift.yml is clean again."""
    services = platform
    clean = _drift()
    assert clean.returncode == 0, f"drift on a converged platform:\n{clean.stdout[-5000:]}"

    client = docker.from_env()
    # container -> service (clustered services have several containers)
    owner = {c: s for s, svc in services.items() for c in containers_of({s: svc})}
    scenarios = ["removed", "stopped", "label"]
    names = containers_of(services)
    rounds = [scenarios[i:i + len(names)] for i in range(0, len(scenarios), len(names))]
    for round_ in rounds:
        acted = {}
        for scenario, name in zip(round_, names):
            container = client.containers.get(name)
            if scenario == "removed":
                container.remove(force=True)
            elif scenario == "stopped":
                container.stop(timeout=20)
            else:
                info = container.attrs
                labels = dict(info["Config"]["Labels"], environment="changed-by-hand")
                container.remove(force=True)
                client.containers.run(info["Image"], name=name, labels=labels, detach=True,
                                      entrypoint=["sleep", "86400"], command=[])
            acted[scenario] = owner[name]
        proc = _drift()
        assert proc.returncode != 0, f"drift not detected ({acted}):\n{proc.stdout[-5000:]}"
        report = json.loads((ops_state_dir / "drift-report.json").read_text())
        assert report["drifted"] is True
        text = json.dumps(report)
        for scenario, service in acted.items():
            assert f"module.{service}" in text or service in report["unhealthy"], f"{scenario} of {service} not reported: {report}"
        assert "DRIFT in" in proc.stdout
        converge()
        after = _drift()
        assert after.returncode == 0, f"still drifting after site.yml:\n{after.stdout[-5000:]}"


def _make_status(ops_state_dir) -> tuple[int, dict]:
    """scripts/status.sh (what `make status` runs): exit code and the JSON report on disk."""
    args = ["-i", "inventories/local", "-e", f"@{TEST_VARS}", "-e", "postgres_timeout=6", "-e", "redis_timeout=6"]
    if os.environ.get("MULTIDB_IMAGE_VARS"):
        args += ["-e", f"@{os.environ['MULTIDB_IMAGE_VARS']}"]
    proc = subprocess.run(["bash", "scripts/status.sh", *args], cwd=REPO, env=ops_env(), capture_output=True,
                          text=True, timeout=900)
    assert f"(exit {proc.returncode})" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.returncode, json.loads((ops_state_dir / "health-report.json").read_text())


def test_status_exit_codes(platform, ops_state_dir):
    """make status / scripts/status.sh: 0 healthy, 1 degraded, 2 down; the JSON report on disk says the same."""
    services = platform
    client = docker.from_env()
    code, report = _make_status(ops_state_dir)
    assert (code, report["status"]) == (0, "healthy"), report
    stopped = []
    try:
        if len(services) > 1:
            first = sorted(services)[0]
            for name in containers_of({first: services[first]}):
                client.containers.get(name).stop(timeout=20)
                stopped.append(name)
            code, report = _make_status(ops_state_dir)
            assert (code, report["status"]) == (1, "degraded"), report
        for name in containers_of(services):
            if name not in stopped:
                client.containers.get(name).stop(timeout=20)
                stopped.append(name)
        code, report = _make_status(ops_state_dir)
        assert (code, report["status"]) == (2, "down"), report
    finally:
        for name in stopped:
            client.containers.get(name).start()
    converge()
    code, report = _make_status(ops_state_dir)
    assert (code, report["status"]) == (0, "healthy"), report
