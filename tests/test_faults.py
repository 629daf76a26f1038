"""Faults converge on the next run and lose nothing (issue 6).

A sentinel is written into every data service of the `services` contract (one writer per
engine, tests/sentinels.py; the session fixture `sentinels`); after each fault site.yml must
succeed again and every sentinel must still be there. The faults that share their converging
run with an operation are in test_operations.py: containers removed by hand (drift), killed
with SIGKILL (status) and an apply interrupted with SIGINT (the restore after a teardown).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker
import pytest

from conftest import assert_converged_with_sentinels, containers_of, read_services, run_ops

pytestmark = pytest.mark.ops(order=3)


def test_service_that_never_becomes_healthy(ops_state_dir, sentinels):
    """A bad command (an image whose entrypoint never starts the server) given through the
    service's image variable: the run fails within its deadline naming the service and the
    last lines of its log; the other services keep running."""
    services = read_services(ops_state_dir)
    victim = sorted(services)[-1]
    image = services[victim]["image"]
    broken = f"multidb-test/never-healthy-{victim}:1"
    client = docker.from_env()
    dockerfile = (f"FROM {image}\n"
                  "ENTRYPOINT [\"/bin/sh\", \"-c\", \"echo 'multidb-test: injected bad command, the server never starts'"
                  " >&2; exec sleep 86400\", \"--\"]\nCMD []\n")
    client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=broken, rm=True)
    deadline = 45
    try:
        start = time.monotonic()
        proc = run_ops("site.yml", "-e", f"multidb_{victim}_image={broken}", "-e", f"provision_health_timeout={deadline}")
        elapsed = time.monotonic() - start
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, f"a never-healthy {victim} was accepted:\n{proc.stdout[-4000:]}"
        assert f"Service(s) {victim} did not become healthy within {deadline} s" in out, proc.stdout[-6000:]
        assert "multidb-test: injected bad command" in out, "the last log lines are not in the message"
        # Terraform apply + the deadline + the rest of the run, with a generous margin for a loaded machine.
        assert elapsed < deadline + 600, f"took {elapsed:.0f} s"
        victims = set(containers_of({victim: services[victim]}))
        for name in set(containers_of(services)) - victims:
            assert client.containers.get(name).status == "running", f"{name} was not left running"
    finally:
        assert_converged_with_sentinels(ops_state_dir, sentinels, f"a never-healthy {victim}")
        client.images.remove(broken, force=True)


def test_state_lock_held_by_another_process(ops_state_dir, sentinels, project):
    """Held by another process, the state lock fails site.yml with Terraform's error and the
    hint, and leaves the state alone. So does it a check-mode run, whose plan runs in the
    background while the services' check-mode initialization runs: the run still fails naming
    the lock (once the initialization is done), and the run's private directory (the plan file,
    the job's result: secrets) is gone."""
    state_file = ops_state_dir / "terraform.tfstate"
    before = state_file.read_bytes()
    # Another process takes the same POSIX lock Terraform's local backend takes on its state file.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         "f = open(sys.argv[1], 'r+')\n"
         "fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
         "print('locked', flush=True)\n"
         "time.sleep(600)\n", str(state_file)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        proc = run_ops("site.yml", "-e", "provision_lock_timeout=5")
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, "site.yml ran while another process held the state lock"
        assert "Error acquiring the state lock" in out and "holds the state lock" in out, proc.stdout[-5000:]

        runs_before = set(Path(tempfile.gettempdir()).glob(f"multidb-{project}-tf-*"))
        check = run_ops("site.yml", "--check", "-e", "provision_lock_timeout=5")
        out = check.stdout + check.stderr
        assert check.returncode != 0, "site.yml --check did not say that the state lock is held"
        assert "Error acquiring the state lock" in out and "holds the state lock" in out, check.stdout[-5000:]
        # the plan was collected after the services' initialization, which ran meanwhile
        initialized, collected = out.find("multidb.platform.redis : "), out.find("Wait for the Terraform plan")
        assert 0 <= initialized < collected, check.stdout[-5000:]
        left = sorted(set(Path(tempfile.gettempdir()).glob(f"multidb-{project}-tf-*")) - runs_before)
        assert not left, f"the check-mode run left its private directory: {left}"
    finally:
        holder.kill()
        holder.wait()
    assert state_file.read_bytes() == before, "the state changed while it was locked"
    json.loads(state_file.read_text())
    assert_converged_with_sentinels(ops_state_dir, sentinels, "a held state lock")
