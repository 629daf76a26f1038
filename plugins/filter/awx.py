# -*- coding: utf-8 -*-
"""Filters of playbooks/awx-configure.yml: AWX objects built from the platform's own data.

The secrets credential type of an environment has one field per secret the service registry
(playbooks/vars/services.yml) gives that environment, so a service added there is covered
without editing a list.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: awx_secrets_credential_type
short_description: The AWX credential type holding the platform's secrets in one environment
description:
  - Builds the C(inputs) and C(injectors) of an AWX custom credential type with one secret,
    required string field per secret the service registry gives the environment (each entry's
    C(secrets), narrowed by its C(secrets_per_environment); in the registry's order).
  - One type per environment, because a credential holds the secrets of one instance, and an
    instance is of the environment of the job's inventory; the preflight refuses the name of a
    secret the run's environment does not have, and a type with every environment's secrets
    would make an AWS credential carry (required) values for the local object store's secrets.
  - Its injector gives the job the extra variable C(multidb_secrets_overrides), a mapping of
    secret name to value, which the C(secrets) role takes instead of generated values.
  - Every field is required because AWX renders every injector key, and an unset field would be
    injected as an empty string (refused by the preflight), not left out.
options:
  _input:
    description: The service registry (C(multidb_service_registry)), by service name.
    type: dict
    required: true
  environment:
    description: The Terraform environment (C(multidb_environment) of the inventories the credentials are for).
    type: str
    required: true
"""

EXAMPLES = r"""
inputs: "{{ (multidb_service_registry | multidb.platform.awx_secrets_credential_type('aws')).inputs }}"
"""

RETURN = r"""
_value:
  description: C(inputs) (C(fields), C(required)) and C(injectors) (C(extra_vars)) of the credential type.
  type: dict
"""


def _secret_names(registry, environment):
    """{name: service} of the secrets the services have in `environment`, in the registry's order
    (the same selection as the filter multidb.platform.secret_names: make unit compares them)."""
    names = {}
    for service, entry in registry.items():
        only = (entry.get("secrets_per_environment") or {}).get(environment)
        for name in entry.get("secrets") or []:
            if only is None or name in only:
                names.setdefault(name, service)
    return names


def awx_secrets_credential_type(registry, environment):
    """{inputs, injectors} of the secrets credential type of `environment` (see DOCUMENTATION)."""
    owners = _secret_names(registry, environment)
    names = list(owners)
    fields = [{
        "id": name,
        "label": name.replace("_", " ").capitalize(),
        "type": "string",
        "secret": True,
        "help_text": "The %s secret %s of the instance: 16-128 characters of A-Z a-z 0-9 _ . ~ -"
                     % (owners[name], name),
    } for name in names]
    return {
        "inputs": {"fields": fields, "required": names},
        # AWX renders these with Jinja from the credential's values when a job starts.
        "injectors": {"extra_vars": {"multidb_secrets_overrides": {name: "{{ %s }}" % name for name in names}}},
    }


class FilterModule:
    def filters(self):
        return {"awx_secrets_credential_type": awx_secrets_credential_type}
