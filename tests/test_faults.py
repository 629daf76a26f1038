"""Faults converge on the next run and lose nothing (issue 6).

A sentinel is written into every data service of the `services` contract (one writer
per engine, tests/sentinels.py); after each fault site.yml must succeed again and
every sentinel must still be there. Every scenario acts on every container listed in
the contract, so services added later are covered without editing this file.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import docker
import pytest

from conftest import (REPO, containers_of, converge, playbook_command, ops_env, read_secrets, read_services,
                      run_ops)
from sentinels import missing_sentinels, write_sentinels


@pytest.fixture(scope="module")
def platform(ops_state_dir):
    services = read_services(ops_state_dir)
    secrets = read_secrets(ops_state_dir)
    markers = write_sentinels(services, secrets)
    time.sleep(2)  # Redis' appendfsync everysec: the marker is on disk before the first fault
    return services, secrets, markers


def _assert_converged_with_sentinels(ops_state_dir, markers, what):
    converge()
    services, secrets = read_services(ops_state_dir), read_secrets(ops_state_dir)
    client = docker.from_env()
    for name in containers_of(services):
        assert client.containers.get(name).status == "running", f"after {what}: {name} not running"
    missing = missing_sentinels(services, secrets, markers)
    assert not missing, f"after {what}: sentinels lost: {missing}"


def test_sigkill_every_container(platform, ops_state_dir):
    services, _, markers = platform
    client = docker.from_env()
    for name in containers_of(services):
        client.containers.get(name).kill(signal="SIGKILL")
    _assert_converged_with_sentinels(ops_state_dir, markers, "SIGKILL of every container")


def test_container_removed_by_hand(platform, ops_state_dir):
    services, _, markers = platform
    client = docker.from_env()
    for name in containers_of(services):
        client.containers.get(name).remove(force=True)
    _assert_converged_with_sentinels(ops_state_dir, markers, "docker rm -f of every container")


def test_service_that_never_becomes_healthy(platform, ops_state_dir, inventory_vars):
    """A bad command (an image whose entrypoint never starts the server) given through the
    service's image variable: the run fails within its deadline naming the service and the
    last lines of its log; the other services keep running."""
    services, _, markers = platform
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
        _assert_converged_with_sentinels(ops_state_dir, markers, f"a never-healthy {victim}")
        client.images.remove(broken, force=True)


def test_state_lock_held_by_another_process(platform, ops_state_dir):
    _, _, markers = platform
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
    finally:
        holder.kill()
        holder.wait()
    assert state_file.read_bytes() == before, "the state changed while it was locked"
    json.loads(state_file.read_text())
    _assert_converged_with_sentinels(ops_state_dir, markers, "a held state lock")


def _terraform_apply_pid(state_dir) -> int | None:
    """Pid of the `terraform apply` of this instance (its plan file lives in <state dir>/tmp)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")
        except OSError:
            continue
        if cmdline[0].endswith(b"terraform") and b"apply" in cmdline and str(state_dir).encode() in b" ".join(cmdline):
            return int(pid)
    return None


def test_apply_interrupted_with_sigint(platform, ops_state_dir, tmp_path):
    """SIGINT (Ctrl-C) while Terraform re-creates every container, then a re-run."""
    services, _, markers = platform
    client = docker.from_env()
    for name in containers_of(services):
        client.containers.get(name).remove(force=True)
    log = (tmp_path / "interrupted.log").open("w+")
    proc = subprocess.Popen(playbook_command("site.yml"), cwd=REPO, env=ops_env(), start_new_session=True,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        end = time.monotonic() + 600
        while (apply := _terraform_apply_pid(ops_state_dir)) is None:
            assert proc.poll() is None, f"site.yml ended before the apply started:\n{log.seek(0) or log.read()[-4000:]}"
            assert time.monotonic() < end, "terraform apply never started"
            time.sleep(0.1)
        time.sleep(0.3)  # halfway: the lock is held, containers are being created
        # Ctrl-C: SIGINT to Terraform's apply and to the playbook's process group.
        try:
            os.kill(apply, signal.SIGINT)
        except ProcessLookupError:
            pytest.fail("the apply finished before it could be interrupted")
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0, "the interrupted run reported success"
    json.loads((ops_state_dir / "terraform.tfstate").read_text())
    assert not (ops_state_dir / ".terraform.tfstate.lock.info").exists(), "the interrupted apply left its lock behind"
    _assert_converged_with_sentinels(ops_state_dir, markers, "an apply interrupted with SIGINT")
