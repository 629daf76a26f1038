"""Re-running the product: --check changes nothing, a real re-run keeps data, the plan stays empty."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path

import psycopg

from conftest import REPO, container_ids, recap_changed, run_playbook, terraform_plan_exitcode


def test_terraform_plan_is_empty_after_apply(state_dir):
    plan = terraform_plan_exitcode(state_dir)
    assert plan.returncode == 0, f"plan not empty (exit {plan.returncode}):\n{plan.stdout[-4000:]}\n{plan.stderr[-2000:]}"


def test_check_mode_changes_nothing(services, state_dir, project):
    """site.yml --check: Terraform plans in the background while the services' check-mode
    initialization runs, and the plan is shown after it; nothing changes, nothing is left in the
    temporary directory (the run's private directory holds the plan file: secrets)."""
    runs_before = set(Path(tempfile.gettempdir()).glob(f"multidb-{project}-tf-*"))
    before_ids = container_ids(services)
    before_state = (state_dir / "terraform.tfstate").read_bytes()
    before_secrets = {p.name: p.read_bytes() for p in (state_dir / "secrets").iterdir()}

    proc = run_playbook("site.yml", "--check", "--diff")
    assert recap_changed(proc.stdout) == 0, proc.stdout[-6000:]
    # Check mode changed nothing, so it verifies nothing: no health check, no report written.
    assert "health was not checked" in " ".join(proc.stdout.split()), proc.stdout[-3000:]
    assert "Check the service" not in proc.stdout and "Print the health report" not in proc.stdout
    initialized, shown = proc.stdout.find("multidb.platform.postgres : "), proc.stdout.find("Show the Terraform plan")
    assert 0 <= initialized < shown, proc.stdout[-6000:]
    assert set(Path(tempfile.gettempdir()).glob(f"multidb-{project}-tf-*")) == runs_before

    assert container_ids(services) == before_ids
    assert (state_dir / "terraform.tfstate").read_bytes() == before_state
    assert {p.name: p.read_bytes() for p in (state_dir / "secrets").iterdir()} == before_secrets
    assert terraform_plan_exitcode(state_dir).returncode == 0


def test_data_survives_a_rerun(services, secrets, state_dir):
    pg = services["postgres"]
    marker = f"sentinel-{uuid.uuid4()}"
    conninfo = dict(host=pg["host"], port=pg["port"], dbname=pg["database"], user="app",
                    password=secrets["postgres_app_password"], connect_timeout=10)
    with psycopg.connect(**conninfo) as conn:
        dim = int(conn.execute("SELECT atttypmod FROM pg_attribute WHERE attrelid = 'app.documents'::regclass "
                               "AND attname = 'embedding'").fetchone()[0])
        conn.execute("INSERT INTO app.documents (content, embedding) VALUES (%s, %s)",
                     (marker, "[" + ",".join(["0.5"] * dim) + "]"))
    before_ids = container_ids(services)

    proc = run_playbook("site.yml")
    assert recap_changed(proc.stdout) == 0, proc.stdout[-6000:]

    assert container_ids(services) == before_ids
    with psycopg.connect(**conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM app.documents WHERE content = %s", (marker,)).fetchone()[0] == 1
        conn.execute("DELETE FROM app.documents WHERE content = %s", (marker,))


def test_limit_initializes_verifies_and_reports_only_those_services(services, state_dir):
    """Services are inventory hosts: `--limit redis,scylla` provisions the whole environment
    (an empty plan here), then initializes, verifies and reports Redis and ScyllaDB only;
    health-report.json stays the report of the last run that checked every service."""
    before_ids = container_ids(services)
    report_before = (state_dir / "health-report.json").read_bytes()

    proc = run_playbook("site.yml", "--limit", "redis,scylla")
    assert recap_changed(proc.stdout) == 0, proc.stdout[-6000:]

    recap = proc.stdout.split("PLAY RECAP")[-1]
    hosts = {line.split()[0] for line in recap.splitlines() if "changed=" in line}
    assert hosts == {"redis", "scylla"}, recap
    for role in ("redis", "scylla"):
        assert f"multidb.platform.{role} : " in proc.stdout, f"the {role} role did not run"
    for role in ("postgres", "mongodb", "weaviate", "objectstore"):
        assert f"multidb.platform.{role} : " not in proc.stdout, f"the {role} role ran outside the limit"
    table = proc.stdout.split("Print the health report")[-1].split("overall:")[0]
    assert "redis" in table and "scylla" in table and "postgres" not in table, table
    assert "overall: healthy (2 of 2 services healthy)" in proc.stdout
    # The file describes the whole platform: a limited run leaves the last full report alone.
    assert (state_dir / "health-report.json").read_bytes() == report_before
    assert container_ids(services) == before_ids


def test_check_mode_reports_what_the_modules_would_create_and_creates_nothing(services, secrets, state_dir,
                                                                               tmp_path):
    """The declarative modules in check mode: with one more Weaviate collection, one more
    bucket and one more ScyllaDB table declared, `initialize.yml --check` reports each of them
    as a change (what the module would do) and none of them exists afterwards."""
    import requests
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster

    import yaml

    def defaults(role: str, var: str) -> list:
        return yaml.safe_load((REPO / f"roles/{role}/defaults/main.yml").read_text())[var]

    # The role defaults, each with one more entry (read, not copied: they stay in step).
    extra = {
        "weaviate_collections": defaults("weaviate", "weaviate_collections") + [
            {"name": "CheckModeProbe", "distance": "cosine", "properties": [{"name": "note", "data_type": "text"}]}],
        "objectstore_buckets": defaults("objectstore", "objectstore_buckets") + [{"name": "check-mode-probe"}],
        "scylla_tables": defaults("scylla", "scylla_tables") + [
            {"name": "check_mode_probe", "columns": "id text PRIMARY KEY", "options": "", "default_time_to_live": 0}],
    }
    extra_file = tmp_path / "extra.json"
    extra_file.write_text(json.dumps(extra))
    # initialize.yml alone: the verify plays of a site.yml --check would find the declared
    # collection missing (check mode creates nothing) and report Weaviate down.
    proc = run_playbook("playbooks/initialize.yml", "--check", "--diff", "--limit", "weaviate,objectstore,scylla",
                        "-e", f"@{extra_file}")
    out = proc.stdout
    recap = {line.split()[0]: int(line.split("changed=")[1].split()[0])
             for line in out.split("PLAY RECAP")[-1].splitlines() if "changed=" in line}
    assert set(recap) == {"weaviate", "objectstore", "scylla"} and min(recap.values()) >= 1, recap
    # what each module would do, from its result (created / statements)
    assert "- CheckModeProbe" in out and "- check-mode-probe" in out, out[-4000:]
    assert "CREATE TABLE IF NOT EXISTS app.check_mode_probe" in out, out[-4000:]

    wv = services["weaviate"]
    schema = requests.get(f"http://{wv['host']}:{wv['port']}/v1/schema", timeout=10,
                          headers={"Authorization": f"Bearer {secrets['weaviate_admin_api_key']}"}).json()
    assert "CheckModeProbe" not in [c["class"] for c in schema.get("classes") or []]
    ob = services["objectstore"]
    buckets = requests.get(f"http://{ob['host']}:{ob['admin_port']}/v2/ListBuckets", timeout=10,
                           headers={"Authorization": f"Bearer {secrets['objectstore_admin_token']}"}).json()
    assert "check-mode-probe" not in [a for b in buckets for a in b.get("globalAliases") or []]
    sc = services["scylla"]
    cluster = Cluster([sc["host"]], port=sc["port"], protocol_version=5,
                      auth_provider=PlainTextAuthProvider(sc["username"], secrets["scylla_admin_password"]))
    try:
        rows = cluster.connect().execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s",
                                         [sc["database"]])
        assert "check_mode_probe" not in [r.table_name for r in rows]
    finally:
        cluster.shutdown()
