"""Services switched off, and a single-node ScyllaDB: each in an instance of its own.

The main test instance runs every service; these run beside it under other project names and
ports, and are destroyed (data included) at the end.
"""

from __future__ import annotations

import json

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster

from conftest import free_port_blocks, project_containers, run_playbook, state_home

SERVICES = ("postgres", "redis", "mongodb", "weaviate", "objectstore", "scylla")


def _instance(project: str, enabled: set[str], *extra: str):
    """site.yml for `project` with only `enabled` switched on (other ports than the main instance)."""
    args = ["-e", f"multidb_project_name={project}", "-e", "multidb_network_subnet=10.213.3.0/24"]
    for svc in SERVICES:
        args += ["-e", f"multidb_{svc}_enabled={'true' if svc in enabled else 'false'}"]
    # Host ports from the OS (conftest.free_port_blocks), never fixed numbers; 9 wide for
    # the node-count service (ScyllaDB nodes publish consecutive ports).
    port_vars = ["postgres_port", "redis_port", "mongodb_port", "weaviate_port", "weaviate_grpc_port",
                 "objectstore_port", "objectstore_admin_port", "scylla_port"]
    firsts = free_port_blocks([9 if var == "scylla_port" else 1 for var in port_vars])
    for var, port in zip(port_vars, firsts):
        args += ["-e", f"multidb_{var}={port}"]
    return args + list(extra)


def _destroy(args: list[str]) -> None:
    run_playbook("playbooks/teardown.yml", *args, "-e", "multidb_destroy_data=true")


def test_only_the_enabled_services_exist_and_run():
    project = "multidb-ci-subset"
    args = _instance(project, {"postgres", "redis", "weaviate"})
    try:
        proc = run_playbook("site.yml", *args)
        services = json.loads(((state_home() / project) / "services.json").read_text())
        assert set(services) == {"postgres", "redis", "weaviate"}
        assert project_containers(project) == {f"{project}-{svc}" for svc in ("postgres", "redis", "weaviate")}
        for svc in ("mongodb", "objectstore", "scylla"):
            assert f"multidb.platform.{svc} :" not in proc.stdout, f"the {svc} role ran although {svc} is off"
        report = json.loads(((state_home() / project) / "health-report.json").read_text())
        assert {r["service"]: r["status"] for r in report["services"]} == dict.fromkeys(services, "healthy")
    finally:
        _destroy(args)
    assert project_containers(project) == set()
    assert not (state_home() / project).exists()


def test_single_node_scylla_has_rf_1():
    project = "multidb-ci-scylla1"
    args = _instance(project, {"scylla"}, "-e", "multidb_scylla_node_count=1")
    try:
        run_playbook("site.yml", *args)
        state = (state_home() / project)
        sc = json.loads((state / "services.json").read_text())["scylla"]
        assert sc["node_count"] == 1 and len(sc["nodes"]) == 1
        assert project_containers(project) == {f"{project}-scylla-node1"}
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
        report = json.loads((state / "health-report.json").read_text())
        health = next(r for r in report["services"] if r["service"] == "scylla")
        assert health["status"] == "healthy" and health["detail"].startswith("1/1 UN"), health
    finally:
        _destroy(args)
    assert project_containers(project) == set()

