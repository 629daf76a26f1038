"""Unit tier: the preflight filters without Ansible or Docker (plugins/filter/preflight.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("preflight_filter", REPO / "plugins/filter/preflight.py")
pf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pf)

DEFAULTS = yaml.safe_load((REPO / "roles/preflight/defaults/main.yml").read_text())
REGISTRY = yaml.safe_load((REPO / "playbooks/vars/services.yml").read_text())["multidb_service_registry"]
RULES, SERVICES, WORDS = DEFAULTS["preflight_rules"], REGISTRY, DEFAULTS["preflight_platform_words"]


def errors(**values):
    return pf.preflight_errors(values, RULES, SERVICES, WORDS, {"environments": ["local"], "secret_names": ["a_password"]})


class TaggedFloat(float):
    """What Ansible 2.19 hands a filter for a float from -e (a subclass with another name)."""


@pytest.mark.parametrize("values, words", [
    ({"multidb_scylla_node_count": TaggedFloat(2.5)}, ["must be an integer", "got a float (2.5)"]),
    ({"multidb_project_name": 12345}, ["must be a string", "got an integer (12345)"]),
    ({"multidb_postgres_database": "postgres"}, ["other than postgres, template0 and template1"]),
    ({"multidb_postgres_database": "template0"}, ["other than postgres"]),
    ({"multidb_scylla_keyspace": "system_schema"}, ["not starting with system"]),
    ({"multidb_mongodb_database": "config"}, ["not admin, local or config"]),
    ({"multidb_network_recreate": "perhaps"}, ["must be a boolean"]),
])
def test_refused_with_the_variable_and_a_plain_type(values, words):
    found = " | ".join(errors(**values))
    assert next(iter(values)) in found
    for word in words:
        assert word in found, found
    assert "Tagged" not in found and "_Ansible" not in found


@pytest.mark.parametrize("values", [
    {"multidb_postgres_database": "app"}, {"multidb_scylla_keyspace": "app"}, {"multidb_scylla_node_count": 3.0},
    {"multidb_postgres_database": "postgres_app"}, {"multidb_network_recreate": True},
])
def test_allowed(values):
    assert errors(**values) == []


MIB = 1024 * 1024


def test_memory_of_one_service_above_the_machine():
    found = pf.preflight_memory_errors({"multidb_postgres_memory_mb": 99999999}, SERVICES, 4096 * MIB)
    assert len(found) == 1 and "multidb_postgres_memory_mb = 99999999 MiB" in found[0] and "4096 MiB" in found[0]


def test_memory_of_all_services_counts_nodes_and_skips_switched_off_ones():
    values = {"multidb_scylla_memory_mb": 1000, "multidb_scylla_node_count": 3, "multidb_redis_memory_mb": 1500}
    found = pf.preflight_memory_errors(values, SERVICES, 4096 * MIB)
    assert len(found) == 1 and "add up to 4500 MiB" in found[0] and "multidb_scylla_memory_mb x 3 nodes" in found[0]
    assert pf.preflight_memory_errors(dict(values, multidb_redis_enabled=False), SERVICES, 4096 * MIB) == []


ROUTES = ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
          "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
          "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
          "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
NETWORKS = [
    {"Name": "bridge", "Id": "a" * 64, "Labels": {}, "Options": {"com.docker.network.bridge.name": "docker0"},
     "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}},
    {"Name": "multidb-net", "Id": "b" * 64, "Labels": {"project": "multidb"}, "IPAM": {"Config": [{"Subnet": "10.213.0.0/24"}]}},
    {"Name": "other-net", "Id": "c" * 64, "Labels": {"project": "other"}, "IPAM": {"Config": [{"Subnet": "10.213.1.0/24"}]}},
]


@pytest.mark.parametrize("subnet, words", [
    ("172.17.0.0/16", ["overlaps the Docker network 'bridge'"]),
    ("172.17.5.0/24", ["overlaps the Docker network 'bridge'"]),
    ("10.213.0.0/16", ["overlaps the Docker network 'other-net'"]),
    ("192.0.2.0/26", ["overlaps the host's route to 192.0.2.0/24 (interface eth0)"]),
])
def test_subnet_overlapping_a_network_or_route_is_refused(subnet, words):
    found = " | ".join(pf.preflight_subnet_errors(subnet, NETWORKS, ROUTES, "multidb"))
    for word in words + ["multidb_network_subnet = " + subnet, "choose an IPv4 subnet"]:
        assert word in found, found
    assert "docker0" not in found.split("Docker network")[-1], "a Docker bridge's route was reported twice"


def test_own_network_and_free_subnets_are_allowed():
    assert pf.preflight_subnet_errors("10.213.0.0/24", NETWORKS, ROUTES, "multidb") == []
    assert pf.preflight_subnet_errors("10.214.0.0/24", NETWORKS, ROUTES, "multidb") == []


def test_ports_of_a_node_count_service_span_its_nodes():
    ports = pf.preflight_ports({"multidb_scylla_port": 9042, "multidb_scylla_node_count": 3}, RULES, SERVICES)
    assert ports == {9042: "multidb_scylla_port", 9043: "multidb_scylla_port", 9044: "multidb_scylla_port"}


S3 = {"multidb_state_backend": "s3", "multidb_state_s3_bucket": "team-tfstate", "multidb_state_s3_key_prefix": "multidb",
      "multidb_state_s3_region": "eu-central-1", "multidb_state_s3_endpoint_url": "", "multidb_state_s3_path_style": False,
      "multidb_state_s3_lock_table": ""}
LOCAL = dict(S3, multidb_state_backend="local", multidb_state_s3_bucket="")


@pytest.mark.parametrize("values", [
    LOCAL, S3,
    dict(S3, multidb_state_s3_endpoint_url="http://127.0.0.1:45001", multidb_state_s3_path_style=True),
    dict(S3, multidb_state_s3_endpoint_url="https://s3.example.org", multidb_state_s3_region="garage"),
    dict(S3, multidb_state_s3_lock_table="terraform-locks", multidb_state_s3_key_prefix="platform/terraform"),
    dict(S3, multidb_terraform_binary=""), dict(S3, multidb_terraform_binary="tofu"),
    dict(LOCAL, multidb_terraform_binary="/opt/opentofu-1.10/bin/tofu"),
    dict(S3, multidb_secrets_backend="aws_secretsmanager", multidb_secrets_aws_prefix="teams/llm",
         multidb_secrets_aws_region="eu-west-1", multidb_secrets_aws_endpoint_url="http://127.0.0.1:45001",
         multidb_secrets_aws_kms_key_id="alias/multidb"),
    dict(LOCAL, multidb_secrets_backend="local", multidb_secrets_aws_endpoint_url="", multidb_secrets_aws_kms_key_id=""),
])
def test_state_backend_allowed(values):
    assert errors(**values) == []


@pytest.mark.parametrize("values, variable, words", [
    (dict(LOCAL, multidb_state_backend="consul"), "multidb_state_backend", ["must be one of local, s3", "'consul'"]),
    (dict(S3, multidb_state_s3_bucket=""), "multidb_state_s3_bucket", ["is required when multidb_state_backend is s3"]),
    (dict(S3, multidb_state_s3_bucket="Team_State"), "multidb_state_s3_bucket", ["an S3 bucket name"]),
    (dict(S3, multidb_state_s3_key_prefix="/multidb/"), "multidb_state_s3_key_prefix", ["without a leading or trailing slash"]),
    (dict(S3, multidb_state_s3_key_prefix="a//b"), "multidb_state_s3_key_prefix", ["separated by single slashes"]),
    (dict(S3, multidb_state_s3_endpoint_url="127.0.0.1:9000"), "multidb_state_s3_endpoint_url", ["http:// or https:// URL"]),
    (dict(S3, multidb_state_s3_endpoint_url="ftp://host"), "multidb_state_s3_endpoint_url", ["http:// or https:// URL"]),
    (dict(S3, multidb_state_s3_region="EU Central"), "multidb_state_s3_region", ["region name"]),
    (dict(LOCAL, multidb_state_s3_lock_table="terraform-locks"), "multidb_state_s3_lock_table",
     ["only used when multidb_state_backend is s3", "'local'"]),
    (dict(LOCAL, multidb_state_s3_bucket="team-tfstate"), "multidb_state_s3_bucket", ["only used when multidb_state_backend is s3"]),
    (dict(S3, multidb_state_s3_path_style="sometimes"), "multidb_state_s3_path_style", ["must be a boolean"]),
    (dict(LOCAL, multidb_terraform_binary="tofu -chdir=/"), "multidb_terraform_binary", ["a command on PATH"]),
    (dict(LOCAL, multidb_terraform_binary="terraform;id"), "multidb_terraform_binary", ["or a path to one"]),
    (dict(S3, multidb_secrets_backend="vault"), "multidb_secrets_backend", ["must be one of aws_secretsmanager, local", "'vault'"]),
    (dict(S3, multidb_secrets_backend="aws_secretsmanager", multidb_secrets_aws_prefix="/multidb"),
     "multidb_secrets_aws_prefix", ["without a leading or trailing slash"]),
    (dict(S3, multidb_secrets_backend="aws_secretsmanager", multidb_secrets_aws_endpoint_url="localhost:4566"),
     "multidb_secrets_aws_endpoint_url", ["http:// or https:// URL"]),
    (dict(S3, multidb_secrets_aws_endpoint_url="http://127.0.0.1:4566"), "multidb_secrets_aws_endpoint_url",
     ["only used when multidb_secrets_backend is aws_secretsmanager"]),
])
def test_state_backend_refused_naming_the_variable(values, variable, words):
    found = errors(**values)
    assert len(found) == 1, found
    assert found[0].startswith(variable), found
    for word in words:
        assert word in found[0], found


AWS = {"multidb_environment": "aws"}


def aws_errors(**values):
    return pf.preflight_errors(dict(AWS, **values), RULES, SERVICES, WORDS, {"environments": ["aws", "local"]})


@pytest.mark.parametrize("values, variable, words", [
    ({"multidb_postgres_backup_window": "03:00-04:00", "multidb_postgres_maintenance_window": "sun:03:30-sun:04:30"},
     "multidb_postgres_backup_window", ["overlaps multidb_postgres_maintenance_window"]),
    # a daily window overlaps a weekly one on any day, across midnight too
    ({"multidb_mongodb_backup_window": "23:30-00:30", "multidb_mongodb_maintenance_window": "wed:00:00-wed:01:00"},
     "multidb_mongodb_backup_window", ["overlaps"]),
    ({"multidb_redis_backup_window": "03:00-03:45"}, "multidb_redis_backup_window", ["at least 60 minutes", "(45 minutes)"]),
    ({"multidb_postgres_backup_window": "03:00-03:15"}, "multidb_postgres_backup_window", ["at least 30 minutes"]),
    ({"multidb_postgres_maintenance_window": "sun:04:00-sun:04:30"}, "multidb_postgres_maintenance_window",
     ["at least 60 minutes"]),
    ({"multidb_aws_allowed_cidr_blocks": ["10.0.0.0/16", "0.0.0.0/0"]}, "multidb_aws_allowed_cidr_blocks",
     ["any /0 is refused", "refused: '0.0.0.0/0'"]),
    ({"multidb_aws_allowed_cidr_blocks": ["10.0.0.0/16", "10.0.0.0/16"]}, "multidb_aws_allowed_cidr_blocks", ["twice"]),
    ({"multidb_aws_allowed_cidr_blocks": "10.0.0.0/16"}, "multidb_aws_allowed_cidr_blocks", ["must be a list"]),
    ({"multidb_aws_region": "us-east-1", "multidb_aws_replica_region": "us-east-1"}, "multidb_aws_replica_region",
     ["must differ from multidb_aws_region"]),
    ({"multidb_state_backend": "local"}, "multidb_state_backend", ["must be s3 when multidb_environment is aws"]),
    ({"multidb_secrets_backend": "local"}, "multidb_secrets_backend", ["must be aws_secretsmanager when"]),
    ({"multidb_aws_flow_log_retention_days": 10}, "multidb_aws_flow_log_retention_days", ["must be one of 1, 3, 5"]),
    ({"multidb_aws_tags": {"aws:owner": "x"}}, "multidb_aws_tags", ["not starting with aws:"]),
    ({"multidb_scylla_enabled": True, "multidb_scylla_ami": ""}, "multidb_scylla_ami", ["is required when multidb_scylla_enabled is true"]),
])
def test_aws_settings_refused_naming_the_variable(values, variable, words):
    found = " | ".join(aws_errors(**values))
    assert variable in found, found
    for word in words:
        assert word in found, found


@pytest.mark.parametrize("values", [
    {"multidb_postgres_backup_window": "03:00-04:00", "multidb_postgres_maintenance_window": "sun:04:00-sun:05:00"},
    {"multidb_redis_backup_window": "23:30-00:30", "multidb_redis_maintenance_window": "sat:22:00-sat:23:30"},
    {"multidb_aws_allowed_cidr_blocks": ["10.0.0.0/16", "192.168.1.7/32"], "multidb_aws_tags": {"team": "data"}},
    {"multidb_state_backend": "s3", "multidb_secrets_backend": "aws_secretsmanager", "multidb_scylla_enabled": False,
     "multidb_scylla_ami": ""},
])
def test_aws_settings_allowed(values):
    assert aws_errors(**values) == []


def test_aws_settings_are_refused_on_the_local_environment():
    found = errors(multidb_environment="local", multidb_postgres_instance_class="db.m7g.large")
    assert found == ["multidb_postgres_instance_class is only used when multidb_environment is aws (it is 'local'): "
                     "remove it or set multidb_environment=aws"]


def test_local_settings_are_refused_on_the_aws_environment():
    found = " | ".join(aws_errors(multidb_postgres_port=5432, multidb_network_subnet="10.213.0.0/24"))
    assert "multidb_postgres_port is only used when multidb_environment is local" in found
    assert "multidb_network_subnet is only used when multidb_environment is local" in found


def test_aws_resource_name_length_and_fargate_sizes():
    found = " | ".join(aws_errors(multidb_project_name="multidb-platform-production", multidb_environment_name="aws-staging",
                                  multidb_weaviate_cpus=3.0))
    assert "multidb_project_name-multidb_environment_name ('multidb-platform-production-aws-staging', 39 characters) " \
           "must be at most 34 characters" in found
    assert "multidb_weaviate_cpus must be one of 0.25, 0.5, 1, 2, 4, 8, 16 when multidb_environment is aws" in found
    # locally neither applies
    assert errors(multidb_environment="local", multidb_project_name="multidb-platform-production",
                  multidb_environment_name="local-instance", multidb_weaviate_cpus=3.0) == []


def test_a_secret_override_of_another_environment_is_refused_naming_the_environment():
    """multidb_secret_names is the secrets of the run's environment (playbooks/vars/platform.yml):
    an override of a secret that environment does not have is named with the environment."""
    known = ["postgres_admin_password"]
    value = "x" * 32
    found = pf.preflight_errors({"multidb_environment": "aws", "multidb_secrets_overrides": {"objectstore_rpc_secret": value}},
                                RULES, SERVICES, WORDS, {"environments": ["aws", "local"], "secret_names": known})
    assert len(found) == 1, found
    assert found[0].startswith("multidb_secrets_overrides.objectstore_rpc_secret is not a secret of this platform"
                               " with multidb_environment=aws; allowed names: postgres_admin_password"), found
    assert value not in found[0]
    assert pf.preflight_errors({"multidb_environment": "aws", "multidb_secrets_overrides": {"postgres_admin_password": value}},
                               RULES, SERVICES, WORDS, {"environments": ["aws", "local"], "secret_names": known}) == []


# multidb_tls: which services may be enabled with it is the registry's (`tls` in an entry). Every
# service of the registry has one; a service added without it is refused under multidb_tls.
WITH_TLS = sorted(name for name, entry in REGISTRY.items() if "tls" in entry)


@pytest.mark.parametrize("tls", [True, "true", "yes", "on"])
def test_tls_with_a_service_added_without_tls_enabled_is_refused_naming_both_switches(tls):
    service = "newdb"
    services = dict(SERVICES, **{service: {"memory_min_mb": 1}})
    for enabled in ({}, {f"multidb_{service}_enabled": True}, {f"multidb_{service}_enabled": "yes"}):
        found = pf.preflight_errors(dict({"multidb_tls": tls}, **enabled), RULES, services, WORDS, {})
        assert len(found) == 1, found
        for words in (f"multidb_tls=true with multidb_{service}_enabled=true", f"{service} has no TLS under multidb_tls",
                      f"set multidb_{service}_enabled=false to use multidb_tls (or multidb_tls=false)",
                      "services allowed with multidb_tls=true: " + ", ".join(WITH_TLS)):
            assert words in found[0], found[0]


@pytest.mark.parametrize("values", [
    {"multidb_tls": False}, {"multidb_tls": "no"},
    dict({"multidb_tls": True}, **{f"multidb_{s}_enabled": True for s in REGISTRY}),
    dict({"multidb_tls": "yes"}, **{f"multidb_{s}_enabled": "yes" for s in REGISTRY}),
])
def test_tls_is_allowed_when_every_enabled_service_has_tls_in_the_registry(values):
    assert errors(**values) == []


def test_tls_refusal_names_every_enabled_service_without_tls():
    services = {"a": {"memory_min_mb": 1, "tls": {"names": ["DNS:a"]}}, "b": {"memory_min_mb": 1},
                "c": {"memory_min_mb": 1, "tls": {"plaintext": True}}, "d": {"memory_min_mb": 1}}
    found = pf.preflight_errors({"multidb_tls": True, "multidb_d_enabled": "false"}, RULES, services, WORDS, {})
    assert found == ["multidb_tls=true with multidb_b_enabled=true: b has no TLS under multidb_tls (no `tls` in its"
                     " entry of playbooks/vars/services.yml); set multidb_b_enabled=false to use multidb_tls"
                     " (or multidb_tls=false); services allowed with multidb_tls=true: a, c"], found
    found = pf.preflight_errors({"multidb_tls": True}, RULES, services, WORDS, {})
    assert "multidb_b_enabled=true and multidb_d_enabled=true" in found[0]
    assert "multidb_b_enabled=false and multidb_d_enabled=false" in found[0]


# Named CA bundles: what the enabled services need in an environment (registry `ca_bundles`)
def test_a_ca_bundle_the_enabled_services_need_is_required_on_their_environment():
    found = pf.preflight_ca_bundle_errors({}, REGISTRY, "aws")
    assert found == ["multidb_tls_ca_bundles has no file for 'rds-global-bundle', the CA bundle that mongodb, postgres"
                     " on aws need (the PEM file of its CAs)"], found
    assert pf.preflight_ca_bundle_errors({"multidb_mongodb_enabled": "false"}, REGISTRY, "aws") == [
        "multidb_tls_ca_bundles has no file for 'rds-global-bundle', the CA bundle that postgres on aws needs"
        " (the PEM file of its CAs)"]
    assert pf.preflight_ca_bundle_errors({"multidb_tls_ca_bundles": {"rds-global-bundle": ""}}, REGISTRY, "aws")
    # switched off, or another environment: nothing is needed
    assert pf.preflight_ca_bundle_errors({"multidb_mongodb_enabled": False, "multidb_postgres_enabled": "no"},
                                         REGISTRY, "aws") == []
    assert pf.preflight_ca_bundle_errors({}, REGISTRY, "local") == []


def test_every_named_ca_bundle_must_be_a_file_here(tmp_path):
    bundle = tmp_path / "global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    good = {"multidb_tls_ca_bundles": {"rds-global-bundle": str(bundle)}}
    assert pf.preflight_ca_bundle_errors(good, REGISTRY, "aws") == []
    gone = str(tmp_path / "nowhere.pem")
    found = pf.preflight_ca_bundle_errors({"multidb_tls_ca_bundles": {"rds-global-bundle": str(bundle), "corp": gone}},
                                          REGISTRY, "local")
    assert found == [f"multidb_tls_ca_bundles['corp'] is not a file on this machine: {gone}"], found
    directory = {"multidb_tls_ca_bundles": {"rds-global-bundle": str(tmp_path)}}
    assert pf.preflight_ca_bundle_errors(directory, REGISTRY, "aws") == [
        f"multidb_tls_ca_bundles['rds-global-bundle'] is not a file on this machine: {tmp_path}"]


@pytest.mark.parametrize("value", [["/a.pem"], {"RDS": "/a.pem"}, {"rds-global-bundle": "relative.pem"},
                                   {"rds-global-bundle": "/with space.pem"}])
def test_tls_ca_bundles_must_map_names_to_absolute_paths(value):
    found = errors(multidb_tls_ca_bundles=value)
    assert len(found) == 1 and found[0].startswith("multidb_tls_ca_bundles must be"), found
