"""Unit tier: the two inventories of the AWS environment (inventories/aws, inventories/aws-staging).

They differ only in variables: the same hosts and the same Terraform mapping (the staging files
are links to production's), the same variable names with other values. Each passes the
preflight as shipped plus the four values a user must give, and what the playbooks would hand
Terraform is rendered by Ansible and checked against terraform/environments/aws/variables.tf:
every variable and every object attribute exists there with a matching type, and the secrets
handed over are exactly its sensitive variables. The two instances keep apart: their own
resource names, state key, secret and controller directory. No AWS, no Docker.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import certifi
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
INVENTORIES = ["aws", "aws-staging"]
# What a user must give before a first run (the shipped inventories leave them empty).
REQUIRED = {
    "multidb_state_s3_bucket": "multidb-state-123456789012",
    "multidb_scylla_ami": "ami-0123456789abcdef0",
    "multidb_weaviate_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
    # RDS and DocumentDB certificates chain to AWS's RDS CAs: a PEM bundle on the controller (any
    # existing PEM file passes the preflight, which checks that it is a file; certifi's here)
    "multidb_tls_ca_bundles": {"rds-global-bundle": certifi.where()},
}


def _declared() -> dict:
    """{variable: (type expression, sensitive)} of terraform/environments/aws/variables.tf."""
    import hcl2

    with open(REPO / "terraform/environments/aws/variables.tf") as handle:
        blocks = hcl2.load(handle)["variable"]
    return {name.strip('"'): (str(body.get("type", "")), bool(body.get("sensitive"))) for block in blocks
            for name, body in block.items()}


def _attributes(type_expression: str) -> dict:
    """{attribute: primitive type} of an object({...}) type expression."""
    return dict(re.findall(r"\b([a-z_]+)\s*=\s*optional\(\s*(bool|number|string|list|map)", type_expression))


_PYTHON = {"bool": bool, "number": (int, float), "string": str, "list": list, "map": dict}


def _matches(value, primitive: str) -> bool:
    if value is None:
        return True  # null: the default applies (optional attributes)
    if primitive == "number" and isinstance(value, bool):
        return False
    return isinstance(value, _PYTHON[primitive])


def _render(inventory: str, workdir: Path) -> dict:
    out = workdir / f"{inventory}.json"
    extra = workdir / f"{inventory}-vars.json"
    extra.write_text(json.dumps(REQUIRED))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), MULTIDB_STATE_HOME=str(workdir / "state"),
               ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(["ansible-playbook", "-i", str(REPO / "inventories" / inventory), "-e", f"@{extra}",
                           # no AWS here: the STS check of the credentials is tested against moto
                           # (tests/test_state_s3.py)
                           "-e", "preflight_check_aws_identity=false",
                           "-e", f"out={out}", str(REPO / "tests/unit/data/render-inventory.yml")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{inventory}: refused or failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    assert not (workdir / "state").exists() or not any((workdir / "state").rglob("*")), "the preflight wrote files"
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("aws-inventories")
    with ThreadPoolExecutor(max_workers=len(INVENTORIES)) as pool:
        futures = {name: pool.submit(_render, name, workdir) for name in INVENTORIES}
        return {name: future.result() for name, future in futures.items()}


def _main(inventory: str) -> dict:
    return yaml.safe_load((REPO / "inventories" / inventory / "group_vars/all/main.yml").read_text())


def test_the_inventories_differ_only_in_values():
    assert sorted(_main("aws")) == sorted(_main("aws-staging"))
    for shared in ("hosts.yml", "group_vars/all/terraform.yml"):
        assert (REPO / "inventories/aws-staging" / shared).resolve() == (REPO / "inventories/aws" / shared).resolve()
    assert (REPO / "inventories/aws/hosts.yml").resolve() == (REPO / "inventories/local/hosts.yml").resolve()
    differing = {k for k in _main("aws") if _main("aws")[k] != _main("aws-staging")[k]}
    assert {"multidb_environment_name", "multidb_aws_production", "multidb_postgres_instance_class"} <= differing


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_what_terraform_is_handed_is_what_the_aws_environment_declares(inventory, rendered):
    declared = _declared()
    variables = rendered[inventory]["terraform_variables"]
    assert set(variables) <= set(declared), f"not declared in variables.tf: {set(variables) - set(declared)}"
    for name, value in variables.items():
        type_expression, sensitive = declared[name]
        assert not sensitive, f"{name}: a secret in the non-secret variables"
        if "object(" in type_expression:
            attributes = _attributes(type_expression)
            assert isinstance(value, dict) and set(value) <= set(attributes), \
                f"{name}: attributes not in the object type: {set(value) - set(attributes)}"
            wrong = {a: v for a, v in value.items() if not _matches(v, attributes[a])}
            assert not wrong, f"{name}: values of the wrong type for {attributes}: {wrong}"
        else:
            primitive = re.search(r"bool|number|string|list|map", type_expression).group(0)
            assert _matches(value, primitive), f"{name} = {value!r} is not a {primitive}"
    # the settings reach Terraform (not the environment's defaults), e.g. the instance's own name
    assert variables["environment"] == rendered[inventory]["environment_name"]
    assert variables["postgres"]["instance_class"] == _main(inventory)["multidb_postgres_instance_class"]
    assert variables["scylla"]["ami"] == REQUIRED["multidb_scylla_ami"]
    secrets = set(rendered[inventory]["terraform_secret_variables"])
    assert secrets == {name for name, (_t, sensitive) in declared.items() if sensitive}
    # the secrets the run generates and keeps are the AWS environment's (the registry's
    # secrets_per_environment: no Garage secret, the object store is S3), Terraform's among them
    registry = yaml.safe_load((REPO / "playbooks/vars/services.yml").read_text())["multidb_service_registry"]
    expected = [name for entry in registry.values() for name in entry["secrets"]
                if name in (entry.get("secrets_per_environment") or {}).get("aws", entry["secrets"])]
    assert rendered[inventory]["secret_names"] == expected
    assert secrets <= set(expected)


def test_production_and_staging_keep_apart(rendered):
    production, staging = rendered["aws"], rendered["aws-staging"]
    for key in ("environment_name", "secret_name", "state_dir"):
        assert production[key] != staging[key], key
    assert production["state_s3"]["bucket"] == staging["state_s3"]["bucket"] == REQUIRED["multidb_state_s3_bucket"]
    assert production["terraform_variables"]["production"] is True
    assert staging["terraform_variables"]["production"] is False
