"""TLS (issue 13): `multidb_tls=true` on an instance of its own with the services that speak it.

One instance (project multidb-ci-tls, PostgreSQL, Redis, MongoDB and a one-node ScyllaDB
cluster, ports from the OS, its own subnet and state home) converged once with the switch on, then:
- the contract says `tls` and names the CA bundle, which is the state directory's CA;
- each application user connects with TLS verifying the server's certificate and name
  (psycopg sslmode=verify-full, redis-py ssl_cert_reqs=required + check_hostname, pymongo
  tls + tlsCAFile, cassandra-driver with an SSL context that checks the host name), and the
  session is encrypted where the server can say so;
- a CA other than the instance's is refused (the verification is real), and so is plaintext;
- the keys (and certificates) are 0600 in 0700 directories, the CA key is mounted into no container and
  no key is in the Terraform state;
- a ScyllaDB backup and restore through an outside object store (moto) work over TLS: the
  restore's sstableloader is a verified TLS client of the nodes too;
- the second site.yml reports changed=0.
The instance is destroyed with its data at the end.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import stat
import subprocess
from pathlib import Path

import boto3
import pymongo
import psycopg
import pytest
import redis
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable
from redis.backoff import NoBackoff
from redis.retry import Retry

from certificates import self_signed_ca
from conftest import REPO, free_port_blocks, moto_server, project_containers, recap_changed, record

# An instance of its own with a one-node ScyllaDB cluster: `make test` runs this module beside the others.
pytestmark = pytest.mark.beside

PROJECT = "multidb-ci-tls"
TLS_SERVICES = ("postgres", "redis", "mongodb", "scylla")
OTHER_SERVICES = ("weaviate", "objectstore")


def _playbook(state_home: Path, args: list[str], **environment) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               MULTIDB_STATE_HOME=str(state_home), **environment)
    cmd = ["ansible-playbook", "-v", "-i", str(REPO / "inventories/local"), *args]
    image_vars = os.environ.get("MULTIDB_IMAGE_VARS")
    if image_vars:
        cmd += ["-e", f"@{image_vars}"]
    return record(cmd, subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900))


def _ok(proc: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"{what} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """The instance converged once with multidb_tls=true: its settings, state directory,
    contract and secrets."""
    home = tmp_path_factory.mktemp("tls-home")
    ports = free_port_blocks([1] * len(TLS_SERVICES))
    args = ["-e", f"multidb_project_name={PROJECT}", "-e", "multidb_network_subnet=10.213.12.0/24",
            "-e", "multidb_tls=true", "-e", "multidb_scylla_node_count=1"]
    for svc, port in zip(TLS_SERVICES, ports):
        args += ["-e", f"multidb_{svc}_enabled=true", "-e", f"multidb_{svc}_port={port}"]
    for svc in OTHER_SERVICES:
        args += ["-e", f"multidb_{svc}_enabled=false"]
    try:
        _ok(_playbook(home, ["site.yml", *args]), "site.yml with multidb_tls=true")
        state = home / PROJECT
        yield {"args": args, "home": home, "state": state,
               "services": json.loads((state / "services.json").read_text()),
               "secrets": {p.name: p.read_text() for p in (state / "secrets").iterdir() if p.is_file()}}
    finally:
        _playbook(home, ["playbooks/teardown.yml", *args, "-e", "multidb_destroy_data=true"])
        assert project_containers(PROJECT) == set(), "the TLS test instance was not destroyed"


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory) -> str:
    """A CA certificate that did not sign the servers' certificates."""
    path = tmp_path_factory.mktemp("other-ca") / "ca.crt"
    self_signed_ca("not the platform's CA", path)
    return str(path)


def test_the_contract_says_tls_and_names_the_instances_ca(instance):
    services, tls = instance["services"], instance["state"] / "tls"
    assert set(services) == set(TLS_SERVICES)
    for svc in TLS_SERVICES:
        assert services[svc]["tls"] is True, services[svc]
        # The CA beside the server's key (what its container mounts) is the instance's CA.
        assert services[svc]["ca_bundle"] == str(tls / svc / "ca.crt"), services[svc]
        assert Path(services[svc]["ca_bundle"]).read_bytes() == (tls / "ca.crt").read_bytes()


def _ca(instance, svc: str) -> str:
    """The CA bundle clients verify `svc` with, from the contract (as the roles read it)."""
    return instance["services"][svc]["ca_bundle"]


# --- PostgreSQL ------------------------------------------------------------------------------

def _pg(instance, **kwargs):
    pg = instance["services"]["postgres"]
    return psycopg.connect(host=pg["host"], port=pg["port"], dbname=pg["database"], user="app",
                           password=instance["secrets"]["postgres_app_password"], connect_timeout=10, **kwargs)


def test_postgres_app_role_connects_with_verify_full_over_tls(instance):
    with _pg(instance, sslmode="verify-full", sslrootcert=_ca(instance, "postgres")) as conn:
        row = conn.execute("SELECT current_user, ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert row[0] == "app" and row[1] is True and row[2].startswith("TLSv1."), row


def test_postgres_refuses_plaintext_and_a_foreign_ca(instance, other_ca):
    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry|rejects connection"):
        _pg(instance, sslmode="disable").close()
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        _pg(instance, sslmode="verify-full", sslrootcert=other_ca).close()


# --- Redis -----------------------------------------------------------------------------------

def _redis(instance, **kwargs) -> redis.Redis:
    rd = instance["services"]["redis"]
    # No retries: a refused connection is the answer, not a reason to try again.
    return redis.Redis(host=rd["host"], port=rd["port"], username="app",
                       password=instance["secrets"]["redis_app_password"], socket_timeout=5,
                       retry=Retry(NoBackoff(), 0), **kwargs)


def test_redis_app_user_connects_over_verified_tls(instance):
    client = _redis(instance, ssl=True, ssl_ca_certs=_ca(instance, "redis"), ssl_cert_reqs="required", ssl_check_hostname=True)
    try:
        assert client.set("app:tls-test", "1") and client.get("app:tls-test") == b"1"
        assert client.acl_whoami() == "app"
    finally:
        client.close()


def test_redis_refuses_plaintext_and_a_foreign_ca(instance, other_ca):
    with pytest.raises(redis.exceptions.ConnectionError):
        _redis(instance).ping()
    with pytest.raises(redis.exceptions.ConnectionError, match="certificate verify failed"):
        _redis(instance, ssl=True, ssl_ca_certs=other_ca, ssl_cert_reqs="required", ssl_check_hostname=True).ping()


# --- MongoDB ---------------------------------------------------------------------------------

def _mongo(instance, timeout_ms: int = 5000, **kwargs) -> pymongo.MongoClient:
    mg = instance["services"]["mongodb"]
    return pymongo.MongoClient(host=mg["host"], port=mg["port"], directConnection=True, username="app",
                               password=instance["secrets"]["mongodb_app_password"], authSource=mg["database"],
                               serverSelectionTimeoutMS=timeout_ms, **kwargs)


def test_mongodb_app_user_connects_over_verified_tls(instance):
    database = instance["services"]["mongodb"]["database"]
    with _mongo(instance, tls=True, tlsCAFile=_ca(instance, "mongodb")) as client:
        status = client[database].command("connectionStatus")
        assert [u["user"] for u in status["authInfo"]["authenticatedUsers"]] == ["app"], status
        client[database]["tls_test"].replace_one({"_id": 1}, {"_id": 1, "via": "tls"}, upsert=True)
        assert client[database]["tls_test"].find_one({"_id": 1})["via"] == "tls"


def test_mongodb_refuses_plaintext_and_a_foreign_ca(instance, other_ca):
    database = instance["services"]["mongodb"]["database"]
    # A refusal is final: the driver's retries until its deadline only cost time.
    with pytest.raises(pymongo.errors.ServerSelectionTimeoutError, match="connection closed|reset"):
        with _mongo(instance, timeout_ms=1500) as client:
            client[database].command("ping")
    with pytest.raises(pymongo.errors.ServerSelectionTimeoutError, match="certificate verify failed"):
        with _mongo(instance, timeout_ms=1500, tls=True, tlsCAFile=other_ca) as client:
            client[database].command("ping")


# --- ScyllaDB --------------------------------------------------------------------------------

def _cql(instance, ssl_context=None, user="app", timeout=10) -> Cluster:
    sc = instance["services"]["scylla"]
    password = instance["secrets"]["scylla_app_password"] if user == "app" else instance["secrets"]["scylla_admin_password"]
    return Cluster([(sc["host"], sc["port"])], auth_provider=PlainTextAuthProvider(user, password),
                   ssl_context=ssl_context, protocol_version=4, connect_timeout=timeout,
                   control_connection_timeout=timeout)


def _verifying(ca: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca)  # CERT_REQUIRED, check_hostname: the driver names 127.0.0.1
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    return context


def _scylla_rows(instance, statement, parameters=None):
    cluster = _cql(instance, _verifying(_ca(instance, "scylla")))
    try:
        session = cluster.connect(instance["services"]["scylla"]["database"])
        return list(session.execute(statement, parameters))
    finally:
        cluster.shutdown()


def test_scylla_app_role_connects_over_verified_tls(instance):
    cluster = _cql(instance, _verifying(_ca(instance, "scylla")))
    try:
        session = cluster.connect(instance["services"]["scylla"]["database"])
        session.execute("INSERT INTO health_check (id, checked_by) VALUES ('tls-test', 'app')")
        assert session.execute("SELECT checked_by FROM health_check WHERE id = 'tls-test'").one().checked_by == "app"
        # The server's view of this client (asked as the admin role: the application role may not
        # read the system views): encrypted, as the application role.
        admin = _cql(instance, _verifying(_ca(instance, "scylla")), user=instance["services"]["scylla"]["username"])
        try:
            clients = list(admin.connect().execute("SELECT username, ssl_enabled, ssl_protocol FROM system_views.clients"))
        finally:
            admin.shutdown()
        mine = [c for c in clients if c.username == "app"]
        assert mine and all(c.ssl_enabled and c.ssl_protocol.startswith("TLSv1.") for c in mine), clients
    finally:
        cluster.shutdown()


def test_scylla_refuses_plaintext_and_a_foreign_ca(instance, other_ca):
    # A TLS-only node does not answer a plaintext CQL handshake: the connection times out.
    with pytest.raises(NoHostAvailable):
        _cql(instance, timeout=3).connect()
    with pytest.raises(NoHostAvailable, match="certificate verify failed"):
        _cql(instance, _verifying(other_ca), timeout=5).connect()


def test_scylla_backup_and_restore_over_tls(instance):
    """backup.yml then restore.yml of ScyllaDB through an outside object store: the role's CQL
    sessions and the restore's sstableloader are verified TLS clients of the nodes."""
    _scylla_rows(instance, "INSERT INTO health_check (id, checked_by) VALUES ('before-backup', 'app')")
    with moto_server() as endpoint:
        target = {"endpoint_url": endpoint, "region": "us-east-1", "bucket": "tls-backups",
                  "access_key_id": "testing", "secret_access_key": "testing"}
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket="tls-backups")
        extra = [*instance["args"], "--limit", "scylla", "-e", json.dumps({"multidb_backup_target": target})]
        backup = _ok(_playbook(instance["home"], ["playbooks/backup.yml", *extra]), "backup.yml of ScyllaDB over TLS")
        stamp = re.search(r"Backup ([0-9]{8}T[0-9]{6}Z) of .+ is complete", " ".join(backup.stdout.split()))
        assert stamp, backup.stdout[-3000:]
        _scylla_rows(instance, "INSERT INTO health_check (id, checked_by) VALUES ('after-backup', 'app')")
        restore = _ok(_playbook(instance["home"], ["playbooks/restore.yml", *extra, "-e",
                                                    f"multidb_restore_backup={stamp.group(1)}"]),
                      "restore.yml of ScyllaDB over TLS")
    assert "loading " in restore.stdout, restore.stdout[-3000:]  # the loader said what it loaded
    ids = {row.id for row in _scylla_rows(instance, "SELECT id FROM health_check")}
    assert "before-backup" in ids and "after-backup" not in ids, ids


def test_a_ca_bundle_kept_in_secrets_manager_verifies_the_nodes(instance, other_ca):
    """The form the AWS ScyllaDB module gives (ca_bundle = secretsmanager:<arn>#ca, the nodes' private
    CA in Secrets Manager, here moto's): the playbooks fetch the certificate into a private file and
    the role verifies the nodes with it; a secret holding another CA makes the same check fail."""
    contract = instance["state"] / "services.json"
    original = contract.read_text()
    ca_pem = Path(_ca(instance, "scylla")).read_text()
    fetched = instance["state"] / "ca-bundles" / "scylla.pem"
    aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    try:
        with moto_server() as endpoint:
            client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                                  aws_access_key_id="testing", aws_secret_access_key="testing")
            arn = client.create_secret(Name=f"{PROJECT}-scylla-tls",
                                       SecretString=json.dumps({"ca": ca_pem, "private_key": "not for the roles"}))["ARN"]
            services = json.loads(original)
            services["scylla"]["ca_bundle"] = f"secretsmanager:{arn}#ca"
            contract.write_text(json.dumps(services))
            result = instance["home"] / "status-result"
            status = ["playbooks/status.yml", *instance["args"], "--limit", "scylla",
                      "-e", f"multidb_secrets_aws_endpoint_url={endpoint}", "-e", f"status_result_file={result}"]
            proc = _ok(_playbook(instance["home"], status, **aws), "status.yml with the CA in Secrets Manager")
            assert result.read_text().strip() == "healthy", proc.stdout[-4000:]
            assert fetched.read_text().strip() == ca_pem.strip()
            assert stat.S_IMODE(fetched.stat().st_mode) == 0o600 and stat.S_IMODE(fetched.parent.stat().st_mode) == 0o700
            assert "not for the roles" not in fetched.read_text()

            client.put_secret_value(SecretId=arn, SecretString=json.dumps({"ca": Path(other_ca).read_text()}))
            proc = _ok(_playbook(instance["home"], status, **aws), "status.yml with another CA in Secrets Manager")
            assert result.read_text().strip() == "down", proc.stdout[-4000:]
            assert "certificate verify failed" in proc.stdout, proc.stdout[-4000:]
    finally:
        contract.write_text(original)


# --- Key material ----------------------------------------------------------------------------

def test_keys_are_private_and_stay_out_of_containers_and_terraform_state(instance):
    tls = instance["state"] / "tls"
    keys = sorted(tls.rglob("*.key"))
    assert [k.relative_to(tls).as_posix() for k in keys] == ["ca.key", *(f"{s}/server.key" for s in sorted(TLS_SERVICES))]
    # Every file (keys, certificates) 0600 like the rest of the state directory, every directory 0700.
    for path in (p for p in tls.rglob("*") if p.is_file()):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path} is {oct(path.stat().st_mode)}"
    for path in [tls, *(p for p in tls.iterdir() if p.is_dir())]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, f"{path} is {oct(path.stat().st_mode)}"
    # Each container mounts its own server's directory, read-only, and nothing else of the state directory.
    import docker

    client = docker.from_env()
    for svc in TLS_SERVICES:
        mounts = client.containers.get(instance["services"][svc]["container"]).attrs["Mounts"]
        binds = [(m["Source"], m["RW"]) for m in mounts if m["Type"] == "bind"]
        assert binds == [(str(tls / svc), False)], binds
    # The keys reached the containers through the mounts, not the Terraform state.
    state = (instance["state"] / "terraform.tfstate").read_text()
    for path in keys:
        body = "".join(path.read_text().splitlines()[1:-1])
        assert body[:64] not in state.replace("\\n", ""), f"{path.name} is in the Terraform state"


def test_second_run_changes_nothing(instance):
    proc = _ok(_playbook(instance["home"], ["site.yml", *instance["args"]]), "second site.yml with multidb_tls=true")
    assert recap_changed(proc.stdout) == 0, proc.stdout[-4000:]
