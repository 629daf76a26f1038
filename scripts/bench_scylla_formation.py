#!/usr/bin/env python3
"""Cold ScyllaDB cluster formations, one after another: `make bench-scylla [RUNS=10]`.

Each run starts from nothing (the instance's data is deleted first), brings up only the
ScyllaDB service with site.yml on a project of its own (`multidb-formation`, its own state
home, ports found free below 32768), and measures, by polling the Docker engine every
second, the time from the first node container's creation until every node is healthy.
A run whose nodes are not all healthy within the deadline counts as failed: a Java thread
dump of every unhealthy node (SIGQUIT; the JVM prints it to its log) and the last lines of
its log are written to the output directory. At the end: each run, then min / median /
max of the successful ones, and the number of failures; exit 1 if any run failed.

Uses the images of the session: --image-vars (default tests/images/standin.yml).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parent.parent
PROJECT = "multidb-formation"
OTHER_SERVICES = ["postgres", "redis", "mongodb", "weaviate", "objectstore"]


def free_block(span: int) -> int:
    """First port of `span` consecutive ports below 32768 that bind on 127.0.0.1."""
    for first in range(24000, 32000, 16):
        ok = True
        for port in range(first, first + span):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return first
    raise SystemExit("no free ports below 32768")


def playbook(args: list[str], env: dict, log: Path) -> int:
    with open(log, "a") as out:
        return subprocess.run(["ansible-playbook", "-i", "inventories/local"] + args, cwd=REPO, env=env,
                              stdout=out, stderr=subprocess.STDOUT).returncode


def watch(client, names: list[str], result: dict, stop: threading.Event) -> None:
    """Record when the first node container exists and when every node is healthy."""
    while not stop.is_set():
        states = {}
        for name in names:
            try:
                c = client.containers.get(name)
                states[name] = (c.attrs["State"].get("Health") or {}).get("Status", c.status)
            except docker.errors.NotFound:
                pass
        now = time.monotonic()
        if states and "created" not in result:
            result["created"] = now
        result["states"] = states
        if len(states) == len(names) and all(s == "healthy" for s in states.values()):
            result["healthy"] = now
            return
        stop.wait(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--deadline", type=int, default=300, help="seconds until every node is healthy")
    parser.add_argument("--image-vars", default=str(REPO / "tests/images/standin.yml"))
    parser.add_argument("--out", default=None, help="directory for logs and thread dumps")
    opts = parser.parse_args()

    out = Path(opts.out or tempfile.mkdtemp(prefix="scylla-formation-"))
    out.mkdir(parents=True, exist_ok=True)
    state_home = Path(tempfile.mkdtemp(prefix="scylla-formation-state-"))
    variables = {"multidb_project_name": PROJECT, "multidb_scylla_node_count": opts.nodes,
                 "multidb_scylla_port": free_block(opts.nodes), "multidb_network_subnet": "10.213.6.0/24",
                 "provision_health_timeout": opts.deadline}
    variables.update({f"multidb_{s}_enabled": False for s in OTHER_SERVICES})
    vars_file = out / "vars.json"
    vars_file.write_text(json.dumps(variables))
    env = dict(os.environ, MULTIDB_STATE_HOME=str(state_home), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1")
    common = ["-e", f"@{opts.image_vars}", "-e", f"@{vars_file}"]
    names = [f"{PROJECT}-scylla-node{i}" for i in range(1, opts.nodes + 1)]
    client = docker.from_env()
    times, failures = [], []
    print(f"{opts.runs} cold formations of {opts.nodes} nodes, deadline {opts.deadline} s; logs in {out}", flush=True)
    try:
        for run in range(1, opts.runs + 1):
            log = out / f"run-{run}.log"
            playbook(["playbooks/teardown.yml", "-e", "multidb_destroy_data=true"] + common, env, log)
            result: dict = {}
            stop = threading.Event()
            watcher = threading.Thread(target=watch, args=(client, names, result, stop), daemon=True)
            watcher.start()
            start = time.monotonic()
            rc = playbook(["site.yml"] + common, env, log)
            stop.set()
            watcher.join()
            took = time.monotonic() - start
            if "healthy" in result:
                formation = result["healthy"] - result["created"]
                times.append(formation)
                print(f"run {run}: formed in {formation:.0f} s (site.yml {took:.0f} s, exit {rc})", flush=True)
                if rc != 0:
                    failures.append(run)
                    print(f"run {run}: site.yml failed after the cluster formed; see {log}", flush=True)
            else:
                failures.append(run)
                print(f"run {run}: NOT formed within {opts.deadline} s: {result.get('states')}", flush=True)
                for name, status in (result.get("states") or {}).items():
                    if status != "healthy":
                        client.containers.get(name).kill(signal="SIGQUIT")
                time.sleep(3)
                for name, status in (result.get("states") or {}).items():
                    dump = out / f"run-{run}-{name}.log"
                    dump.write_bytes(client.containers.get(name).logs(tail=3000))
                    print(f"run {run}: log and thread dump of {name} ({status}) in {dump}", flush=True)
    finally:
        playbook(["playbooks/teardown.yml", "-e", "multidb_destroy_data=true"] + common, env, out / "teardown.log")
    if times:
        print(f"formation (first container created -> every node healthy), {len(times)} of {opts.runs} runs: "
              f"min {min(times):.0f} s, median {statistics.median(times):.0f} s, max {max(times):.0f} s; "
              f"all: {', '.join(f'{t:.0f}' for t in times)}")
    print(f"failed runs: {len(failures)} {failures if failures else ''}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
