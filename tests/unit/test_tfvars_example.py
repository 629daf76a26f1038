"""Unit tier: terraform.tfvars.example of each environment is kept true: every service object
of variables.tf appears in it with every attribute at its default, and nothing else does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENTS = sorted(p.parent for p in (REPO / "terraform/environments").glob("*/terraform.tfvars.example"))


def _value(text: str):
    return json.loads(text.strip())


def _defaults(variables_tf: str) -> dict:
    """{variable: default} of plain variables and {object variable: {attribute: default}}."""
    found = {}
    for name, body in re.findall(r'^variable "([a-z_]+)" \{\n(.*?)^\}', variables_tf, re.S | re.M):
        # optional(<type>, <default>): a primitive type, or a list of one (the aws environment's
        # redis.app_command_rules, weaviate.image_pull_cidr_blocks). optional(<type>) without a
        # default (scylla.ami, a value the user must give) is not an input with a default.
        attrs = re.findall(r"^\s+([a-z_]+)\s+= optional\((?:[a-z]+|list\([a-z]+\)), (.+)\)$", body, re.M)
        unread = [
            line.strip()
            for line in re.findall(r"^\s+[a-z_]+\s+= optional\(.*$", body, re.M)
            if not re.search(r"= optional\((?:[a-z]+|list\([a-z]+\)), .+\)$|= optional\([a-z]+(?:\([a-z]+\))?\)$", line)
        ]
        assert not unread, f"variable {name}: this test cannot read the default of {unread}; extend _defaults"
        if attrs:
            found[name] = {key: _value(value) for key, value in attrs}
            continue
        if "sensitive   = true" in body:
            continue
        default = re.search(r"^  default\s+= (.+)$", body, re.M)
        if default and default.group(1) not in ("{}", "null"):
            found[name] = _value(default.group(1))
    return found


def _example(tfvars: str) -> dict:
    found = {}
    for name, body in re.findall(r"^([a-z_]+) = \{\n(.*?)^\}", tfvars, re.S | re.M):
        found[name] = {key: _value(value) for key, value in re.findall(r"^\s+([a-z_]+)\s+= (.+)$", body, re.M)}
    for name, value in re.findall(r"^([a-z_]+)\s+= ([^{\n]+)$", tfvars, re.M):
        found[name] = _value(value)
    return found


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda p: p.name)
def test_example_lists_every_input_at_its_default_and_no_secret(env):
    defaults = _defaults((env / "variables.tf").read_text())
    example = _example((env / "terraform.tfvars.example").read_text())
    assert example == defaults
    assert not [key for key in example if re.search(r"password|secret|token|api_key", key)]


def test_aws_redis_app_acl_defaults_are_the_roles():
    """The aws environment creates Redis' application user itself (ElastiCache has no ACL SETUSER):
    its default key prefix and command rules must be those roles/redis applies locally."""
    import yaml

    role = yaml.safe_load((REPO / "roles/redis/defaults/main.yml").read_text())
    aws = _defaults((REPO / "terraform/environments/aws/variables.tf").read_text())["redis"]
    assert aws["app_key_prefix"] == role["redis_app_key_prefix"]
    assert aws["app_command_rules"] == role["redis_app_command_rules"]
    assert aws["app_user"] == role["redis_app_user"]
