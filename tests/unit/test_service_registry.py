"""Unit tier: the service registry, the inventory's service hosts and the service filters
(plugins/filter/services.py), without Ansible or Docker."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("services_filter", REPO / "plugins/filter/services.py")
sf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sf)

REGISTRY = yaml.safe_load((REPO / "playbooks/vars/services.yml").read_text())["multidb_service_registry"]
INVENTORY = yaml.safe_load((REPO / "inventories/local/hosts.yml").read_text())
ENVIRONMENTS = sorted(p.parent.name for p in (REPO / "terraform/environments").glob("*/versions.tf"))
TERRAFORM_VARS = yaml.safe_load((REPO / "inventories/local/group_vars/all/terraform.yml").read_text())


def test_every_service_host_has_an_entry_and_every_entry_a_host():
    hosts = set(INVENTORY["all"]["children"]["multidb_services"]["hosts"])
    assert hosts == set(REGISTRY)


def test_every_entry_names_its_terraform_variables_and_a_role_with_init_and_health():
    for name, entry in REGISTRY.items():
        assert name in TERRAFORM_VARS["multidb_terraform_variables"], f"{name}: no Terraform variable mapping"
        role = REPO / "roles" / entry["role"].split(".")[-1]
        assert (role / "tasks/init.yml").is_file() and (role / "tasks/health.yml").is_file(), name
        assert f"{name}_health" in (role / "tasks/health.yml").read_text(), f"{name}: health.yml records no {name}_health"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_secrets_are_named_for_their_service_and_terraform_takes_a_subset(name):
    entry = REGISTRY[name]
    assert all(secret.startswith(f"{name}_") for secret in entry["secrets"]), entry["secrets"]
    assert set(entry["terraform_secrets"]) == set(ENVIRONMENTS), f"{name}: terraform_secrets per environment"
    for environment, secrets in entry["terraform_secrets"].items():
        assert set(secrets) <= set(entry["secrets"]), f"{name}/{environment}: {secrets}"
    assert isinstance(entry["memory_min_mb"], int) and entry["memory_min_mb"] > 0
    # Every role input is the role's own variable (prefixed with the role name).
    role = entry["role"].split(".")[-1]
    assert all(var.startswith(f"{role}_") for var in entry["role_vars"]), entry["role_vars"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_terraform_secrets_of_an_environment_are_exactly_its_sensitive_variables(environment):
    """Each environment is handed the secrets it declares (sensitive variables), and only those:
    a secret the registry forgets fails the plan, one it adds fails as an undeclared variable."""
    import hcl2

    with open(REPO / "terraform/environments" / environment / "variables.tf") as handle:
        declared = hcl2.load(handle)["variable"]
    sensitive = {name.strip('"') for block in declared for name, body in block.items() if body.get("sensitive")}
    handed = {secret for entry in REGISTRY.values() for secret in entry["terraform_secrets"][environment]}
    assert handed == sensitive


def test_secret_names_are_unique_across_services():
    names = [secret for entry in REGISTRY.values() for secret in entry["secrets"]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_secrets_per_environment_narrows_the_secrets_for_known_environments(name):
    restricted = REGISTRY[name].get("secrets_per_environment") or {}
    assert set(restricted) <= set(ENVIRONMENTS), f"{name}: secrets_per_environment names {set(restricted)}"
    for environment, secrets in restricted.items():
        assert set(secrets) <= set(REGISTRY[name]["secrets"]), f"{name}/{environment}: {secrets}"


def _role_var_secrets(entry):
    """{secret: read with a default} of the secrets_values.<secret> the entry's role inputs read."""
    found = {}
    for template in entry["role_vars"].values():
        for match in re.finditer(r"secrets_values\.([a-z0-9_]+)\s*(\|\s*default\b)?", str(template)):
            found[match.group(1)] = found.get(match.group(1), True) and bool(match.group(2))
    return found


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_an_environment_has_exactly_the_secrets_it_uses(environment):
    """Every secret the registry gives an environment is taken by its Terraform environment or read
    by a role (so none is generated and stored for nothing: the object store's Garage secrets on
    AWS, where the object store is S3); every secret Terraform takes exists there, and a role input
    read without a default is a secret of every environment (else: undefined on the service host)."""
    names = sf.secret_names(REGISTRY, environment)
    assert len(names) == len(set(names))
    used = set()
    for name, entry in REGISTRY.items():
        assert set(entry["terraform_secrets"][environment]) <= set(names), f"{name}: Terraform takes a secret not generated"
        used |= set(entry["terraform_secrets"][environment])
        for secret, defaulted in _role_var_secrets(entry).items():
            assert defaulted or secret in names, f"{name}: role_vars read {secret}, not a secret of {environment}"
            used |= set() if defaulted else {secret}
    assert set(names) <= used, f"{environment}: secrets generated but never used: {sorted(set(names) - used)}"


def test_secret_names_follow_the_environment_in_registry_order():
    registry = {"a": {"secrets": ["a_one", "a_two"], "secrets_per_environment": {"aws": ["a_two"]}},
                "b": {"secrets": ["b_one"], "secrets_per_environment": {"aws": []}}, "c": {"secrets": ["c_one"]}}
    assert sf.secret_names(registry, "local") == ["a_one", "a_two", "b_one", "c_one"]
    assert sf.secret_names(registry, "aws") == ["a_two", "c_one"]


def test_service_hosts_keeps_the_contract_order_and_only_the_hosts_given():
    contract = {"postgres": {"port": 1}, "redis": {"port": 2}, "scylla": {"port": 3}}
    assert list(sf.service_hosts(contract, ["scylla", "postgres", "weaviate"])) == ["postgres", "scylla"]
    assert sf.service_hosts(contract, []) == {}


def test_service_health_reads_what_each_host_recorded():
    hostvars = {"redis": {"redis_health": {"status": "healthy"}, "other": 1}, "scylla": {}}
    assert sf.service_health(["redis", "scylla", "missing"], hostvars) == {"redis": {"status": "healthy"}}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_health_timeout_var_is_an_option_of_the_roles_health_entry_point(name):
    entry = REGISTRY[name]
    role = REPO / "roles" / entry["role"].split(".")[-1]
    specs = yaml.safe_load((role / "meta/argument_specs.yml").read_text())["argument_specs"]
    assert entry["health_timeout_var"] in specs["health"]["options"], (name, entry["health_timeout_var"])
    assert specs["health"]["options"][entry["health_timeout_var"]]["type"] == "int"


# --- TLS (multidb_tls): which services speak it, and for which names, is their entry's `tls` -----

def _tls_services():
    return {name for name, entry in REGISTRY.items() if (entry.get("tls") or {}).get("names")}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_tls_is_names_or_plaintext_or_absent(name):
    tls = REGISTRY[name].get("tls")
    if tls is None:
        return  # refused with multidb_tls (tests/unit/test_preflight_filter.py)
    assert tls in ({"plaintext": True},) or (set(tls) == {"names"} and tls["names"]), f"{name}: tls {tls}"
    if "names" in tls:
        assert all(re.fullmatch(r"(IP:[0-9.]+|DNS:[A-Za-z0-9.{}_ -]+)", n) for n in tls["names"]), tls["names"]


def test_the_services_that_speak_tls_are_those_whose_terraform_module_mounts_a_certificate():
    """The registry's tls.names (the tls role's servers) and the local environment's modules agree:
    a module that takes a tls_dir is called with one, and gets a certificate; no other does."""
    import hcl2

    with_tls_dir = {path.parent.parent.name for path in (REPO / "terraform/modules").glob("*/local/variables.tf")
                    if 'variable "tls_dir"' in path.read_text()}
    with open(REPO / "terraform/environments/local/main.tf") as handle:
        calls = {name.strip('"'): body for block in hcl2.load(handle)["module"] for name, body in block.items()}
    passed = {name for name, body in calls.items() if "tls_dir" in body}
    assert _tls_services() == with_tls_dir == passed, (_tls_services(), with_tls_dir, passed)
    assert sf.tls_servers(REGISTRY) == {name: REGISTRY[name]["tls"]["names"] for name in sorted(_tls_services())}


@pytest.mark.parametrize("name", sorted(_tls_services()))
def test_a_tls_certificate_names_every_name_the_service_is_reached_by(name):
    """The roles verify the host name: the contract's host (127.0.0.1), the container name and its
    network aliases (containers of the project network) must all be subject alternative names."""
    module = REPO / "terraform/modules" / name / "local"
    names = REGISTRY[name]["tls"]["names"]
    host = re.search(r'\bhost\s*=\s*"([^"]+)"', (module / "outputs.tf").read_text()).group(1)
    main = (module / "main.tf").read_text()
    container = re.search(r'"\$\{var\.project_name\}-([a-z0-9-]+)"', main).group(1)
    if "node_count_var" in REGISTRY[name]:
        # a cluster: node i's alias and container are "<hostname>${i + 1}" and "${local.name}-<node>${i + 1}",
        # for every node the module accepts (one certificate, so a cluster that grows keeps it)
        hostname = re.search(r'hostname\s*=\s*"([a-z0-9-]+)\$\{i \+ 1\}"', main).group(1)
        node = re.search(r'container\s*=\s*"\$\{local\.name\}-([a-z0-9-]+)\$\{i \+ 1\}"', main).group(1)
        most = int(re.search(r"var\.node_count <= ([0-9]+)", (module / "variables.tf").read_text()).group(1))
        aliases = [f"{hostname}{i}" for i in range(1, most + 1)]
        containers = [f"{container}-{node}{i}" for i in range(1, most + 1)]
    else:
        aliases = re.findall(r'"([^"]+)"', re.search(r"aliases\s*=\s*\[([^\]]*)\]", main).group(1))
        containers = [container]
    expected = ({f"IP:{host}"} | {f"DNS:{alias}" for alias in aliases}
                | {"DNS:{{ multidb_project_name }}-" + c for c in containers})
    assert expected <= set(names), f"{name}: {sorted(expected - set(names))} missing from tls.names"


def test_the_preflight_sees_the_fact_its_tls_rule_needs():
    """The rule for multidb_tls refuses a service without `tls` in preflight_services: the role's
    default must hand it that fact, or every service would lack it."""
    defaults = yaml.safe_load((REPO / "roles/preflight/defaults/main.yml").read_text())
    rule = next(r for r in defaults["preflight_rules"] if re.search(r["name"], "multidb_tls"))
    fact = rule["enabled_services_need"]["fact"]
    assert f"'{fact}'" in defaults["preflight_services"]
    assert any(fact in entry for entry in REGISTRY.values())


def test_the_shared_playbooks_name_no_service():
    """What one service needs is in its registry entry: no task line of site.yml, playbooks/*.yml or
    playbooks/tasks/*.yml names a service (comments may, e.g. `--limit redis`)."""
    words = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, REGISTRY)))
    found = []
    for path in [REPO / "site.yml", *sorted((REPO / "playbooks").glob("*.yml")), *sorted((REPO / "playbooks/tasks").glob("*.yml"))]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.lstrip().startswith("#") and words.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_platform_facts_are_not_taken_for_settings_of_an_unknown_service():
    """playbooks/vars/*.yml are loaded before the preflight collects every multidb_* variable: a
    fact there (multidb_tls_servers) must be skipped by the rules or be a known word, not be
    refused as a setting of a service named like its second word."""
    spec = importlib.util.spec_from_file_location("preflight_filter", REPO / "plugins/filter/preflight.py")
    pf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pf)
    defaults = yaml.safe_load((REPO / "roles/preflight/defaults/main.yml").read_text())
    skip = [r["name"] for r in defaults["preflight_rules"] if r.get("type") == "skip"]
    facts = {}
    for path in sorted((REPO / "playbooks/vars").glob("*.yml")):
        facts.update({k: v for k, v in (yaml.safe_load(path.read_text()) or {}).items() if k.startswith("multidb_")})
    assert "multidb_tls_servers" in facts
    collected = {k: v for k, v in facts.items() if not any(re.search(rule, k) for rule in skip)}
    found = pf.preflight_errors(collected, defaults["preflight_rules"], REGISTRY, defaults["preflight_platform_words"], {})
    assert not [e for e in found if "unknown service" in e], found


def test_the_named_ca_bundles_of_the_aws_modules_are_those_the_registry_says_the_preflight_needs():
    """A module output naming a CA bundle no system store holds (ca_bundle = "<name>") is one the
    registry's `ca_bundles` lists for that environment, so the preflight asks for its file; the
    system's names and Secrets Manager references need none (playbooks/tasks/ca-bundles.yml)."""
    system = {"system", "amazon-trust-services"}
    for name, entry in sorted(REGISTRY.items()):
        outputs = REPO / "terraform/modules" / name / "aws" / "outputs.tf"
        literal = re.search(r'^\s*ca_bundle\s*=\s*"([a-z0-9.-]+)"\s*$', outputs.read_text(), re.M)
        named = literal.group(1) if literal and literal.group(1) not in system else None
        assert (entry.get("ca_bundles") or {}).get("aws") == named, (name, named, entry.get("ca_bundles"))
