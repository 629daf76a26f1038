"""The roles on the AWS environment's managed engines, against real servers on this machine.

Two entries of the AWS environment's `services` contract make the roles act differently from
the local one, and neither can be reached by applying Terraform here (no `hashicorp/aws`):
- objectstore `engine: s3`: Terraform makes the buckets (`<bucket_prefix>documents` and
  `...backups`: versioned, SSE-KMS, public access blocked) and access is IAM's, so the role
  makes nothing; it checks those buckets, lists one for its health, and backs up and restores
  their objects with the controller's AWS credentials (no key of ours);
- redis `user_management: terraform`: ElastiCache has no ACL SETUSER; the application user is a
  Terraform RBAC user, which the role checks at protocol level (login, confinement to its prefix);
- postgres on RDS: the administrative user is RDS's master user, which is not a superuser
  (CREATEROLE, CREATEDB and rds_superuser, which may create the extensions RDS allows).
Here moto's server (a real S3 and Secrets Manager API) holds the buckets as
terraform/modules/objectstore/aws makes them and the platform's secret; a Redis server (the
stand-in image) holds the users as terraform/modules/redis/aws makes them on ElastiCache: the
`default` user off, an admin user that may not ACL SETUSER / DELUSER, the application user with
the module's access string; a PostgreSQL server (the stand-in image) has the database owned by a
master user made as RDS makes it (`NOSUPERUSER INHERIT CREATEDB CREATEROLE`), and pgvector marked
trusted there, which is what rds_superuser's right to create RDS's extensions amounts to for it. The AWS inventory (inventories/aws) then runs the playbooks users run
there: initialize, status, backup, restore; only the contract (services.json) is written by hand,
in the shape the AWS environment outputs (tests/unit/test_aws_contract.py keeps both in step).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import subprocess
import time

import psycopg
import pytest
import redis
import yaml
from redis.backoff import ConstantBackoff
from redis.retry import Retry

from conftest import AWS_USER_VALUES, REPO, aws_client, moto_server, recap_changed, record

# moto and one Redis container of its own: `make test` runs this module beside the others.
pytestmark = pytest.mark.beside(order=30)

PROJECT = "multidb-ci-managed"
ENVIRONMENT_NAME = "aws"
# Not a secret: moto accepts any credentials; the platform must take them from the environment.
AWS_ENV = {"AWS_ACCESS_KEY_ID": "multidb-ci", "AWS_SECRET_ACCESS_KEY": "multidb-ci-not-a-secret",
           "AWS_DEFAULT_REGION": "us-east-1"}
ACCOUNT = "123456789012"  # moto's
BUCKET_PREFIX = f"{PROJECT}-{ENVIRONMENT_NAME}-{ACCOUNT}-"
OTHERS = ("mongodb", "weaviate", "scylla")
ADMIN_USER = "multidb-admin"
RDS_MASTER = "multidb_admin"
APP_PREFIX = "app:"


def _registry() -> dict:
    return yaml.safe_load((REPO / "playbooks/vars/services.yml").read_text())["multidb_service_registry"]


def _aws_secret_names() -> list[str]:
    """What playbooks/vars/platform.yml makes multidb_secret_names on the AWS environment."""
    spec = importlib.util.spec_from_file_location("services_filter", REPO / "plugins/filter/services.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.secret_names(_registry(), "aws")


def _app_access_string() -> str:
    """terraform/modules/redis/aws's app_access_string with the role's defaults (prefix, command
    rules): the rules Terraform gives the ElastiCache application user."""
    rules = yaml.safe_load((REPO / "roles/redis/defaults/main.yml").read_text())["redis_app_command_rules"]
    return " ".join(["on", f"~{APP_PREFIX}*", f"&{APP_PREFIX}*", *rules])


@pytest.fixture(scope="module")
def moto():
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def stored_secrets(moto) -> dict:
    """The platform's Secrets Manager secret (the AWS inventory's backend), every name the AWS
    environment has, as the first site.yml run there writes it."""
    values = {name: secrets.token_urlsafe(24) for name in _aws_secret_names()}
    aws_client("secretsmanager", moto, AWS_ENV).create_secret(
        Name=f"multidb/{PROJECT}/{ENVIRONMENT_NAME}", SecretString=json.dumps(values))
    return values


def _make_buckets(endpoint: str) -> None:
    """The two buckets as terraform/modules/objectstore/aws makes them."""
    s3, kms = aws_client("s3", endpoint, AWS_ENV), aws_client("kms", endpoint, AWS_ENV)
    key = kms.create_key(Description="multidb platform key")["KeyMetadata"]["Arn"]
    for name in ("documents", "backups"):
        bucket = BUCKET_PREFIX + name
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
            "BucketKeyEnabled": True}]})
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})


@pytest.fixture(scope="module")
def network():
    """The module's own Docker network: its servers are reached on 127.0.0.1 ports only."""
    import docker

    created = docker.from_env().networks.create(PROJECT, labels={"project": PROJECT})
    yield created.name
    created.remove()


@contextlib.contextmanager
def _standin_server(service: str, network: str, port: int, **run):
    """A container of `service`'s stand-in image on this module's network, `port` published on
    127.0.0.1 (the host port chosen by the OS), removed with its anonymous volumes afterwards.
    Yields the container and its host port."""
    import docker

    image = yaml.safe_load((REPO / "tests/images/standin.yml").read_text())[f"multidb_{service}_image"]
    container = docker.from_env().containers.run(
        image, name=f"{PROJECT}-{service}", detach=True, labels={"project": PROJECT}, network=network,
        ports={f"{port}/tcp": ("127.0.0.1", None)}, **run)
    try:
        container.reload()
        yield container, int(container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"])
    finally:
        container.remove(force=True, v=True)


@pytest.fixture(scope="module")
def elasticache_like_redis(stored_secrets, network):
    """A Redis server (the stand-in image, a network of this module's own, its port on 127.0.0.1
    chosen by the OS) with the users terraform/modules/redis/aws makes: `default` off, the admin
    user without ACL SETUSER / DELUSER (ElastiCache refuses them), the application user. The
    test's `control` connection (a user of its own) plays ElastiCache's control plane."""
    bootstrap = secrets.token_urlsafe(24)
    with _standin_server("redis", network, 6379, command=["redis-server", "--requirepass", bootstrap],
                         tmpfs={"/data": ""}) as (_, port):
        control = redis.Redis(host="127.0.0.1", port=port, password=bootstrap,
                              retry=Retry(ConstantBackoff(0.5), 40), retry_on_error=[redis.ConnectionError])
        control.ping()
        control_password = secrets.token_urlsafe(24)
        control.execute_command("ACL", "SETUSER", "control-plane", "reset", "on", f">{control_password}",
                                "~*", "&*", "+@all")
        control = redis.Redis(host="127.0.0.1", port=port, username="control-plane", password=control_password)
        control.execute_command("ACL", "SETUSER", ADMIN_USER, "reset", "on",
                                f">{stored_secrets['redis_admin_password']}", "~*", "&*", "+@all",
                                "-acl|setuser", "-acl|deluser")
        _set_app_user(control, stored_secrets, _app_access_string())
        control.execute_command("ACL", "SETUSER", "default", "off")
        yield {"port": port, "control": control}


def _set_app_user(control: redis.Redis, stored: dict, access: str) -> None:
    """What Terraform does to the ElastiCache application user."""
    control.execute_command("ACL", "SETUSER", "app", "reset", *access.split(), f">{stored['redis_app_password']}")


@pytest.fixture(scope="module")
def rds_like_postgres(stored_secrets, network):
    """A PostgreSQL server (the stand-in image, its port on 127.0.0.1 chosen by the OS) as RDS
    gives it: the database `app` owned by the master user, which is not a superuser. The test's
    `control` connection (the image's superuser) plays RDS's control plane."""
    bootstrap = secrets.token_urlsafe(24)
    with _standin_server("postgres", network, 5432, environment={"POSTGRES_PASSWORD": bootstrap}) as (container, port):
        # rds_superuser may CREATE EXTENSION vector (RDS allows it); for a plain CREATEROLE user
        # that is what a trusted extension is. Only this throwaway container's control file changes.
        code, output = container.exec_run(
            ["sh", "-c", 'echo "trusted = true" >> "$(pg_config --sharedir)/extension/vector.control"'], user="root")
        assert code == 0, output
        deadline = time.monotonic() + 90
        while True:
            try:
                control = psycopg.connect(host="127.0.0.1", port=port, user="postgres", password=bootstrap,
                                          dbname="postgres", autocommit=True, connect_timeout=3)
                control.execute("SELECT 1")
                break
            except psycopg.OperationalError:
                # the image's first start restarts the server once after initdb
                assert time.monotonic() < deadline, "PostgreSQL did not start"
                time.sleep(1)
        control.execute(f"CREATE ROLE {RDS_MASTER} WITH LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION "
                        f"PASSWORD '{stored_secrets['postgres_admin_password']}'")
        control.execute(f"CREATE DATABASE app OWNER {RDS_MASTER}")
        yield {"port": port, "control": control}


@pytest.fixture(scope="module")
def platform(tmp_path_factory, moto, stored_secrets, elasticache_like_redis, rds_like_postgres):
    """The state directory of an AWS-shaped instance: its services.json as the AWS environment
    outputs it (Redis and the object store; the others switched off), pointing at the servers above."""
    _make_buckets(moto)
    home = tmp_path_factory.mktemp("managed-home")
    state_dir = home / f"{PROJECT}-{ENVIRONMENT_NAME}"
    state_dir.mkdir(mode=0o700)
    services = {
        "postgres": {"engine": "postgres", "host": "127.0.0.1", "port": rds_like_postgres["port"], "database": "app",
                     "username": RDS_MASTER, "container": "", "volume": "", "image": "rds:postgres:17.4",
                     "tls": False, "ca_bundle": None},
        "redis": {"engine": "redis", "host": "127.0.0.1", "port": elasticache_like_redis["port"], "database": "0",
                  "username": ADMIN_USER, "user_management": "terraform", "container": "", "volume": "",
                  "image": "elasticache:redis:7.1", "tls": False, "ca_bundle": None},
        "objectstore": {"engine": "s3", "host": "127.0.0.1", "port": int(moto.rsplit(":", 1)[1]), "database": "",
                        "username": "", "container": "", "volume": "", "image": "", "scheme": "http",
                        "region": "us-east-1", "admin_port": None, "meta_volume": "", "bucket_prefix": BUCKET_PREFIX,
                        "tls": False, "ca_bundle": None},
    }
    (state_dir / "services.json").write_text(json.dumps(services))
    return {"home": home, "state_dir": state_dir, "moto": moto, "control": elasticache_like_redis["control"],
            "postgres": rds_like_postgres}


def _playbook(platform: dict, playbook: str, *args: str) -> subprocess.CompletedProcess:
    """A playbook of this repository on inventories/aws (the values its users must give, the
    platform's secret in moto's Secrets Manager), with the controller's AWS credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", MULTIDB_STATE_HOME=str(platform["home"]),
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_ENDPOINT_URL=platform["moto"], **AWS_ENV)
    extra = dict(AWS_USER_VALUES, multidb_project_name=PROJECT, multidb_aws_account_id=ACCOUNT,
                 multidb_state_s3_bucket=f"{PROJECT}-tfstate",
                 multidb_secrets_aws_endpoint_url=platform["moto"],
                 **{f"multidb_{name}_enabled": False for name in OTHERS})
    cmd = ["ansible-playbook", "-v", "-i", str(REPO / "inventories/aws"), "-e", json.dumps(extra), *args,
           f"playbooks/{playbook}"]
    return record(cmd, subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600))


def _ok(proc: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    """The run succeeded; else its errors (hosts go on concurrently: not always the last lines)."""
    errors = [block[:1500] for block in re.split(r"\n(?=TASK \[)", proc.stdout) if "[ERROR]" in block]
    assert proc.returncode == 0, f"{what} failed:\n" + "\n".join(errors) + f"\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    return proc


def _flat(proc: subprocess.CompletedProcess) -> str:
    return re.sub(r"\s+", " ", proc.stdout)


def test_initialize_on_the_managed_engines(platform, stored_secrets):
    """initialize.yml on the AWS shapes: no ACL SETUSER (the admin user may not: the run would
    fail), the application user's ACL untouched, no object store key written; PostgreSQL
    initialized by a master user that is not a superuser (pgvector, the application role, its
    schema and table); status healthy for all three; a second run changed=0; an application
    password changed by hand is set again."""
    control = platform["control"]
    acl_before = control.execute_command("ACL", "GETUSER", "app")
    first = _ok(_playbook(platform, "initialize.yml"), "initialize.yml")
    assert control.execute_command("ACL", "GETUSER", "app") == acl_before
    assert not list(platform["state_dir"].rglob("objectstore_app_*"))
    assert "Check the application user Terraform made" in first.stdout
    assert "Check the buckets Terraform made on S3" in first.stdout

    pg = platform["postgres"]["control"]
    with pg.cursor() as cur:
        cur.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = %s", (RDS_MASTER,))
        assert cur.fetchone() == (False, True)
        cur.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'app'")
        assert cur.fetchone() == (False, False, False)
        cur.execute("SELECT pg_has_role(%s, 'app', 'MEMBER')", (RDS_MASTER,))
        assert cur.fetchone() == (True,)
    with psycopg.connect(host="127.0.0.1", port=platform["postgres"]["port"], user="postgres", dbname="app",
                         password=pg.info.password) as app_db:
        assert app_db.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone() == ("0.8.0",)
        assert app_db.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'app'").fetchone() \
            == ("app",)
        assert app_db.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'app'").fetchall() == [("app",)]

    again = _ok(_playbook(platform, "initialize.yml"), "initialize.yml (second run)")
    assert recap_changed(again.stdout) == 0, again.stdout[-3000:]

    # The master user cannot read password hashes: a password changed behind the platform's back
    # is found by logging in, and set again.
    pg.execute("ALTER ROLE app PASSWORD 'changed-by-hand'")
    reset = _ok(_playbook(platform, "initialize.yml"), "initialize.yml after the password changed")
    assert re.search(r"TASK \[multidb.platform.postgres : Set the application role's password again[^\n]*\n"
                     r"changed: \[postgres\]", reset.stdout), reset.stdout[-3000:]
    with psycopg.connect(host="127.0.0.1", port=platform["postgres"]["port"], user="app", dbname="app",
                         password=stored_secrets["postgres_app_password"]) as app_db:
        assert app_db.execute("SELECT current_user").fetchone() == ("app",)

    status = _ok(_playbook(platform, "status.yml"), "status.yml")
    report = json.loads((platform["state_dir"] / "health-report.json").read_text())
    by_name = {row["service"]: row for row in report["services"]}
    assert set(by_name) == {"postgres", "redis", "objectstore"}
    assert by_name["postgres"]["status"] == "healthy", status.stdout[-3000:]
    assert "pgvector 0.8.0" in by_name["postgres"]["detail"]
    assert by_name["redis"]["status"] == "healthy", status.stdout[-3000:]
    assert by_name["objectstore"]["status"] == "healthy", status.stdout[-3000:]
    assert f"S3 ListObjectsV2 on {BUCKET_PREFIX}documents with the controller's AWS credentials" \
        in by_name["objectstore"]["detail"]


def test_what_terraform_made_differently_is_refused_naming_it(platform, stored_secrets):
    """An application user not confined to its prefix, a bucket with versioning suspended, a
    bucket the role declares but Terraform does not make, and an embedding dimension that is not
    the existing column's: initialize.yml fails, naming each, and changes nothing (the user's ACL
    is the one found; the PostgreSQL application password changed by hand is not set again: the
    dimension is refused before any change)."""
    s3 = aws_client("s3", platform["moto"], AWS_ENV)
    control = platform["control"]
    _set_app_user(control, stored_secrets, _app_access_string().replace(f"~{APP_PREFIX}*", "~*"))
    s3.put_bucket_versioning(Bucket=BUCKET_PREFIX + "documents", VersioningConfiguration={"Status": "Suspended"})
    try:
        acl_before = control.execute_command("ACL", "GETUSER", "app")
        platform["postgres"]["control"].execute("ALTER ROLE app PASSWORD 'changed-by-hand'")
        wrong = json.dumps({"objectstore_buckets": [{"name": "documents"}, {"name": "backups"}, {"name": "images"}],
                            "postgres_vector_dimension": 768})
        proc = _playbook(platform, "initialize.yml", "-e", wrong)
        flat = _flat(proc)
        assert proc.returncode != 0
        assert "The application user app (redis_app_user) that Terraform makes" in flat, flat[-4000:]
        assert f"is not confined to its key prefix {APP_PREFIX} (redis_app_key_prefix)" in flat
        assert f"Bucket {BUCKET_PREFIX}documents (objectstore_buckets: documents" in flat
        assert "versioning Suspended" in flat
        assert f"Bucket {BUCKET_PREFIX}images (objectstore_buckets: images" in flat
        assert "does not exist: on S3 the buckets are made by Terraform" in flat
        assert "postgres_vector_dimension=768 but app.documents.embedding is already vector(1536)" in flat
        assert control.execute_command("ACL", "GETUSER", "app") == acl_before
        with psycopg.connect(host="127.0.0.1", port=platform["postgres"]["port"], user="app", dbname="app",
                             password="changed-by-hand") as app_db:
            assert app_db.execute("SELECT current_user").fetchone() == ("app",)
    finally:
        _set_app_user(control, stored_secrets, _app_access_string())
        s3.put_bucket_versioning(Bucket=BUCKET_PREFIX + "documents", VersioningConfiguration={"Status": "Enabled"})
    # An application user whose password is not the platform's: named as such (not as unconfined).
    _set_app_user(control, {"redis_app_password": "another-password-than-the-platforms"}, _app_access_string())
    try:
        proc = _playbook(platform, "initialize.yml", "--limit", "redis")
        assert proc.returncode != 0
        assert "The application user app (redis_app_user) that Terraform makes on this Redis" in _flat(proc)
        assert "cannot log in with the platform's redis_app_password" in _flat(proc), _flat(proc)[-3000:]
        assert "another-password-than-the-platforms" not in proc.stdout
    finally:
        _set_app_user(control, stored_secrets, _app_access_string())
    _ok(_playbook(platform, "initialize.yml"), "initialize.yml once Terraform's state is back")
    with psycopg.connect(host="127.0.0.1", port=platform["postgres"]["port"], user="app", dbname="app",
                         password=stored_secrets["postgres_app_password"]) as app_db:
        assert app_db.execute("SELECT current_user").fetchone() == ("app",)


def test_backup_and_restore_of_the_s3_buckets(platform):
    """backup.yml of every service is refused before any change: PostgreSQL (RDS) and Redis
    (ElastiCache) have no container for their tools. backup.yml --limit objectstore on S3: the documents bucket's objects
    into the backups bucket (the instance's own target: <bucket_prefix>backups, the controller's
    credentials); restore.yml puts an overwritten object back from it."""
    s3 = aws_client("s3", platform["moto"], AWS_ENV)
    documents = BUCKET_PREFIX + "documents"
    s3.put_object(Bucket=documents, Key="reports/q3.txt", Body=b"the third quarter")
    refused = _playbook(platform, "backup.yml")
    assert refused.returncode != 0
    assert "Refused before any change: postgres, redis have no container in the services contract" \
        in _flat(refused), refused.stdout[-3000:]
    assert 'Leave them out with --limit (make backup SERVICES="objectstore")' in _flat(refused)
    assert s3.list_objects_v2(Bucket=BUCKET_PREFIX + "backups").get("KeyCount") == 0
    _ok(_playbook(platform, "backup.yml", "--limit", "objectstore"), "backup.yml")
    index = s3.list_objects_v2(Bucket=BUCKET_PREFIX + "backups", Prefix=f"{PROJECT}/index/")
    assert index.get("KeyCount") == 1, index
    manifest_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET_PREFIX + "backups",
                                                          Prefix=f"{PROJECT}/objectstore/")["Contents"]
                     if o["Key"].endswith("manifest.json")]
    manifest = json.loads(s3.get_object(Bucket=BUCKET_PREFIX + "backups", Key=manifest_keys[0])["Body"].read())
    assert manifest["engine"] == "s3" and manifest["version"] == "Amazon S3"
    assert [o["key"] for o in manifest["objects"]] == [
        f"{PROJECT}/objectstore/{manifest['timestamp']}/documents/reports/q3.txt"]

    s3.put_object(Bucket=documents, Key="reports/q3.txt", Body=b"overwritten by mistake")
    _ok(_playbook(platform, "restore.yml", "--limit", "objectstore"), "restore.yml")
    assert s3.get_object(Bucket=documents, Key="reports/q3.txt")["Body"].read() == b"the third quarter"
