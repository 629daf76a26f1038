"""No generated secret leaks; state and secret files are private (issue 6).

Every ansible-playbook run of the test session on the instance is made with -v and kept
(conftest.RUNS): site.yml, --check --diff, drift.yml, teardown.yml, status, the fault runs,
backup.yml and restore.yml (whose manifests tests/test_backup.py checks).
This test runs after all of them and asserts that no generated secret (every file in
<state>/secrets/) appears in any of their output, in the Terraform plan output, in any file
of the state directory other than the ones meant to hold secrets, in a container log, or in
a file tracked by git. A kind of run the session did not make is made here first.
Finally the instance is deleted with multidb_destroy_data=true (the data-deleting teardown).
"""

from __future__ import annotations

import stat
import subprocess

import docker
import pytest

from conftest import (REPO, RUNS, containers_of, converge, read_secrets, read_services, run_ops,
                      terraform_plan_exitcode)

pytestmark = pytest.mark.ops(order=4)

# Files whose purpose is to hold secrets (all 0600): the secret files themselves, the
# var-file Terraform reads, and Terraform's state (sensitive values are stored there).
SECRET_HOLDERS = {"secrets.tfvars.json", "terraform.tfstate", "terraform.tfstate.backup"}

# The runs the issue names, each as (what, how to recognise it in RUNS, how to make it).
REQUIRED_RUNS = [
    ("site.yml --check --diff", lambda a: a.startswith("site.yml") and "--check" in a, ("site.yml", "--check", "--diff")),
    ("drift.yml", lambda a: a.startswith("playbooks/drift.yml"), ("playbooks/drift.yml",)),
    ("teardown.yml", lambda a: a.startswith("playbooks/teardown.yml"), ("playbooks/teardown.yml",)),
    ("backup.yml", lambda a: a.startswith("playbooks/backup.yml"), ("playbooks/backup.yml",)),
    ("site.yml", lambda a: a.startswith("site.yml") and "--check" not in a, ("site.yml",)),
]


def _leaks(secrets: dict, text: str) -> list[str]:
    return sorted(name for name, value in secrets.items() if value and value in text)


def test_no_secret_in_outputs_logs_plans_or_tracked_files(ops_state_dir):
    secrets = read_secrets(ops_state_dir)
    assert secrets, "no generated secrets found"
    for what, made, args in REQUIRED_RUNS:
        if not any(made(a) for a, _ in RUNS):
            proc = run_ops(*args)
            assert proc.returncode == 0, f"{what} failed:\n{proc.stdout[-4000:]}"
    if not RUNS[-1][0].startswith("site.yml") or RUNS[-1][1].returncode != 0:
        converge()  # the container logs below are read from a running platform
    outputs = list(RUNS) + [("terraform plan", terraform_plan_exitcode(ops_state_dir))]
    for what, made, _ in REQUIRED_RUNS:
        assert any(made(a) for a, _ in RUNS), f"no {what} run was checked"
    for what, proc in outputs:
        leaked = _leaks(secrets, proc.stdout + proc.stderr)
        assert not leaked, f"{what} shows the secrets {leaked}"
    print(f"checked {len(outputs)} outputs ({sum(len(p.stdout) + len(p.stderr) for _, p in outputs)} characters)")

    # Files of the state directory (reports, services.json, inputs, logs...) other than
    # the ones meant to hold secrets; every file and the directories are private.
    # Only directories and regular files are read: a socket or FIFO (a plugin's, say) cannot
    # be, and is reported as skipped (the interrupt tests assert that no run leaves one).
    skipped = []
    for path in ops_state_dir.rglob("*"):
        if ".terraform" in path.relative_to(ops_state_dir).parts:
            continue
        info = path.lstat()
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISDIR(info.st_mode):
            assert mode == 0o700, f"{path} is {oct(mode)}"
            continue
        if not stat.S_ISREG(info.st_mode):
            skipped.append(f"{path} ({stat.filemode(info.st_mode)[0]})")
            continue
        if path.parent.name == "secrets" or path.name.startswith("terraform.tfstate"):
            assert mode == 0o600, f"{path} is {oct(mode)}"
        if path.parent.name != "secrets" and path.name not in SECRET_HOLDERS:
            assert not _leaks(secrets, path.read_text(errors="replace")), f"{path} holds a secret"
    assert stat.S_IMODE((ops_state_dir / "secrets.tfvars.json").stat().st_mode) == 0o600
    print(f"skipped {len(skipped)} file(s) of the state directory that are not regular files: {skipped}")

    # Container logs and tracked files. An S3 access key ID is an identifier, like a user
    # name (AWS puts key IDs in CloudTrail; Garage logs the key ID of each request): it is
    # kept next to its secret key in secrets/ but is not itself a secret to a server's log.
    secret_values = {k: v for k, v in secrets.items() if not k.endswith("_access_key_id")}
    assert len(secret_values) < len(secrets) and any(k.endswith("_secret_access_key") for k in secret_values)
    client = docker.from_env()
    for name in containers_of(read_services(ops_state_dir)):
        log = client.containers.get(name).logs().decode(errors="replace")
        assert not _leaks(secret_values, log), f"the log of {name} shows a secret"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for rel in filter(None, tracked):
        path = REPO / rel.decode()
        if path.is_file():
            assert not _leaks(secrets, path.read_text(errors="replace")), f"tracked file {rel.decode()} holds a secret"


def test_destroy_data_says_what_it_deletes_then_deletes_it(ops_state_dir, project):
    """Last test of the operations run: deletes the instance. Without the variable nothing
    with data is removed (test_operations); with it, the volumes and the state directory go,
    after the run has named them."""
    client = docker.from_env()
    volumes = sorted(v.name for v in client.volumes.list(filters={"label": f"project={project}"}))
    assert volumes
    proc = run_ops("playbooks/teardown.yml", "-e", "multidb_destroy_data=true")
    assert proc.returncode == 0, proc.stdout[-5000:]
    announced = proc.stdout.index("DELETING the data")
    assert all(v in proc.stdout[announced:] for v in volumes) and str(ops_state_dir) in proc.stdout[announced:]
    assert announced < proc.stdout.index("Destroy everything Terraform manages")
    for kind in (client.containers.list(all=True, filters={"label": f"project={project}"}),
                 client.networks.list(filters={"label": f"project={project}"}),
                 client.volumes.list(filters={"label": f"project={project}"})):
        assert kind == [], kind
    assert not ops_state_dir.exists()
