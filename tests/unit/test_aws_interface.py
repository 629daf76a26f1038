"""Unit tier: the common interface of the AWS service modules stays one interface.

Every terraform/modules/<service>/aws module takes the same inputs (name, network, kms_key_arn,
tags, production) and is composed from the shared building blocks in
terraform/modules/shared/aws-*: Terraform has no shared variable types, so each module declares
the inputs itself. These tests keep the declarations equal, keep the validation in
shared/aws-service-interface (called by every service module) and the ingress rules in
shared/aws-security-group (no module opens its own port to the allowed sources), and check that
the environment passes the same common inputs to every service module.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "terraform/modules"
SHARED = MODULES / "shared"
ENVIRONMENT = REPO / "terraform/environments/aws"

# terraform/modules/network/aws makes the network the others live in: not a service module.
SERVICES = sorted(p.parent.name for p in MODULES.glob("*/aws") if p.parent.name != "network")
COMMON = ("name", "network", "kms_key_arn", "tags", "production")


def _unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


@functools.cache
def _blocks(directory: Path, kind: str) -> dict[str, dict]:
    """{label: body} of the `variable` or `module` blocks of every .tf in directory."""
    found = {}
    for tf in sorted(directory.glob("*.tf")):
        for entry in hcl2.load(tf.open()).get(kind, []):
            for label, body in entry.items():
                if not label.startswith("__"):
                    found[_unquote(label)] = body
    return found


def _type(directory: Path, variable: str) -> str:
    return re.sub(r"\s+", "", str(_blocks(directory, "variable")[variable].get("type")))


def test_there_are_service_modules():
    assert set(SERVICES) >= {"postgres", "redis", "mongodb", "objectstore", "scylla", "weaviate"}, SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_service_module_declares_the_common_inputs_alike(service):
    here, first = MODULES / service / "aws", MODULES / SERVICES[0] / "aws"
    variables = _blocks(here, "variable")
    missing = [v for v in COMMON if v not in variables]
    assert not missing, f"{service}/aws: common inputs not declared: {missing}"
    differ = {v: (_type(here, v), _type(first, v)) for v in COMMON if _type(here, v) != _type(first, v)}
    assert not differ, f"{service}/aws declares common inputs with other types than {SERVICES[0]}/aws: {differ}"
    assert "default" not in variables["production"], f"{service}/aws: production has no default (the environment decides)"


def test_shared_modules_take_parts_of_the_network_input():
    """network is one object: what the interface module validates (where the service lives) and
    what the security group module takes (the VPC and who may connect) are attributes of it."""

    def attributes(type_text: str) -> set[str]:
        return set(re.findall(r"(\w+)=", type_text.split("object({", 1)[1]))

    service = attributes(_type(MODULES / SERVICES[0] / "aws", "network"))
    interface = attributes(_type(SHARED / "aws-service-interface", "network"))
    security_group = attributes(_type(SHARED / "aws-security-group", "network"))
    assert interface | security_group == service, (interface, security_group, service)


@pytest.mark.parametrize("service", SERVICES)
def test_service_module_validates_through_the_interface_module(service):
    calls = [
        body
        for body in _blocks(MODULES / service / "aws", "module").values()
        if _unquote(body["source"]) == "../../shared/aws-service-interface"
    ]
    assert len(calls) == 1, f"{service}/aws must call ../../shared/aws-service-interface once, not {len(calls)} times"
    passed = {k: v for k, v in calls[0].items() if k not in ("source", "__is_block__")}
    assert passed == {"name": "${var.name}", "network": "${var.network}", "kms_key_arn": "${var.kms_key_arn}"}


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_shared_security_group_admits_the_allowed_sources(service):
    here = MODULES / service / "aws"
    calls = [b for b in _blocks(here, "module").values() if _unquote(b["source"]) == "../../shared/aws-security-group"]
    assert calls, f"{service}/aws: no ../../shared/aws-security-group (the group the allowed sources reach)"
    assert all(c.get("network") == "${var.network}" for c in calls), f"{service}/aws: pass network = var.network"
    code = "\n".join(tf.read_text() for tf in sorted(here.glob("*.tf")) if tf.name != "variables.tf")
    used = sorted(set(re.findall(r"\bvar\.network\.allowed_\w+", code)))
    assert not used, f"{service}/aws uses {used} itself: its rules belong to ../../shared/aws-security-group"


@pytest.mark.parametrize("service", SERVICES)
def test_environment_passes_the_common_inputs_alike(service):
    calls = {
        name: body
        for name, body in _blocks(ENVIRONMENT, "module").items()
        if _unquote(body["source"]) == f"../../modules/{service}/aws"
    }
    assert len(calls) == 1, f"terraform/environments/aws calls modules/{service}/aws {len(calls)} times"
    body = next(iter(calls.values()))
    assert {k: body.get(k) for k in ("name", "network", "kms_key_arn", "production")} == {
        "name": "${local.name}",
        "network": "${local.service_network}",
        "kms_key_arn": "${module.network.kms_key_arn}",
        "production": "${var.production}",
    }
    assert body.get("tags") == {"service": f'"{service}"'}
