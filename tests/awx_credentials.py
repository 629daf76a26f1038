"""AWX's side of the platform's credential types, for the tests without an AWX (there is none
on our machines: it ships as registry images and an operator).

`inject` replays what AWX does with a credential when a job starts (ansible/awx,
awx/main/models/credential.py CredentialType.inject_credential): the credential's inputs are
the namespace of the injector templates (only non-empty ones; a boolean field not given is
False) and every injector key is rendered, giving the job's environment and extra variables.
The credential types are the project's own: playbooks/awx/definitions.yml (state backend) and
the filter multidb.platform.awx_secrets_credential_type over the service registry (secrets,
one type per environment).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = Path(__file__).resolve().parent.parent


class _Loader(yaml.SafeLoader):
    """Reads Ansible's !unsafe tag (the AWX injector templates) as the plain string it marks."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))

DEFINITIONS = yaml.load((REPO / "playbooks/awx/definitions.yml").read_text(), Loader=_Loader)
STATE_TYPE = DEFINITIONS["multidb_awx_state_credential_type"]
REGISTRY = yaml.safe_load((REPO / "playbooks/vars/services.yml").read_text())["multidb_service_registry"]


def _filter_module():
    spec = importlib.util.spec_from_file_location("multidb_awx_filter", REPO / "plugins/filter/awx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def secrets_type(environment: str) -> dict:
    """The secrets credential type of an environment as awx-configure.yml creates it (inputs, injectors)."""
    return _filter_module().awx_secrets_credential_type(REGISTRY, environment)


def inject(credential_type: dict, given: dict) -> tuple[dict, dict]:
    """(env, extra_vars) of a job carrying a credential of `credential_type` with the `given` inputs."""
    namespace = {key: value for key, value in given.items() if isinstance(value, bool) or len(value)}
    for field in credential_type["inputs"]["fields"]:
        if field.get("type") == "boolean" and field["id"] not in given:
            namespace[field["id"]] = False
    sandbox = ImmutableSandboxedEnvironment()

    def build(node):
        if isinstance(node, dict):
            return {build(k): build(v) for k, v in node.items()}
        if isinstance(node, list):
            return [build(x) for x in node]
        return sandbox.from_string(node).render(**namespace)

    injectors = credential_type["injectors"]
    return ({k: sandbox.from_string(v).render(**namespace) for k, v in injectors.get("env", {}).items()},
            build(injectors.get("extra_vars", {})))
