#!/usr/bin/env python3
"""How long users wait for site.yml: `make bench [RUNS=3]`. A benchmark, not a test.

On the images already built (--image-vars, default tests/images/standin.yml), on a project
of its own (`multidb-bench`: its own state home, ports found free by the OS, subnet
10.213.7.0/24), each run measures:

  cold     site.yml after a teardown that deletes the data (make down DESTROY_DATA=true)
  no-op    site.yml again at once (must report changed=0)
  check    site.yml --check --diff (must report changed=0)
  floor    from the same cold run, from the first object Terraform creates (network, volume
           or container of the project, from the Docker engine's event stream) until every
           container of the project has reported healthy: what no orchestration can beat

and prints min / median of each, the targets of issue 11 and the machine. Exit 1 when a run
failed (a site.yml exit code other than 0, or a re-run that changed something).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from conftest import free_instance_ports, recap_changed  # noqa: E402

PROJECT = "multidb-bench"


def playbook(args: list[str], env: dict, log: Path) -> tuple[int, float, str]:
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", "-i", "inventories/local"] + args, cwd=REPO, env=env,
                          capture_output=True, text=True)
    took = time.monotonic() - start
    with open(log, "a") as out:
        out.write(f"\n### ansible-playbook {' '.join(args)}: exit {proc.returncode}, {took:.1f} s\n")
        out.write(proc.stdout + proc.stderr)
    return proc.returncode, took, proc.stdout


class EventWatch(threading.Thread):
    """The project's objects created and containers healthy, from the engine's event stream."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.first_created: float | None = None
        self.healthy: dict[str, float] = {}
        self.containers: set[str] = set()
        self.stream = None

    def run(self) -> None:
        self.stream = self.client.events(decode=True, since=int(time.time()))
        for event in self.stream:
            actor = event.get("Actor", {}).get("Attributes", {})
            name = actor.get("name", "")
            if not name.startswith(f"{PROJECT}-"):
                continue
            stamp = event.get("timeNano", 0) / 1e9
            action = event.get("Action", "")
            if action == "create" and self.first_created is None:
                self.first_created = stamp
            if event.get("Type") == "container" and action == "create":
                self.containers.add(name)
            if event.get("Type") == "container" and action == "health_status: healthy":
                self.healthy.setdefault(name, stamp)

    def floor(self) -> float | None:
        if self.first_created is None or not self.containers or set(self.healthy) != self.containers:
            return None
        return max(self.healthy.values()) - self.first_created

    def stop(self) -> None:
        if self.stream is not None:
            self.stream.close()


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<8} (no successful run)"
    return (f"{name:<8} min {min(values):6.1f} s   median {statistics.median(values):6.1f} s   "
            f"all: {', '.join(f'{v:.1f}' for v in values)}")


def machine() -> str:
    cpus = os.cpu_count()
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    engine = docker.from_env().version().get("Version", "?")
    return f"{cpus} cores ({model}), {mem} GB RAM, Docker {engine}, Python {platform.python_version()}"


def bench_instance(project: str, subnet: str, image_vars: str, out: Path, prefix: str,
                   **variables) -> tuple[Path, dict, list[str]]:
    """An instance of a benchmark's own: a state home of its own, ports found free by the OS, its
    subnet. Returns (state home, environment, the playbooks' `-e` arguments); the variables are
    written to out/vars.json."""
    state_home = Path(tempfile.mkdtemp(prefix=f"{prefix}-state-"))
    settings = {"multidb_project_name": project, "multidb_network_subnet": subnet}
    settings.update(free_instance_ports())
    settings.update(variables)
    vars_file = out / "vars.json"
    vars_file.write_text(json.dumps(settings))
    env = dict(os.environ, MULTIDB_STATE_HOME=str(state_home), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return state_home, env, ["-e", f"@{image_vars}", "-e", f"@{vars_file}"]


def remove_state_home(state_home: Path) -> None:
    """The benchmark's state home, once its teardown emptied it (a failed teardown leaves it, with
    the state and secrets a second teardown needs, and says so)."""
    for directory in sorted(state_home.rglob("*"), reverse=True) + [state_home]:
        if directory.is_dir():
            try:
                directory.rmdir()
            except OSError:
                pass
    if state_home.exists():
        print(f"kept {state_home}: the teardown left files in it (see its log)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--image-vars", default=str(REPO / "tests/images/standin.yml"))
    parser.add_argument("--out", default=None, help="directory for the logs of every run")
    opts = parser.parse_args()

    out = Path(opts.out or tempfile.mkdtemp(prefix="multidb-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    state_home, env, common = bench_instance(PROJECT, "10.213.7.0/24", opts.image_vars, out, "multidb-bench")
    destroy = ["playbooks/teardown.yml", "-e", "multidb_destroy_data=true"] + common
    client = docker.from_env()
    results: dict[str, list[float]] = {"cold": [], "no-op": [], "check": [], "floor": []}
    failures: list[str] = []
    print(f"{opts.runs} runs on {PROJECT}; logs in {out}", flush=True)
    try:
        for run in range(1, opts.runs + 1):
            log = out / f"run-{run}.log"
            playbook(destroy, env, log)
            watch = EventWatch(client)
            watch.start()
            time.sleep(0.5)
            rc, cold, _ = playbook(["site.yml"] + common, env, log)
            watch.stop()
            floor = watch.floor()
            if rc != 0 or floor is None:
                failures.append(f"run {run}: cold site.yml exit {rc}, floor {floor}")
                print(failures[-1], flush=True)
                continue
            rc_noop, noop, noop_out = playbook(["site.yml"] + common, env, log)
            rc_check, check, check_out = playbook(["site.yml", "--check", "--diff"] + common, env, log)
            for what, code, output in (("no-op", rc_noop, noop_out), ("check", rc_check, check_out)):
                if code != 0 or recap_changed(output) != 0:
                    failures.append(f"run {run}: {what} exit {code}, changed={recap_changed(output)}")
            results["cold"].append(cold)
            results["floor"].append(floor)
            results["no-op"].append(noop)
            results["check"].append(check)
            print(f"run {run}: cold {cold:.1f} s (floor {floor:.1f} s), no-op {noop:.1f} s, "
                  f"--check {check:.1f} s", flush=True)
    finally:
        playbook(destroy, env, out / "teardown.log")
        remove_state_home(state_home)
    print(f"\nmachine: {machine()}")
    for name in ("cold", "floor", "no-op", "check"):
        print(summary(name, results[name]))
    if results["cold"]:
        over = statistics.median(results["cold"]) - statistics.median(results["floor"])
        print(f"cold - floor (median): {over:.1f} s (target <= 45 s); no-op target <= 30 s; --check target <= 20 s")
    for failure in failures:
        print(f"FAILED {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
