"""Bad input is refused before anything changes (issue 6).

One table: each row runs site.yml with one bad value on a dedicated project
(`multidb-badinput`, its own state home in a temporary directory) and asserts
that (a) the run fails, (b) the message names the offending variable and what is
allowed, (c) nothing was created: no container, network or volume of that project,
nothing at all in the state home (no state file, no secrets directory).

Needs no converged platform; the ports of every service in the inventory are moved
to unused ones (read from the inventory, so services added later are covered).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import AWS_USER_VALUES, REPO, free_instance_ports, project_objects

# An operations test (`make test-ops` runs it first) that needs no converged platform: `make test`
# runs it in the beside stage (projects multidb-badinput-*, subnet 10.213.5.0/24, ports from the OS).
pytestmark = [pytest.mark.ops(order=1), pytest.mark.beside(order=40)]

PROJECT = "multidb-badinput"
INVENTORY_VARS = yaml.safe_load((REPO / "inventories/local/group_vars/all/main.yml").read_text())
PASSWORD_WITH_URL_CHARS = "p@ss:w/rd?x=1&y#z%20"


def _first_two_services() -> tuple[str, str]:
    services = [k[len("multidb_"):-len("_enabled")] for k in INVENTORY_VARS if re.fullmatch(r"multidb_[a-z0-9]+_enabled", k)]
    return services[0], services[1]


SVC_A, SVC_B = _first_two_services()

# id, extra vars (JSON, exact types), words the message must contain (variable + what is allowed)
CASES = [
    ("project-name-spaces", {"multidb_project_name": "multidb bad"},
     ["multidb_project_name", "lowercase letters, digits and dashes"]),
    ("project-name-uppercase", {"multidb_project_name": "MultiDB"},
     ["multidb_project_name", "lowercase letters, digits and dashes"]),
    ("project-name-too-long", {"multidb_project_name": "multidb-" + "x" * 40},
     ["multidb_project_name", "3-32 characters"]),
    ("project-name-wrong-type-number", {"multidb_project_name": 12345},
     ["multidb_project_name", "must be a string"]),
    ("port-below-range", {"multidb_postgres_port": 80},
     ["multidb_postgres_port", "from 1024 to 65535"]),
    ("port-above-range", {"multidb_redis_port": 70000},
     ["multidb_redis_port", "from 1024 to 65535"]),
    ("port-wrong-type-string", {"multidb_postgres_port": "fivefourthreetwo"},
     ["multidb_postgres_port", "must be an integer"]),
    ("same-port-two-services", "same-port",
     [f"multidb_{SVC_A}_port", f"multidb_{SVC_B}_port", "same host port"]),
    ("port-in-use-on-host", "port-in-use",
     ["multidb_postgres_port", "already in use"]),
    ("memory-below-minimum-postgres", {"multidb_postgres_memory_mb": 64},
     ["multidb_postgres_memory_mb", "at least 128"]),
    ("memory-below-minimum-redis", {"multidb_redis_memory_mb": 16},
     ["multidb_redis_memory_mb", "at least 32"]),
    ("memory-wrong-type-string", {"multidb_postgres_memory_mb": "lots"},
     ["multidb_postgres_memory_mb", "must be an integer"]),
    ("memory-fraction", {"multidb_redis_memory_mb": "128.5"},
     ["multidb_redis_memory_mb", "must be an integer"]),
    ("cpus-zero", {"multidb_postgres_cpus": 0},
     ["multidb_postgres_cpus", "greater than 0"]),
    ("cpus-wrong-type-string", {"multidb_redis_cpus": "fast"},
     ["multidb_redis_cpus", "must be a number"]),
    ("unknown-service-enabled-flag", {"multidb_postgress_enabled": True},
     ["multidb_postgress_enabled", "unknown service 'postgress'", "allowed services"]),
    ("unknown-service-port", {"multidb_cassandra_port": 39042},
     ["multidb_cassandra_port", "unknown service 'cassandra'"]),
    ("enabled-wrong-type", {"multidb_redis_enabled": "maybe"},
     ["multidb_redis_enabled", "must be a boolean"]),
    ("network-subnet-malformed", {"multidb_network_subnet": "10.213.0.0/33"},
     ["multidb_network_subnet", "IPv4 subnet in CIDR notation from /16 to /26"]),
    ("health-wait-zero", {"multidb_health_wait": 0},
     ["multidb_health_wait", "from 1 to 600"]),
    # Backups (issue 15): refused by site.yml's preflight as by backup.yml's and restore.yml's.
    ("backup-retention-zero", {"multidb_backup_retention_days": 0},
     ["multidb_backup_retention_days", "from 1 to 3650"]),
    ("backup-target-unknown-key", {"multidb_backup_target": {"bucket": "backups", "password": "x"}},
     ["multidb_backup_target", "refused: 'password'"]),
    ("restore-backup-malformed", {"multidb_restore_backup": "yesterday"},
     ["multidb_restore_backup", "YYYYmmddTHHMMSSZ"]),
    ("destroy-data-wrong-type", {"multidb_destroy_data": "perhaps"},
     ["multidb_destroy_data", "must be a boolean"]),
    # Deleting the data, as the AWX teardown template asks it (issue 14): its survey answers are
    # strings ("yes"), the template requires the project name typed again; a confirmation given
    # on the command line is checked too.
    ("destroy-data-confirmation-missing",
     {"multidb_destroy_data": "yes", "multidb_destroy_data_confirmation_required": True,
      "multidb_destroy_data_confirmation": ""},
     ["multidb_destroy_data=true", "confirm it by setting multidb_destroy_data_confirmation",
      "multidb_project_name ('multidb-badinput-"]),
    ("destroy-data-confirmation-wrong-project",
     {"multidb_destroy_data": "yes", "multidb_destroy_data_confirmation_required": True,
      "multidb_destroy_data_confirmation": "multidb"},
     ["multidb_destroy_data_confirmation must be the value of multidb_project_name", "got 'multidb'"]),
    ("destroy-data-confirmation-wrong-on-command-line",
     {"multidb_destroy_data": True, "multidb_destroy_data_confirmation": "multidb-prod"},
     ["multidb_destroy_data_confirmation must be the value of multidb_project_name", "got 'multidb-prod'"]),
    ("destroy-data-confirmation-required-wrong-type", {"multidb_destroy_data_confirmation_required": "perhaps"},
     ["multidb_destroy_data_confirmation_required", "must be a boolean"]),
    ("network-recreate-survey-answer-not-yes-or-no", {"multidb_network_recreate": "sure"},
     ["multidb_network_recreate", "must be a boolean"]),
    ("image-empty", {"multidb_postgres_image": ""},
     ["multidb_postgres_image", "non-empty image reference"]),
    ("image-blank", {"multidb_redis_image": "   "},
     ["multidb_redis_image", "non-empty image reference"]),
    ("image-wrong-type-list", {"multidb_postgres_image": ["postgres", "17"]},
     ["multidb_postgres_image", "must be a string"]),
    ("image-not-pullable", "unpullable-image",
     ["multidb_redis_image", "multidb-standin/does-not-exist:0", "cannot be pulled"]),
    ("environment-does-not-exist", {"multidb_environment": "nowhere"},
     ["multidb_environment", "must be one of aws, local"]),
    ("inventory-does-not-exist", "no-inventory",
     ["multidb_environment", "not defined", "inventories/local"]),
    ("password-empty", {"multidb_secrets_overrides": {"postgres_app_password": ""}},
     ["multidb_secrets_overrides.postgres_app_password", "16-128 characters"]),
    ("password-too-short", {"multidb_secrets_overrides": {"redis_app_password": "short1"}},
     ["multidb_secrets_overrides.redis_app_password", "16-128 characters"]),
    ("password-breaks-connection-string", {"multidb_secrets_overrides": {"postgres_admin_password": PASSWORD_WITH_URL_CHARS}},
     ["multidb_secrets_overrides.postgres_admin_password", "A-Z a-z 0-9 _ . ~ -"]),
    ("password-unknown-secret-name", {"multidb_secrets_overrides": {"root_password": "a" * 20}},
     ["multidb_secrets_overrides.root_password", "not a secret of this platform", "allowed names"]),
    ("password-overrides-wrong-type", {"multidb_secrets_overrides": "postgres_app_password=abc"},
     ["multidb_secrets_overrides", "must be a mapping"]),
    ("node-count-zero", {"multidb_scylla_node_count": 0},
     ["multidb_scylla_node_count", "from 1 to 9"]),
    ("node-count-negative", {"multidb_scylla_node_count": -3},
     ["multidb_scylla_node_count", "from 1 to 9"]),
    ("node-count-wrong-type", {"multidb_scylla_node_count": "three"},
     ["multidb_scylla_node_count", "must be an integer"]),
    ("node-ports-beyond-65535", {"multidb_scylla_port": 65535, "multidb_scylla_node_count": 3},
     ["multidb_scylla_port", "above 65535"]),
    ("vector-dimension-malformed", {"postgres_vector_dimension": "1536d"},
     ["postgres_vector_dimension", "must be an integer from 1 to 2000"]),
    ("vector-dimension-zero", {"postgres_vector_dimension": 0},
     ["postgres_vector_dimension", "from 1 to 2000"]),
    ("vector-dimension-too-large", {"postgres_vector_dimension": 4096},
     ["postgres_vector_dimension", "from 1 to 2000"]),
    ("database-name-invalid", {"multidb_postgres_database": "App-DB;drop"},
     ["multidb_postgres_database", "lowercase identifier"]),
    ("database-name-reserved-postgres", {"multidb_postgres_database": "postgres"},
     ["multidb_postgres_database", "other than postgres, template0 and template1"]),
    ("database-name-reserved-template", {"multidb_postgres_database": "template1"},
     ["multidb_postgres_database", "other than postgres, template0 and template1"]),
    ("database-name-reserved-mongodb", {"multidb_mongodb_database": "admin"},
     ["multidb_mongodb_database", "not admin, local or config"]),
    ("keyspace-reserved-scylla", {"multidb_scylla_keyspace": "system_auth"},
     ["multidb_scylla_keyspace", "not starting with system"]),
    ("node-count-fraction", {"multidb_scylla_node_count": 2.5},
     ["multidb_scylla_node_count", "must be an integer", "got a float (2.5)"]),
    ("memory-above-machine", {"multidb_postgres_memory_mb": 99999999},
     ["multidb_postgres_memory_mb", "more than this machine's memory"]),
    ("memory-sum-above-machine", "memory-sum",
     ["multidb_mongodb_memory_mb", "multidb_postgres_memory_mb", "add up to", "more than this machine's memory"]),
    ("network-subnet-overlaps-docker-network", "subnet-of-docker-bridge",
     ["multidb_network_subnet", "overlaps the Docker network 'bridge'"]),
    ("network-subnet-overlaps-host-route", "subnet-of-host-route",
     ["multidb_network_subnet", "overlaps the host's route"]),
    # The AWS environment (issue 13): rows with "@inventory" run on that inventory, with the
    # values a user must give (AWS_REQUIRED) and this one bad value; nothing calls AWS.
    ("aws-region-malformed", {"@inventory": "aws", "multidb_aws_region": "US-East-1"},
     ["multidb_aws_region", "an AWS region name such as us-east-1"]),
    ("aws-replica-region-same-as-region", {"@inventory": "aws-staging", "multidb_aws_replica_region": "us-east-1"},
     ["multidb_aws_replica_region", "must differ from multidb_aws_region"]),
    ("aws-vpc-cidr-too-large", {"@inventory": "aws", "multidb_aws_vpc_cidr": "10.0.0.0/8"},
     ["multidb_aws_vpc_cidr", "IPv4 CIDR from /16 to /24"]),
    ("aws-allowed-cidr-open-to-internet", {"@inventory": "aws", "multidb_aws_allowed_cidr_blocks": ["0.0.0.0/0"]},
     ["multidb_aws_allowed_cidr_blocks", "any /0 is refused", "'0.0.0.0/0'"]),
    ("aws-allowed-security-group-malformed", {"@inventory": "aws", "multidb_aws_allowed_security_group_ids": ["default"]},
     ["multidb_aws_allowed_security_group_ids", "security group IDs such as sg-"]),
    ("aws-backup-retention-above-35", {"@inventory": "aws", "multidb_postgres_backup_retention_days": 40},
     ["multidb_postgres_backup_retention_days", "from 1 to 35"]),
    ("aws-backup-window-malformed", {"@inventory": "aws", "multidb_mongodb_backup_window": "3am-4am"},
     ["multidb_mongodb_backup_window", "daily UTC window hh:mm-hh:mm"]),
    ("aws-backup-window-overlaps-maintenance", {"@inventory": "aws", "multidb_postgres_backup_window": "04:00-05:00"},
     ["multidb_postgres_backup_window", "overlaps multidb_postgres_maintenance_window"]),
    ("aws-instance-class-malformed", {"@inventory": "aws-staging", "multidb_postgres_instance_class": "m7g.xlarge"},
     ["multidb_postgres_instance_class", "RDS / DocumentDB instance class"]),
    ("aws-scylla-ami-missing", {"@inventory": "aws", "multidb_scylla_ami": ""},
     ["multidb_scylla_ami", "is required when multidb_scylla_enabled is true"]),
    ("aws-state-backend-local", {"@inventory": "aws", "multidb_state_backend": "local"},
     ["multidb_state_backend", "must be s3 when multidb_environment is aws"]),
    ("aws-setting-on-local-environment", {"multidb_redis_node_type": "cache.m7g.large"},
     ["multidb_redis_node_type", "only used when multidb_environment is aws"]),
    # a secret the AWS environment does not have (the registry's secrets_per_environment: the
    # object store is S3 there), e.g. from a credential of the local environment's AWX type
    ("aws-secret-of-the-local-environment", {"@inventory": "aws", "multidb_secrets_overrides": {"objectstore_rpc_secret": "a" * 32}},
     ["multidb_secrets_overrides.objectstore_rpc_secret", "not a secret of this platform with multidb_environment=aws",
      "allowed names"]),
    # TLS in the local environment (issue 13)
    ("tls-wrong-type", {"multidb_tls": "maybe"},
     ["multidb_tls", "must be a boolean"]),
    # CA bundles the roles verify servers with: a named one must be a file here, and the RDS
    # bundle the AWS endpoints of PostgreSQL and MongoDB need must be given
    ("tls-ca-bundle-not-a-file", {"multidb_tls_ca_bundles": {"corp-ca": "/nonexistent/corp-ca.pem"}},
     ["multidb_tls_ca_bundles['corp-ca'] is not a file on this machine"]),
    ("aws-rds-ca-bundle-missing", {"@inventory": "aws", "multidb_tls_ca_bundles": {"rds-global-bundle": ""}},
     ["multidb_tls_ca_bundles has no file for 'rds-global-bundle'", "mongodb, postgres on aws need"]),
]

# What a user of the AWS inventories must give before a first run (they ship empty).
AWS_REQUIRED = dict(AWS_USER_VALUES, multidb_state_s3_bucket="multidb-badinput-state")


def _docker_bridge_subnet() -> str:
    """Subnet of the engine's default bridge network (172.17.0.0/16 unless configured)."""
    import docker

    return docker.from_env().networks.get("bridge").attrs["IPAM"]["Config"][0]["Subnet"]


def _host_route_subnet() -> str:
    """A subnet the host routes to an interface that is not a Docker bridge (its uplink)."""
    import ipaddress

    for line in open("/proc/net/route").read().splitlines()[1:]:
        iface, dest, _gw, _flags, _ref, _use, _metric, mask = line.split()[:8]
        if iface == "docker0" or iface.startswith("br-") or int(mask, 16) == 0:
            continue
        net = ipaddress.ip_network(f"{socket.inet_ntoa(int(dest, 16).to_bytes(4, 'little'))}/"
                                   f"{socket.inet_ntoa(int(mask, 16).to_bytes(4, 'little'))}", strict=False)
        if 16 <= net.prefixlen <= 26:
            return str(net)
    pytest.skip("this machine routes no /16-/26 subnet to an interface other than a Docker bridge")


def _memory_each(share: float) -> int:
    """share x this machine's memory in MiB, as the Docker engine reports it."""
    import docker

    return int(docker.from_env().info()["MemTotal"] * share) // (1024 * 1024)


# Rows run JOBS at a time (each is an ansible-playbook of its own, mostly waiting on
# Python start-up and the engine): every row has its own project, state home and ports, so
# they cannot see each other. MULTIDB_BAD_INPUT_JOBS=1 runs them one by one.
JOBS = max(1, int(os.environ.get("MULTIDB_BAD_INPUT_JOBS", "3")))
_TAKEN_PORTS: set[int] = set()


def _prepare(index, case_id, extra, workdir):
    """The command, environment and inventory variables of one row."""
    state_home = workdir / "state"
    state_home.mkdir(parents=True)
    variables = {"multidb_project_name": f"{PROJECT}-{index}", "multidb_network_subnet": "10.213.5.0/24"}
    inventory = REPO / "inventories/local"
    if isinstance(extra, dict) and "@inventory" in extra:
        # a cloud inventory: no local ports or subnet (nothing runs here), its required values
        inventory = REPO / "inventories" / extra["@inventory"]
        variables = dict(AWS_REQUIRED, multidb_project_name=variables["multidb_project_name"])
        extra = {k: v for k, v in extra.items() if k != "@inventory"}
    else:
        variables.update(free_instance_ports(_TAKEN_PORTS))
    if extra == "same-port":
        variables[f"multidb_{SVC_B}_port"] = variables[f"multidb_{SVC_A}_port"]
    elif extra == "memory-sum":
        # each below the machine's memory, both together above it
        variables["multidb_postgres_memory_mb"] = variables["multidb_mongodb_memory_mb"] = _memory_each(0.6)
    elif extra == "subnet-of-docker-bridge":
        variables["multidb_network_subnet"] = _docker_bridge_subnet()
    elif extra == "subnet-of-host-route":
        variables["multidb_network_subnet"] = _host_route_subnet()
    elif extra == "no-inventory":
        inventory = REPO / "inventories/does-not-exist"
    elif extra == "unpullable-image":
        # Every other image is one this machine has (the session's image variables), so the
        # message must name this one only.
        if os.environ.get("MULTIDB_IMAGE_VARS"):
            variables.update(yaml.safe_load(open(os.environ["MULTIDB_IMAGE_VARS"])))
        variables["multidb_redis_image"] = "multidb-standin/does-not-exist:0"
    elif isinstance(extra, dict):
        variables.update(extra)
    vars_file = workdir / "vars.json"
    vars_file.write_text(json.dumps(variables))
    env = dict(os.environ, MULTIDB_STATE_HOME=str(state_home), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    cmd = ["ansible-playbook", "-i", str(inventory), "-e", f"@{vars_file}", "site.yml"]
    return {"cmd": cmd, "env": env, "project": str(variables["multidb_project_name"]), "state_home": state_home,
            "port_in_use": extra == "port-in-use"}


def _execute(run):
    """Run one row; the port-in-use row holds an OS-given port for the whole run."""
    run["before"] = project_objects(run["project"])
    holder = None
    if run["port_in_use"]:
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        vars_file = Path(run["cmd"][4][1:])  # "@<vars file>", rewritten with the held port
        variables = json.loads(vars_file.read_text())
        variables["multidb_postgres_port"] = holder.getsockname()[1]
        vars_file.write_text(json.dumps(variables))
    try:
        return subprocess.run(run["cmd"], cwd=REPO, env=run["env"], capture_output=True, text=True, timeout=300)
    finally:
        if holder:
            holder.close()


@pytest.fixture(scope="module")
def bad_input_runs(request, tmp_path_factory):
    """Every selected row started at once, JOBS at a time: {case id: (run, future or exception)}."""
    selected = {item.callspec.params["case_id"] for item in request.session.items
                if item.module is request.module and hasattr(item, "callspec")}
    runs = {}
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        for index, (case_id, extra, _expected) in enumerate(CASES):
            if case_id not in selected:
                continue
            try:
                run = _prepare(index, case_id, extra, tmp_path_factory.mktemp(case_id))
            except BaseException as exc:  # pytest.skip in a preparation: reported by its row
                runs[case_id] = (None, exc)
                continue
            runs[case_id] = (run, pool.submit(_execute, run))
        yield runs


@pytest.mark.parametrize("case_id, extra, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_refused_before_any_change(case_id, extra, expected, bad_input_runs):
    run, outcome = bad_input_runs[case_id]
    if run is None:
        raise outcome
    proc = outcome.result()
    state_home, project, before = run["state_home"], run["project"], run["before"]
    output = proc.stdout + proc.stderr
    flat = re.sub(r"\s+", " ", output)

    # (a) the run fails
    assert proc.returncode != 0, f"{case_id}: accepted:\n{proc.stdout[-3000:]}"
    # (b) the message names the offending variable and what is allowed
    for word in expected:
        assert word in flat, f"{case_id}: {word!r} not in the message:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    if extra == "unpullable-image" and os.environ.get("MULTIDB_IMAGE_VARS"):
        named = set(re.findall(r"(multidb_[a-z0-9]+_image) = '", flat))
        assert named == {"multidb_redis_image"}, f"{case_id}: images refused: {named}"
    if extra == "unpullable-image" and "no such host" in flat:
        assert "make up IMAGES=standin" in flat, f"{case_id}: no registry reachable, and no word of the stand-ins"
    # values are named by their plain type, never by an internal class of Ansible's
    assert "Tagged" not in flat and "_Ansible" not in flat, f"{case_id}: internal type in the message:\n{flat[-2000:]}"
    # it was refused by the preflight (first play), not by something later
    assert "Preflight" in output and "Provision the platform" not in output, f"{case_id}: not refused by the preflight"
    # secret values given by the user are never echoed
    for secret in (PASSWORD_WITH_URL_CHARS, "short1", "a" * 20):
        if secret in json.dumps(extra):
            assert secret not in output, f"{case_id}: the supplied secret appears in the output"
    # (c) nothing was created or changed
    assert list(state_home.iterdir()) == [], f"{case_id}: created {list(state_home.rglob('*'))}"
    assert project_objects(str(project)) == before == [], f"{case_id}: docker objects {before}"
