"""Unit tier: the AWS environment keeps the `services` contract of the local one.

Ansible's roles read every endpoint from the environment's `services` output (one object per
service, built from each service module's `service` output). An AWS module must therefore output
the same keys as its local twin, so the roles run unchanged on either environment, including
what TLS needs (TLS_KEYS: whether the server speaks TLS, the CA bundle clients verify it with),
which every module outputs in both environments (local: the switch `multidb_tls`).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "terraform/modules"
ENVIRONMENTS = REPO / "terraform/environments"

# Keys the AWS side adds for TLS: whether TLS is on and the CA bundle clients verify with.
TLS_KEYS = {"tls", "ca_bundle"}

PAIRS = sorted(p.parent.name for p in MODULES.glob("*/aws") if (p.parent / "local").is_dir())


def _unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


@functools.cache
def _outputs(directory: Path) -> dict:
    """{output name: its body} over every .tf of a module or environment directory."""
    found = {}
    for tf in sorted(directory.glob("*.tf")):
        text = tf.read_text()
        if not re.search(r'^output\s+"', text, re.M):  # parse only what declares outputs (speed)
            continue
        for entry in hcl2.loads(text).get("output", []):
            for name, body in entry.items():
                if not name.startswith("__"):
                    found[_unquote(name)] = body
    return found


def _service_keys(directory: Path) -> set[str]:
    outputs = _outputs(directory)
    where = directory.relative_to(REPO)
    assert "service" in outputs, f"{where}: no `service` output (the environment's `services` reads it)"
    value = outputs["service"].get("value")
    assert isinstance(value, dict), (
        f'{where}: output "service" must be an object literal `{{ engine = ..., host = ... }}` so its keys '
        f"can be compared with the other environment's, not {value!r}"
    )
    return {_unquote(k) for k in value if not k.startswith("__")}


def test_there_is_something_to_compare_once_aws_modules_exist():
    aws_only = sorted(p.parent.name for p in MODULES.glob("*/aws") if not (p.parent / "local").is_dir())
    # The network module has no local twin (Docker's network is part of the local environment).
    assert set(aws_only) <= {"network"}, f"AWS modules without a local twin: {aws_only}"


@pytest.mark.parametrize("service", PAIRS)
def test_aws_module_outputs_the_same_service_keys_as_local(service):
    local = _service_keys(MODULES / service / "local")
    aws = _service_keys(MODULES / service / "aws")
    assert TLS_KEYS <= local, f"{service}: the local module's `service` output lacks {sorted(TLS_KEYS - local)}"
    assert aws == local, (
        f'{service}: keys of output "service" differ between local and aws: '
        f"only local: {sorted(local - aws)}, only aws: {sorted(aws - local)}"
    )


def _services_names(expression: str) -> set[str]:
    """Service names in `services = merge(cond ? { postgres = module.postgres[0].service } : {}, ...)`."""
    return set(re.findall(r"\b([a-z_]+)\s*=\s*module\.[a-z_]+(?:\[[^\]]*\])?\.service\b", expression))


def test_aws_environment_outputs_services():
    env = ENVIRONMENTS / "aws"
    if not env.is_dir():
        pytest.skip("terraform/environments/aws does not exist yet")
    outputs = _outputs(env)
    assert (
        "services" in outputs
    ), "terraform/environments/aws: no `services` output (the contract with Ansible, as in local)"


def test_aws_environment_offers_the_same_services_as_local():
    env = ENVIRONMENTS / "aws"
    if not env.is_dir() or "services" not in _outputs(env):
        pytest.skip("terraform/environments/aws has no `services` output yet")
    local = _services_names(str(_outputs(ENVIRONMENTS / "local")["services"]["value"]))
    aws = _services_names(str(_outputs(env)["services"]["value"]))
    assert local, "cannot read the service names of terraform/environments/local's `services` output"
    if not aws:
        pytest.skip(
            "the aws `services` output is not written as `<name> = module.<m>[0].service` entries: names not compared"
        )
    assert aws == local, f"services of the aws environment {sorted(aws)} differ from local's {sorted(local)}"
