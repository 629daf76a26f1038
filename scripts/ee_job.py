#!/usr/bin/env python3
"""Jobs in the execution environment, as AWX runs them in a container group (`make ee-test`).

Each job is `ansible-runner run <private data dir> --process-isolation` with the image of
`make ee` (multidb-platform/ee:<version>), the Docker socket mounted (what an AWX container group
gives a job that drives the engine of its node) and the host network (the platform publishes its
ports on 127.0.0.1 of the host). The private data dir is AWX-shaped: `project/` is a `git
archive` of HEAD, `inventory/` the project's local inventory, `env/extravars` the job's
variables, `env/envvars` its environment (ANSIBLE_COLLECTIONS_PATH: the image's collections).

The instance: PostgreSQL + Redis only (every other service disabled), project multidb-ee-test,
subnet 10.213.14.0/24, ports found free by the OS, stand-in images, its own state home (mounted
into the job's container at the same path). Three jobs, each in a fresh private data dir:
  1. the project's site.yml converges it (an AWX job template's playbook: its roles come from
     the project's own collection link, the rest from the image): status successful, no failed or
     unreachable host in the runner's stats, both services healthy in the health report; a
     sentinel row is then written into each
  2. multidb.platform.site, the collection tarball installed in the image: changed=0 on every host
     (the runner's stats), so the installed artifact and the project agree; the sentinels are
     still there
  3. multidb.platform.teardown -e multidb_destroy_data=true: no container, volume or network of
     the project and no state directory is left
Every task event says where its task came from: each job's role tasks must all come from the
collection it ran (the project's, or the image's). Whatever happens, the instance is removed at
the end (teardown on the host when the third job did not do it). Prints the time of each job.

usage: python scripts/ee_job.py [--image IMAGE] [--keep]   (--keep: leave the private data dirs)
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from conftest import free_instance_ports  # noqa: E402  (ports from the OS, as the tests get them)
from sentinels import missing_sentinels, write_sentinels  # noqa: E402

PROJECT = "multidb-ee-test"
SUBNET = "10.213.14.0/24"
SERVICES = ("postgres", "redis")
# The image's collections (a playbook of the project still finds the project's own collection
# first: ansible-core searches a playbook's adjacent collections/ before the configured path).
IMAGE_COLLECTIONS = "/usr/share/ansible/collections"
INSTALLED = f"{IMAGE_COLLECTIONS}/ansible_collections/multidb/platform/"
PROJECT_DIR = "/runner/project/"


def fail(message: str) -> None:
    raise SystemExit(f"ee-job: FAILED: {message}")


def project_resources() -> list[str]:
    out = []
    for kind in ("container", "volume", "network"):
        cmd = ["docker", kind, "ls", "--quiet", "--filter", f"label=project={PROJECT}"]
        if kind == "container":
            cmd.insert(3, "--all")
        out += [f"{kind} {name}" for name in subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()]
    return out


def extravars(state_home: Path) -> dict:
    variables = yaml.safe_load((REPO / "tests/images/standin.yml").read_text())
    variables.update({
        "multidb_project_name": PROJECT,
        "multidb_network_subnet": SUBNET,
        **{f"multidb_{name}_enabled": False for name in ("mongodb", "weaviate", "objectstore", "scylla")},
        **free_instance_ports(),
    })
    return variables


def private_data_dir(root: Path, name: str, state_home: Path, variables: dict) -> Path:
    """An AWX-shaped private data dir: project/ from `git archive HEAD`, inventory/, env/."""
    pdd = root / name
    (pdd / "project").mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=REPO, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(pdd / "project")], input=archive.stdout, check=True)
    shutil.copytree(pdd / "project/inventories/local", pdd / "inventory")
    (pdd / "env").mkdir()
    (pdd / "env/extravars").write_text(yaml.safe_dump(variables))
    (pdd / "env/envvars").write_text(yaml.safe_dump({
        "ANSIBLE_COLLECTIONS_PATH": IMAGE_COLLECTIONS,
        "MULTIDB_STATE_HOME": str(state_home),
    }))
    return pdd


def run_job(pdd: Path, playbook: str, image: str, state_home: Path, cmdline: str = "") -> dict:
    """One job: ansible-runner with process isolation in the image. Returns its status, rc,
    the runner's stats (the playbook_on_stats event) and every event."""
    # The ident names the job's container (ansible_runner_<ident>): one of its own per run.
    ident = f"{pdd.name}-{os.getpid()}"
    args = [str(Path(sys.executable).parent / "ansible-runner"), "run", str(pdd), "-p", playbook, "--ident", ident,
            "--process-isolation", "--process-isolation-executable", "docker", "--container-image", image,
            "--container-volume-mount", "/var/run/docker.sock:/var/run/docker.sock",
            "--container-volume-mount", f"{state_home}:{state_home}",
            "--container-option=--network=host"]
    if cmdline:
        args += ["--cmdline", cmdline]
    started = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=1800)
    took = time.monotonic() - started
    artifacts = pdd / "artifacts" / ident
    events = [json.loads(Path(p).read_text()) for p in sorted(glob.glob(str(artifacts / "job_events/*.json")))]
    stats = next((e["event_data"] for e in events if e.get("event") == "playbook_on_stats"), None)
    status = (artifacts / "status").read_text().strip() if (artifacts / "status").exists() else "no status"
    return {"status": status, "rc": proc.returncode, "stats": stats, "events": events, "took": took,
            "stdout": (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else proc.stdout}


def check_job(job: dict, what: str, origin: str) -> None:
    if job["status"] != "successful" or job["rc"] != 0 or job["stats"] is None:
        fail(f"{what}: status {job['status']}, rc {job['rc']}\n{job['stdout'][-6000:]}")
    bad = {key: job["stats"].get(key) for key in ("failures", "dark") if job["stats"].get(key)}
    if bad:
        fail(f"{what}: {bad}\n{job['stdout'][-6000:]}")
    # Where the role tasks came from: all from the collection this job ran.
    paths = {e["event_data"].get("task_path", "") for e in job["events"] if e.get("event") == "runner_on_ok"}
    roles = {p for p in paths if "/roles/" in p}
    if not roles or not all(p.startswith(origin) for p in roles):
        fail(f"{what}: role tasks not (only) from {origin}: {sorted(p for p in roles if not p.startswith(origin))[:5]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    parser.add_argument("--image", default=os.environ.get("EE_IMAGE", f"multidb-platform/ee:{galaxy['version']}"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if subprocess.run(["docker", "image", "inspect", args.image], capture_output=True).returncode != 0:
        fail(f"no image {args.image}: make ee first")
    if project_resources():
        fail(f"project {PROJECT} already has {project_resources()} on this engine: remove them first")

    root = Path(tempfile.mkdtemp(prefix="multidb-ee-job-"))
    state_home = root / "state-home"
    state_home.mkdir(mode=0o700)
    state_dir = state_home / PROJECT
    variables = extravars(state_home)
    times = {}
    torn_down = False
    try:
        job = run_job(private_data_dir(root, "job1", state_home, variables), "site.yml", args.image, state_home)
        times["1 site.yml (cold)"] = job["took"]
        check_job(job, "job 1 (site.yml)", PROJECT_DIR)
        services = json.loads((state_dir / "services.json").read_text())
        if sorted(services) != sorted(SERVICES):
            fail(f"job 1: services {sorted(services)}, expected {sorted(SERVICES)}")
        report = json.loads((state_dir / "health-report.json").read_text())
        print(f"ee-job: job 1 converged in {job['took']:.0f} s; health report: {json.dumps(report)[:300]}")
        secrets = {p.name: p.read_text() for p in (state_dir / "secrets").iterdir() if p.is_file()}
        markers = write_sentinels(services, secrets)

        job = run_job(private_data_dir(root, "job2", state_home, variables), "multidb.platform.site", args.image,
                      state_home)
        times["2 multidb.platform.site"] = job["took"]
        check_job(job, "job 2 (multidb.platform.site)", INSTALLED)
        changed = {host: n for host, n in job["stats"].get("changed", {}).items() if n}
        if changed:
            fail(f"job 2 changed something (runner stats): {changed}\n{job['stdout'][-6000:]}")
        missing = missing_sentinels(services, secrets, markers)
        if missing:
            fail(f"job 2: sentinel rows gone from {missing}")
        print(f"ee-job: job 2 (the installed collection) changed=0 on {sorted(job['stats'].get('ok', {}))} in {job['took']:.0f} s; sentinels kept")

        job = run_job(private_data_dir(root, "job3", state_home, variables), "multidb.platform.teardown", args.image,
                      state_home, cmdline="-e multidb_destroy_data=true")
        times["3 multidb.platform.teardown"] = job["took"]
        check_job(job, "job 3 (multidb.platform.teardown)", INSTALLED)
        left = project_resources()
        if left or state_dir.exists():
            fail(f"job 3 left {left} {'and ' + str(state_dir) if state_dir.exists() else ''}")
        torn_down = True
        print(f"ee-job: job 3 removed the instance and its data in {job['took']:.0f} s")
    finally:
        if not torn_down and (project_resources() or state_dir.exists()):
            print("ee-job: removing the instance from the host (teardown.yml, destroy data)", flush=True)
            vars_file = root / "teardown-vars.json"
            vars_file.write_text(json.dumps(variables))
            subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "inventories/local",
                            "-e", f"@{vars_file}", "-e", "multidb_destroy_data=true", "playbooks/teardown.yml"],
                           cwd=REPO, env=dict(os.environ, MULTIDB_STATE_HOME=str(state_home),
                                              ANSIBLE_CONFIG=str(REPO / "ansible.cfg")), timeout=600)
        if args.keep:
            print(f"ee-job: private data dirs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print("ee-job: jobs in", args.image)
    for name, took in times.items():
        print(f"  {name:32s} {took:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
