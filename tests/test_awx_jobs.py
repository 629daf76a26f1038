"""Jobs as AWX runs them (issue 14): ansible-runner's `transmit | worker | process`, the path
AWX sends a job over receptor to an execution node, on private data directories shaped as AWX
writes them:

  project/                   a `git archive` of HEAD: AWX's project sync. Nothing of `make setup`:
                             multidb.platform resolves through the tracked link
                             collections/ansible_collections/multidb/platform
  requirements_collections/  what AWX's project update installs from collections/requirements.yml.
                             Galaxy is unreachable here: cloud.terraform is the shim in compat/,
                             exactly what `make setup` installs; the other collections are the
                             `ansible` package's, as in an execution environment
  inventory/hosts            an executable printing the inventory as AWX's inventory import of
                             inventories/local made it (`ansible-inventory --list --export`)
  env/extravars              the job template's extra vars, the survey answers and the credentials'
                             extra vars
  env/envvars                the credentials' environment
The credentials are the project's own credential types (playbooks/awx/definitions.yml, the
filter awx_secrets_credential_type) injected as AWX injects them (tests/awx_credentials.py):
"state backend" (S3 bucket, endpoint, keys) on both jobs, "secrets local" (the inventory's
environment) on the second.

The worker runs in an environment of its own, as in an execution environment: PATH (the tools),
an empty HOME, TF_CLI_CONFIG_FILE; none of this checkout's variables (ANSIBLE_CONFIG, the state
home). Job 1 converges an instance (every service, one ScyllaDB node) whose Terraform state is in
S3 and whose secrets the platform generates into Secrets Manager (moto, a real AWS API on this
machine). Job 2 runs in a fresh private data dir and HOME with the same state and the secrets from
the platform-secrets credential: the runner's own stats (the playbook_on_stats event AWX stores as
host summaries) say changed=0. No secret appears in any event of either job (AWX keeps every event
in its database). The instance is destroyed with its data at the end.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

import awx_credentials
from conftest import (REPO, aws_client, free_instance_ports, managed_resources, moto_server, project_containers,
                      project_objects, record)

# An instance of its own with one ScyllaDB node (no cluster formation beside the molecule
# instance's): `make test` runs it in the beside stage.
pytestmark = pytest.mark.beside(order=5)

PROJECT = "multidb-ci-awx"
BUCKET = "multidb-ci-awx-tfstate"
# Not a secret: moto accepts any credentials; the jobs get them as AWX injects a credential.
AWS_ENV = {"AWS_ACCESS_KEY_ID": "multidb-ci-awx", "AWS_SECRET_ACCESS_KEY": "multidb-ci-awx-not-a-secret",
           "AWS_DEFAULT_REGION": "us-east-1"}


def _project(workdir: Path) -> Path:
    """HEAD as AWX's project sync leaves it (a clean tree: no collections installed, no venv)."""
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=REPO, capture_output=True, timeout=120)
    assert archive.returncode == 0, archive.stderr.decode()
    project = workdir / "project"
    project.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(project, filter="tar")
    return project


def _requirements_collections(project: Path, into: Path) -> None:
    """AWX's project update: collections/requirements.yml into requirements_collections. Galaxy is
    not reachable from this machine, so (as `make setup` does) the cloud.terraform shim."""
    requirements = yaml.safe_load((project / "collections/requirements.yml").read_text())
    assert {c["name"] for c in requirements["collections"]} >= {"cloud.terraform"}
    done = subprocess.run([str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "install", "--no-deps",
                           "--force", str(project / "compat/cloud.terraform"), "-p", str(into)],
                          capture_output=True, text=True, timeout=300, cwd=project, env=_worker_env(into.parent / "home"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (into / "ansible_collections/cloud/terraform/MANIFEST.json").is_file(), done.stdout


def _inventory(project: Path, into: Path) -> None:
    """AWX's inventory import of the project's inventories/local, handed to the job as a script."""
    listed = subprocess.run(["ansible-inventory", "-i", str(project / "inventories/local"), "--list", "--export"],
                            capture_output=True, text=True, timeout=300, cwd=project,
                            env=dict(os.environ, ANSIBLE_CONFIG=str(project / "ansible.cfg")))
    assert listed.returncode == 0, listed.stderr
    inventory = json.loads(listed.stdout)
    assert set(inventory["multidb_services"]["hosts"]) >= {"postgres", "redis"}, inventory.keys()
    into.mkdir(parents=True)
    script = into / "hosts"
    script.write_text(f"#!{sys.executable}\nprint({json.dumps(inventory)!r})\n")
    script.chmod(0o700)


def _worker_env(home: Path) -> dict:
    """An execution environment's variables: the tools on PATH, its own HOME, nothing of ours."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
    for name in ("TF_CLI_CONFIG_FILE", "DOCKER_HOST", "TMPDIR"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def _job(tmp: Path, name: str, extravars: dict, envvars: dict) -> dict:
    """One job through `ansible-runner transmit | worker | process`; its events and status."""
    pdd = tmp / name
    project = _project(pdd)
    _requirements_collections(project, pdd / "requirements_collections")
    _inventory(project, pdd / "inventory")
    (pdd / "env").mkdir()
    (pdd / "env/extravars").write_text(json.dumps(extravars))
    # The worker unpacks the job into its own private data dir (AWX: /runner in the execution
    # environment) and points the collections path at its requirements_collections there.
    worker_dir = tmp / f"{name}-worker"
    (pdd / "env/envvars").write_text(json.dumps(dict(
        envvars, ANSIBLE_COLLECTIONS_PATH=str(worker_dir / "requirements_collections"), ANSIBLE_NOCOLOR="1")))
    for path in [pdd / "env/extravars", pdd / "env/envvars"]:
        path.chmod(0o600)
    home = tmp / f"{name}-home"
    home.mkdir()
    out = tmp / f"{name}-processed"
    runner = [str(Path(sys.executable).parent / "ansible-runner")]
    errors = {step: open(tmp / f"{name}-{step}.stderr", "w+") for step in ("transmit", "worker")}
    transmit = subprocess.Popen([*runner, "transmit", str(pdd), "-p", "site.yml", "--ident", name],
                                stdout=subprocess.PIPE, stderr=errors["transmit"], env=_worker_env(home))
    worker = subprocess.Popen([*runner, "worker", "--private-data-dir", str(worker_dir)],
                              stdin=transmit.stdout, stdout=subprocess.PIPE, stderr=errors["worker"],
                              env=_worker_env(home))
    transmit.stdout.close()
    process = subprocess.run([*runner, "process", str(out), "--ident", name], stdin=worker.stdout,
                             capture_output=True, text=True, timeout=1500, env=_worker_env(home))
    worker.stdout.close()
    # The worker exits with the playbook's code: the job's outcome is read from its status below.
    codes = {"transmit": transmit.wait(timeout=60), "worker": worker.wait(timeout=60), "process": process.returncode}
    stderr = {}
    for step, err in errors.items():
        err.seek(0)
        stderr[step] = err.read()
        err.close()
    assert codes["transmit"] == 0 and codes["process"] == 0, (codes, stderr, process.stderr[-3000:])
    record(["ansible-runner", "transmit|worker|process", name], process)
    artifacts = out / "artifacts" / name
    events = [json.loads(Path(f).read_text()) for f in sorted(glob.glob(str(artifacts / "job_events/*.json")),
                                                               key=lambda f: int(Path(f).name.split("-")[0]))]
    status = (artifacts / "status").read_text().strip() if (artifacts / "status").exists() else "missing"
    return {"events": events, "status": status, "stdout": process.stdout + stderr["worker"][-3000:], "home": home,
            "rc": codes["worker"]}


def _stats(job: dict) -> dict:
    """The runner's own stats: the playbook_on_stats event (AWX's host summaries)."""
    stats = [e["event_data"] for e in job["events"] if e.get("event") == "playbook_on_stats"]
    assert len(stats) == 1, f"{len(stats)} playbook_on_stats events; status {job['status']}:\n{job['stdout'][-5000:]}"
    return stats[0]


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with moto_server() as endpoint:
        s3 = aws_client("s3", endpoint, AWS_ENV)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield endpoint


def _survey() -> dict:
    """The job template's extra vars and the answers: an instance of its own."""
    answers = {"multidb_project_name": PROJECT, "multidb_network_subnet": "10.213.13.0/24",
               "multidb_scylla_node_count": 1, "multidb_network_recreate": "no", **free_instance_ports()}
    if os.environ.get("MULTIDB_IMAGE_VARS"):  # the stand-in images: the job template's extra vars
        answers.update(yaml.safe_load(Path(os.environ["MULTIDB_IMAGE_VARS"]).read_text()))
    return answers


def _state_credential(endpoint: str) -> tuple[dict, dict]:
    """(env, extra vars) of the job's "state backend" credential: moto's S3."""
    return awx_credentials.inject(awx_credentials.STATE_TYPE, {
        "bucket": BUCKET, "region": AWS_ENV["AWS_DEFAULT_REGION"], "endpoint_url": endpoint, "path_style": True,
        "access_key": AWS_ENV["AWS_ACCESS_KEY_ID"], "secret_key": AWS_ENV["AWS_SECRET_ACCESS_KEY"]})


def _stored_secrets(endpoint: str) -> dict:
    secret = aws_client("secretsmanager", endpoint, AWS_ENV).get_secret_value(SecretId=f"multidb/{PROJECT}/local")
    return json.loads(secret["SecretString"])


def test_two_awx_jobs_converge_then_change_nothing_and_no_event_holds_a_secret(aws, tmp_path):
    # Secrets Manager as the secrets store: the inventory's choice (group_vars), given here as
    # the job template's extra vars.
    survey = {**_survey(), "multidb_secrets_backend": "aws_secretsmanager", "multidb_secrets_aws_endpoint_url": aws}
    state_env, state_vars = _state_credential(aws)
    try:
        first = _job(tmp_path, "job1", {**survey, **state_vars}, state_env)
        assert first["status"] == "successful", first["stdout"][-6000:]
        stats = _stats(first)
        assert not stats.get("failures") and not stats.get("dark"), stats
        assert sum(stats["changed"].values()) > 0, stats
        assert {f"{PROJECT}-postgres", f"{PROJECT}-redis", f"{PROJECT}-scylla-node1"} <= project_containers(PROJECT)
        stored = _stored_secrets(aws)
        names = [field["id"] for field in awx_credentials.secrets_type("local")["inputs"]["fields"]]
        assert set(names) <= set(stored), sorted(stored)
        secrets = {name: stored[name] for name in names}

        # A second job: fresh private data dir and HOME; the secrets from the platform-secrets
        # credential (the same values: nothing to rotate), Secrets Manager as the store.
        secrets_env, secrets_vars = awx_credentials.inject(awx_credentials.secrets_type("local"), secrets)
        second = _job(tmp_path, "job2", {**survey, **state_vars, **secrets_vars}, {**state_env, **secrets_env})
        assert second["status"] == "successful", second["stdout"][-6000:]
        stats = _stats(second)
        assert not stats.get("failures") and not stats.get("dark"), stats
        assert set(stats["ok"]) >= {"localhost", "postgres", "scylla"}, stats
        changed = {host: n for host, n in stats["changed"].items() if n}
        assert not changed, f"the second job changed something: {changed}\n" + "\n".join(
            f"{e['event_data'].get('host')}: {e['event_data'].get('task')}" for e in second["events"]
            if e.get("event") == "runner_on_ok" and e["event_data"].get("res", {}).get("changed"))
        assert _stored_secrets(aws) == stored

        # AWX stores every event: none may hold a secret (generated by job 1, supplied to job 2
        # by the secrets credential, the state credential's secret key).
        supplied = {**stored, "state credential secret_key": AWS_ENV["AWS_SECRET_ACCESS_KEY"]}
        for job in (first, second):
            text = json.dumps(job["events"])
            leaked = sorted(name for name, value in supplied.items() if value in text)
            assert not leaked, f"secrets in the events of a job: {leaked}"
            # the state is in S3 only (.terraform/terraform.tfstate names the backend: no resources)
            held = [path for path in Path(job["home"]).rglob("*") if path.is_file() and path.suffix in (
                ".tfstate", ".backup", ".json") and managed_resources(path.read_text(errors="replace"))]
            assert not held, f"a Terraform state on the worker's disk: {held}"
    finally:
        env = dict(os.environ, MULTIDB_STATE_HOME=str(tmp_path / "teardown-home"), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                   **AWS_ENV)
        vars_file = tmp_path / "teardown.json"
        vars_file.write_text(json.dumps({**survey, **state_vars, "multidb_destroy_data": True}))
        cmd = ["ansible-playbook", "-i", str(REPO / "inventories/local"), "-e", f"@{vars_file}",
               "playbooks/teardown.yml"]
        record(cmd, subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600))
        shutil.rmtree(tmp_path / "job1-home", ignore_errors=True)
    assert project_objects(PROJECT) == []
