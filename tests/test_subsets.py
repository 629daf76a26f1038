"""Services switched off, and a single-node ScyllaDB, in one instance of their own.

The main test instance runs every service; this one runs beside it under another project name
and other ports, and is destroyed (data included) at the end.
"""

from __future__ import annotations

import json

import pytest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster

from conftest import free_instance_ports, project_containers, run_playbook, state_home

# An instance of its own (project multidb-ci-subset, subnet 10.213.3.0/24, ports from the OS):
# `make test` runs this module beside the molecule instance's stages.
pytestmark = pytest.mark.beside(order=35)

SERVICES = ("postgres", "redis", "mongodb", "weaviate", "objectstore", "scylla")


def _instance(project: str, enabled: set[str], *extra: str):
    """site.yml for `project` with only `enabled` switched on (other ports than the main instance)."""
    args = ["-e", f"multidb_project_name={project}", "-e", "multidb_network_subnet=10.213.3.0/24"]
    for svc in SERVICES:
        args += ["-e", f"multidb_{svc}_enabled={'true' if svc in enabled else 'false'}"]
    # Host ports from the OS, never fixed numbers (conftest.free_instance_ports).
    for var, port in free_instance_ports().items():
        args += ["-e", f"{var}={port}"]
    return args + list(extra)


def _destroy(args: list[str]) -> None:
    run_playbook("playbooks/teardown.yml", *args, "-e", "multidb_destroy_data=true")


def test_only_the_enabled_services_exist_and_a_single_scylla_node_has_rf_1():
    """One instance with PostgreSQL, Redis, Weaviate and a 1-node ScyllaDB (MongoDB and the
    object store off): only those exist, run and are reported; the others' roles never run;
    the single node's keyspace has replication factor 1."""
    project = "multidb-ci-subset"
    enabled = ("postgres", "redis", "weaviate", "scylla")
    args = _instance(project, set(enabled), "-e", "multidb_scylla_node_count=1")
    try:
        proc = run_playbook("site.yml", *args)
        state = state_home() / project
        services = json.loads((state / "services.json").read_text())
        assert set(services) == set(enabled)
        assert project_containers(project) == {f"{project}-{svc}" for svc in ("postgres", "redis", "weaviate")} | {
            f"{project}-scylla-node1"}
        for svc in ("mongodb", "objectstore"):
            assert f"multidb.platform.{svc} :" not in proc.stdout, f"the {svc} role ran although {svc} is off"
        report = json.loads((state / "health-report.json").read_text())
        assert {r["service"]: r["status"] for r in report["services"]} == dict.fromkeys(services, "healthy")

        sc = services["scylla"]
        assert sc["node_count"] == 1 and len(sc["nodes"]) == 1
        password = (state / "secrets/scylla_app_password").read_text()
        cluster = Cluster([sc["host"]], port=sc["port"], protocol_version=5,
                          auth_provider=PlainTextAuthProvider("app", password))
        try:
            session = cluster.connect()
            row = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s",
                                  [sc["database"]]).one()
            assert row.replication["class"].endswith("NetworkTopologyStrategy"), row.replication
            assert {k: v for k, v in row.replication.items() if k != "class"} == {"datacenter1": "1"}
        finally:
            cluster.shutdown()
        health = next(r for r in report["services"] if r["service"] == "scylla")
        assert health["detail"].startswith("1/1 up: node1 up"), health
    finally:
        _destroy(args)
    assert project_containers(project) == set()
    assert not (state_home() / project).exists()
