"""Remote state: the Terraform state of an instance in S3 (a real S3 API on this machine).

moto's server (its own venv, `make setup`) runs on 127.0.0.1 for this module, with a bucket
made by playbooks/state-bucket.yml. One Redis-only instance of its own (project
multidb-ci-s3state, ports from the OS, its own subnet and state homes) keeps its state there:
- converged from this checkout: the state object is encrypted, no state is on local disk, and
  the secrets are one Secrets Manager secret (multidb_secrets_backend aws_secretsmanager), not
  files;
- a second clone with an empty state home that finds no secrets (local backend, or another
  Secrets Manager name) is refused before Terraform and changes nothing; with the secrets from
  Secrets Manager, or as overrides, it takes the instance over: Terraform changes nothing, no
  container is recreated, and its next run reports changed=0;
- a lock held by another process: a clear error naming the lock; the state is byte-identical;
  once the lock is gone the next run converges.
Terraform and OpenTofu take turns on the same state (CI runs both): OpenTofu creates the
instance, Terraform takes it over from the second clone and applies a change, OpenTofu plans
(--check) that state and applies the next change, Terraform plans it again; each binary
leaves its own provider address in the state and reads the other's.
The instance is destroyed with its data at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import (AWS_USER_VALUES, REPO, aws_client, free_port_blocks, link_collections, managed_resources,
                      moto_server, project_containers, read_secrets, read_services, recap_changed, record)
from sentinels import missing_sentinels, write_sentinels

# A Redis-only instance of its own and moto: `make test` runs this module beside the others.
pytestmark = pytest.mark.beside

PROJECT = "multidb-ci-s3state"
BUCKET = "multidb-ci-tfstate"
KEY = f"multidb/{PROJECT}/local.tfstate"
SERVICES = ("postgres", "redis", "mongodb", "weaviate", "objectstore", "scylla")
# Not a secret: moto accepts any credentials; the platform must take them from the environment.
AWS_ENV = {"AWS_ACCESS_KEY_ID": "multidb-ci", "AWS_SECRET_ACCESS_KEY": "multidb-ci-not-a-secret",
           "AWS_DEFAULT_REGION": "us-east-1"}


def _terraform() -> str:
    """Terraform >= 1.10 (the S3 lock file), or skip what needs it: `make setup` builds OpenTofu only."""
    found = shutil.which("terraform")
    if found:
        version = subprocess.run([found, "version", "-json"], capture_output=True, text=True, timeout=60)
        if version.returncode == 0:
            parts = [int(p) for p in json.loads(version.stdout)["terraform_version"].split(".")[:2]]
            if parts >= [1, 10]:
                return found
    pytest.skip("no Terraform >= 1.10 on PATH: the switch between Terraform and OpenTofu is not tested")


def _binary(name: str) -> list[str]:
    return ["-e", f"multidb_terraform_binary={_terraform() if name == 'terraform' else 'tofu'}"]


def _state_provider(endpoint: str) -> set[str]:
    state = json.loads(_s3(endpoint).get_object(Bucket=BUCKET, Key=KEY)["Body"].read())
    return {r["provider"] for r in state["resources"]}


TOFU_PROVIDER = 'provider["registry.opentofu.org/kreuzwerker/docker"]'
TERRAFORM_PROVIDER = 'provider["registry.terraform.io/kreuzwerker/docker"]'


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's server on a port the OS chose; stopped (and its data gone) after the module."""
    with moto_server() as endpoint:
        yield endpoint


def _s3(endpoint: str):
    return aws_client("s3", endpoint, AWS_ENV)


OUTPUTS: list[str] = []  # every playbook's output in this module, scanned for secrets at the end


def _playbook(tree: Path, state_home: Path, args: list[str], timeout: int = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(tree / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               MULTIDB_STATE_HOME=str(state_home), **AWS_ENV)
    cmd = ["ansible-playbook", "-v", "-i", str(tree / "inventories/local"), *args]
    image_vars = os.environ.get("MULTIDB_IMAGE_VARS")
    if image_vars:
        cmd += ["-e", f"@{image_vars}"]
    proc = record(cmd, subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout))
    OUTPUTS.append(proc.stdout + proc.stderr)
    return proc


SECRET_NAME = f"multidb/{PROJECT}/local"


def _stored_secrets(endpoint: str) -> dict[str, str]:
    return json.loads(aws_client("secretsmanager", endpoint, AWS_ENV).get_secret_value(SecretId=SECRET_NAME)["SecretString"])


def _ok(proc: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"{what} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def instance(s3_endpoint, tmp_path_factory):
    """The instance's settings (Redis only, S3 state on moto) and its two state homes."""
    (redis_port,) = free_port_blocks([1])
    args = ["-e", f"multidb_project_name={PROJECT}", "-e", "multidb_network_subnet=10.213.6.0/24",
            "-e", f"multidb_redis_port={redis_port}",
            "-e", "multidb_state_backend=s3", "-e", f"multidb_state_s3_bucket={BUCKET}",
            "-e", f"multidb_state_s3_endpoint_url={s3_endpoint}", "-e", "multidb_state_s3_path_style=true"]
    for svc in SERVICES:
        args += ["-e", f"multidb_{svc}_enabled={'true' if svc == 'redis' else 'false'}"]
    # The instance keeps its secrets in Secrets Manager; "local_secrets" runs keep them in files.
    in_sm = ["-e", "multidb_secrets_backend=aws_secretsmanager", "-e", f"multidb_secrets_aws_endpoint_url={s3_endpoint}"]
    first, second = tmp_path_factory.mktemp("s3-first-home"), tmp_path_factory.mktemp("s3-second-home")
    yield {"args": args + in_sm, "local_secrets": args + ["-e", "multidb_secrets_backend=local"], "first": first,
           "second": second, "endpoint": s3_endpoint}
    _playbook(REPO, first, ["playbooks/teardown.yml", *args, *in_sm, "-e", "multidb_destroy_data=true",
                            "-e", "multidb_terraform_binary=tofu"])
    assert project_containers(PROJECT) == set(), "the S3-state test instance was not destroyed"


@pytest.fixture
def second_clone(tmp_path):
    """A clone of this repository in another directory, with the collections it runs with."""
    tree = tmp_path / "clone"
    cloned = subprocess.run(["git", "clone", "-q", "--shared", str(REPO), str(tree)], capture_output=True, text=True,
                            timeout=120)
    assert cloned.returncode == 0, cloned.stderr
    link_collections(tree)
    return tree


def test_state_bucket_playbook_is_idempotent_and_makes_a_versioned_encrypted_private_bucket(s3_endpoint):
    args = ["playbooks/state-bucket.yml", "-e", f"multidb_state_s3_bucket={BUCKET}",
            "-e", f"multidb_state_s3_endpoint_url={s3_endpoint}", "-e", "multidb_state_s3_path_style=true"]
    home = REPO / ".pytest-unused-state-home"
    first = _ok(_playbook(REPO, home, args), "state-bucket.yml")
    assert recap_changed(first.stdout) > 0
    assert recap_changed(_ok(_playbook(REPO, home, args), "state-bucket.yml again").stdout) == 0
    s3 = _s3(s3_endpoint)
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4, block
    assert not home.exists()


def test_converges_with_the_state_in_s3_and_none_on_local_disk(instance):
    _ok(_playbook(REPO, instance["first"], ["site.yml", *instance["args"], *_binary("tofu")]),
        "site.yml with S3 state (OpenTofu)")
    s3 = _s3(instance["endpoint"])
    head = s3.head_object(Bucket=BUCKET, Key=KEY)
    assert head["ServerSideEncryption"] == "AES256"
    state = json.loads(s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())
    assert any(r["type"] == "docker_container" for r in state["resources"])
    # Nothing on local disk holds a state (.terraform/terraform.tfstate names the backend only:
    # no resources; OpenTofu writes it with an empty legacy `modules` list).
    for path in instance["first"].rglob("*"):
        if path.is_file() and path.suffix in (".tfstate", ".backup", ".json"):
            assert not managed_resources(path.read_text(errors="replace")), f"{path} holds a Terraform state"
    assert not (instance["first"] / PROJECT / "terraform.tfstate").exists()
    assert project_containers(PROJECT) == {f"{PROJECT}-redis"}
    # The secrets: in Secrets Manager (every one the platform needs), not on local disk.
    stored = _stored_secrets(instance["endpoint"])
    assert "redis_app_password" in stored and all(len(v) >= 16 for v in stored.values()), sorted(stored)
    assert not (instance["first"] / PROJECT / "secrets").exists()
    assert _state_provider(instance["endpoint"]) == {TOFU_PROVIDER}
    assert subprocess.run(["git", "status", "--porcelain", "--", "terraform"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout == "", "the run changed the checkout's Terraform tree"


def _state_bytes(endpoint: str) -> tuple[bytes, int]:
    s3 = _s3(endpoint)
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=KEY).get("Versions", [])
    return s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read(), len([v for v in versions if v["Key"] == KEY])


def _container_id(name: str) -> str:
    return subprocess.run(["docker", "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_second_clone_without_the_secrets_is_refused_before_terraform(instance, second_clone):
    before, container = _state_bytes(instance["endpoint"]), _container_id(f"{PROJECT}-redis")
    for where, args in ((f"{instance['second']}/{PROJECT}/secrets", instance["local_secrets"]),
                        (f"the AWS Secrets Manager secret elsewhere/{PROJECT}/local (region us-east-1, endpoint "
                         f"{instance['endpoint']})", [*instance["args"], "-e", "multidb_secrets_aws_prefix=elsewhere"])):
        proc = _playbook(second_clone, instance["second"], ["site.yml", *args])
        assert proc.returncode != 0
        out = re.sub(r"\s+", " ", proc.stdout)
        assert "Refused before any change: the instance exists" in out, proc.stdout[-3000:]
        assert f"s3://{BUCKET}/{KEY}" in out and f"looked in {where} and in the overrides" in out, out[-3000:]
        assert "multidb.platform.provision : Run Terraform" not in proc.stdout
        assert _state_bytes(instance["endpoint"]) == before
        assert _container_id(f"{PROJECT}-redis") == container
        assert not (instance["second"] / PROJECT).exists(), "the refused run wrote to its state home"


def _takes_over(proc: subprocess.CompletedProcess, container: str, state: bytes, endpoint: str) -> None:
    run_terraform = re.search(r"TASK \[multidb\.platform\.provision : Run Terraform[^\n]*\n(\w+):", proc.stdout)
    assert run_terraform and run_terraform.group(1) == "ok", "Terraform changed something for the second clone"
    assert _container_id(f"{PROJECT}-redis") == container
    assert re.search(r"^redis\s+:.*changed=0 ", proc.stdout, re.M), "the second clone changed Redis"
    assert _state_bytes(endpoint)[0] == state


def test_a_second_clone_with_the_secrets_in_secrets_manager_takes_the_instance_over(instance, second_clone, tmp_path):
    before, container = _state_bytes(instance["endpoint"]), _container_id(f"{PROJECT}-redis")
    stored = _stored_secrets(instance["endpoint"])
    # What a scheduled AWX status job does: no services.json, no secret files on this machine.
    status = _ok(_playbook(second_clone, tmp_path / "empty-home", ["playbooks/status.yml", *instance["args"]]),
                 "status.yml from the second clone with an empty state home")
    report = json.loads((tmp_path / "empty-home" / PROJECT / "health-report.json").read_text())
    assert report["status"] == "healthy", (report, status.stdout[-3000:])
    proc = _ok(_playbook(second_clone, tmp_path / "empty-home", ["site.yml", *instance["args"]]),
               "site.yml from the second clone (secrets from Secrets Manager)")
    _takes_over(proc, container, before[0], instance["endpoint"])
    assert _stored_secrets(instance["endpoint"]) == stored
    assert not (tmp_path / "empty-home" / PROJECT / "secrets").exists()


def test_a_second_clone_with_the_secrets_as_overrides_takes_the_instance_over(instance, second_clone, tmp_path):
    overrides = tmp_path / "overrides.json"  # in the test's private temporary directory
    overrides.write_text(json.dumps({"multidb_secrets_overrides": _stored_secrets(instance["endpoint"])}))
    overrides.chmod(0o600)
    before, container = _state_bytes(instance["endpoint"]), _container_id(f"{PROJECT}-redis")
    # Secrets kept in files by this clone; Terraform now, on the state OpenTofu wrote.
    args = ["site.yml", *instance["local_secrets"], "-e", f"@{overrides}", *_binary("terraform")]

    first = _ok(_playbook(second_clone, instance["second"], args), "site.yml from the second clone (Terraform)")
    _takes_over(first, container, before[0], instance["endpoint"])

    again = _ok(_playbook(second_clone, instance["second"], args), "site.yml from the second clone, again")
    assert recap_changed(again.stdout) == 0
    assert _container_id(f"{PROJECT}-redis") == container


def _redis_memory(name: str) -> int:
    return int(subprocess.run(["docker", "inspect", "-f", "{{.HostConfig.Memory}}", name], capture_output=True,
                              text=True, check=True).stdout) // (1024 * 1024)


def test_terraform_and_opentofu_apply_and_plan_each_others_state(instance):
    """Each binary applies a change over the other's state and plans the result as it is."""
    base = ["site.yml", *instance["args"]]
    _ok(_playbook(REPO, instance["first"], [*base, "-e", "multidb_redis_memory_mb=384", *_binary("terraform")]),
        "Terraform applies a change to OpenTofu's state")
    assert _state_provider(instance["endpoint"]) == {TERRAFORM_PROVIDER}
    assert _redis_memory(f"{PROJECT}-redis") == 384

    plan = _ok(_playbook(REPO, instance["first"], [*base, "-e", "multidb_redis_memory_mb=384", "--check",
                                                   *_binary("tofu")]), "OpenTofu --check on Terraform's state")
    assert recap_changed(plan.stdout) == 0, plan.stdout[-3000:]

    _ok(_playbook(REPO, instance["first"], [*base, *_binary("tofu")]), "OpenTofu applies a change to Terraform's state")
    assert _state_provider(instance["endpoint"]) == {TOFU_PROVIDER}
    assert _redis_memory(f"{PROJECT}-redis") != 384
    # Terraform plans OpenTofu's state next: the run after the lock test.


LOCK_TABLE = "multidb-ci-tflocks"


def test_a_lock_held_by_another_process_is_named_and_the_state_left_alone(instance):
    """Held as the lock file next to the state, then as an item of the DynamoDB lock table."""
    s3, endpoint = _s3(instance["endpoint"]), instance["endpoint"]
    dynamodb = aws_client("dynamodb", endpoint, AWS_ENV)
    dynamodb.create_table(TableName=LOCK_TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}])
    with_table = ["-e", f"multidb_state_s3_lock_table={LOCK_TABLE}"]
    # What Terraform's S3 backend writes while a run holds the lock: an object next to the state,
    # and with a lock table an item whose LockID is <bucket>/<key>.
    lock = json.dumps({"ID": "5d1d5a2e-0000-4000-8000-multidbci0001", "Operation": "OperationTypeApply", "Info": "",
                       "Who": "someone@another-runner", "Version": "1.11.4", "Created": "2026-12-02T00:00:00Z",
                       "Path": f"{BUCKET}/{KEY}"})
    holds = (
        ([], f"s3://{BUCKET}/{KEY}.tflock",
         lambda: s3.put_object(Bucket=BUCKET, Key=f"{KEY}.tflock", Body=lock.encode()),
         lambda: s3.delete_object(Bucket=BUCKET, Key=f"{KEY}.tflock")),
        (with_table, f"the item of {BUCKET}/{KEY} in the DynamoDB table {LOCK_TABLE}",
         lambda: dynamodb.put_item(TableName=LOCK_TABLE, Item={"LockID": {"S": f"{BUCKET}/{KEY}"}, "Info": {"S": lock}}),
         lambda: dynamodb.delete_item(TableName=LOCK_TABLE, Key={"LockID": {"S": f"{BUCKET}/{KEY}"}})),
    )
    for extra, named, hold, release in holds:
        hold()
        before = _state_bytes(endpoint)
        try:
            proc = _playbook(REPO, instance["first"], ["site.yml", *instance["args"], *extra,
                                                       "-e", "provision_lock_timeout=2", *_binary("tofu")])
            assert proc.returncode != 0
            out = re.sub(r"\s+", " ", proc.stdout)
            assert "Another Terraform run holds the state lock" in out, proc.stdout[-3000:]
            assert named in out and "force-unlock" in out, (named, proc.stdout[-3000:])
            assert _state_bytes(endpoint) == before
        finally:
            release()
    after = _ok(_playbook(REPO, instance["first"], ["site.yml", *instance["args"], *with_table, *_binary("terraform")]),
                "site.yml once the lock is gone (Terraform, on OpenTofu's state, with the lock table)")
    assert recap_changed(after.stdout) == 0


def test_drift_plans_against_the_state_in_s3_from_an_empty_state_home(instance, tmp_path):
    """A weekly drift job in a fresh AWX container: state, contract and secrets from AWS only."""
    proc = _playbook(REPO, tmp_path, ["playbooks/drift.yml", *instance["args"], *_binary("tofu")])
    assert proc.returncode == 0, f"drift.yml on the S3 state failed:\n{proc.stdout[-4000:]}"
    report = json.loads((tmp_path / PROJECT / "drift-report.json").read_text())
    assert report["drifted"] is False and report["terraform_changes"] == [], report


MIGRATE_PROJECT = "multidb-ci-migrate"
UNVERSIONED_BUCKET = "multidb-ci-unversioned"


def test_an_instance_with_local_state_moves_to_s3_by_one_command_keeping_containers_and_data(s3_endpoint, tmp_path):
    """playbooks/migrate-state.yml (make migrate-state): Terraform's init -migrate-state, secrets to Secrets Manager."""
    (redis_port,) = free_port_blocks([1])
    home, state_dir = tmp_path / "home", tmp_path / "home" / MIGRATE_PROJECT
    base = ["-e", f"multidb_project_name={MIGRATE_PROJECT}", "-e", "multidb_network_subnet=10.213.10.0/24",
            "-e", f"multidb_redis_port={redis_port}"]
    for svc in SERVICES:
        base += ["-e", f"multidb_{svc}_enabled={'true' if svc == 'redis' else 'false'}"]
    # A bucket made elsewhere, without versioning: the platform uses it and says so on every run.
    _s3(s3_endpoint).create_bucket(Bucket=UNVERSIONED_BUCKET)
    to_s3 = ["-e", "multidb_state_backend=s3", "-e", f"multidb_state_s3_bucket={UNVERSIONED_BUCKET}",
             "-e", f"multidb_state_s3_endpoint_url={s3_endpoint}", "-e", "multidb_state_s3_path_style=true",
             "-e", "multidb_secrets_backend=aws_secretsmanager", "-e", f"multidb_secrets_aws_endpoint_url={s3_endpoint}"]
    key, secret_name = f"multidb/{MIGRATE_PROJECT}/local.tfstate", f"multidb/{MIGRATE_PROJECT}/local"
    sm = aws_client("secretsmanager", s3_endpoint, AWS_ENV)
    try:
        _ok(_playbook(REPO, home, ["site.yml", *base]), "site.yml with the local backend")
        markers = write_sentinels(read_services(state_dir), read_secrets(state_dir))
        container, secrets = _container_id(f"{MIGRATE_PROJECT}-redis"), read_secrets(state_dir)

        refused = _playbook(REPO, home, ["site.yml", *base, *to_s3])
        assert refused.returncode != 0, refused.stdout[-3000:]
        refused_text = re.sub(r"\s+", " ", refused.stdout)
        assert "Move it first with playbooks/migrate-state.yml" in refused_text, refused.stdout[-3000:]
        assert (f"WARNING: the state bucket {UNVERSIONED_BUCKET} does not keep versions (versioning: never enabled)"
                in refused_text), refused.stdout[-3000:]
        assert all(s["Name"] != secret_name for s in sm.list_secrets()["SecretList"]), "the refused run wrote secrets"

        _ok(_playbook(REPO, home, ["playbooks/migrate-state.yml", *base, *to_s3]), "migrate-state.yml")
        assert not (state_dir / "terraform.tfstate").exists()
        assert len(list(state_dir.glob("terraform.tfstate.migrated-*"))) == 1
        state = json.loads(_s3(s3_endpoint).get_object(Bucket=UNVERSIONED_BUCKET, Key=key)["Body"].read())
        assert any(r["type"] == "docker_container" for r in state["resources"])
        assert json.loads(sm.get_secret_value(SecretId=secret_name)["SecretString"]) == secrets

        after = _ok(_playbook(REPO, home, ["site.yml", *base, *to_s3]), "site.yml on the migrated S3 state")
        assert recap_changed(after.stdout) == 0, after.stdout[-3000:]
        assert _container_id(f"{MIGRATE_PROJECT}-redis") == container
        assert missing_sentinels(read_services(state_dir), secrets, markers) == []
    finally:
        # With the S3 state; with the local one if the migration did not happen.
        _playbook(REPO, home, ["playbooks/teardown.yml", *base, *to_s3, "-e", "multidb_destroy_data=true"])
        if project_containers(MIGRATE_PROJECT):
            _playbook(REPO, home, ["playbooks/teardown.yml", *base, "-e", "multidb_destroy_data=true"])
        assert project_containers(MIGRATE_PROJECT) == set(), "the migration test instance was not destroyed"


def test_no_secret_in_the_bucket_the_logs_or_the_state_homes_besides_where_they_belong(instance):
    """Secrets are in the state object (Terraform's own, encrypted), Secrets Manager and the files
    that exist to hold them (secrets/, secrets.tfvars.json): nowhere else."""
    values = [v for v in _stored_secrets(instance["endpoint"]).values() if len(v) >= 16]
    assert values
    s3 = _s3(instance["endpoint"])
    others = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []) if o["Key"] != KEY]
    places = {f"s3://{BUCKET}/{key}": s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode(errors="replace")
              for key in others}
    places.update({f"playbook output {i}": out for i, out in enumerate(OUTPUTS)})
    for home in (instance["first"], instance["second"]):
        for path in home.rglob("*"):
            if path.is_file() and path.name != "secrets.tfvars.json" and path.parent.name != "secrets":
                places[str(path)] = path.read_text(errors="replace")
    assert len(OUTPUTS) >= 10
    leaks = sorted(where for where, text in places.items() for value in values if value in text)
    assert leaks == [], f"a secret is in {leaks}"


def _aws_preflight(endpoint: str, tmp_path: Path, credentials: dict, account: str) -> subprocess.CompletedProcess:
    """The preflight of inventories/aws with the values a user must give, moto as the AWS API."""
    home = tmp_path / f"home-{account or 'any'}-{len(credentials)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", MULTIDB_STATE_HOME=str(home),
               AWS_ENDPOINT_URL=endpoint, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), **credentials)
    extra = dict(AWS_USER_VALUES, multidb_state_s3_bucket=BUCKET, multidb_aws_account_id=account)
    cmd = ["ansible-playbook", "-i", str(REPO / "inventories/aws"), "-e", json.dumps(extra), "playbooks/preflight.yml"]
    proc = record(cmd, subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120))
    assert not home.exists(), "the preflight wrote to the state home"
    return proc


def test_the_aws_inventories_check_whose_credentials_the_run_holds(s3_endpoint, tmp_path):
    """Before anything reads the state bucket or the secret: STS says whose credentials these are
    (moto's account is 123456789012); another account than multidb_aws_account_id, or no
    credentials at all, is refused naming it."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        right, wrong, none = pool.map(lambda args: _aws_preflight(s3_endpoint, tmp_path, *args), [
            (AWS_ENV, "123456789012"), (AWS_ENV, "999999999999"), ({}, "")])
    assert right.returncode == 0, right.stdout[-3000:]
    assert "AWS account 123456789012, as arn:aws:sts::123456789012:" in right.stdout
    flat = re.sub(r"\s+", " ", wrong.stdout)
    assert wrong.returncode != 0 and "Refused before any change: multidb_aws_account_id is 999999999999, but these " \
        "credentials (arn:aws:sts::123456789012:user/moto) are of account 123456789012" in flat, wrong.stdout[-3000:]
    flat = re.sub(r"\s+", " ", none.stdout)
    assert none.returncode != 0 and "no usable AWS credentials for region us-east-1" in flat, none.stdout[-3000:]
    assert "Unable to locate credentials" in flat
