"""Unit tier: the AWX job templates as code (playbooks/awx-configure.yml, its data
playbooks/awx/definitions.yml, the filter plugins/filter/awx.py), without an AWX.

There is no AWX on our machines (it ships as registry images and an operator). What AWX does
with these objects is taken from its source (ansible/awx, awx/main/models/credential.py
CredentialType.inject_credential, awx/main/fields.py CredentialTypeInputField /
CredentialTypeInjectorField, awx/api/views JobTemplateSurveySpec._validate_spec_data,
awx/main/models/mixins.py SurveyJobTemplateMixin, awx/api/serializers.py validate_rrule) and
replayed here; the playbook itself runs once, in check mode, against no AWX at all.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import secrets
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / "playbooks/awx-configure.yml"


def _load(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, REPO / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


awx_filter = _load("awx_filter", "plugins/filter/awx.py")
pf = _load("preflight_filter", "plugins/filter/preflight.py")
services_filter = _load("services_filter", "plugins/filter/services.py")


# How AWX injects a credential into a job, shared with tests/test_awx_jobs.py
awx_credentials = _load("awx_credentials", "tests/awx_credentials.py")
DEFINITIONS = awx_credentials.DEFINITIONS
TEMPLATES = DEFINITIONS["multidb_awx_job_templates"]
STATE_TYPE = awx_credentials.STATE_TYPE
REGISTRY = awx_credentials.REGISTRY
PREFLIGHT = yaml.safe_load((REPO / "roles/preflight/defaults/main.yml").read_text())
RULES, WORDS = PREFLIGHT["preflight_rules"], PREFLIGHT["preflight_platform_words"]
# The environments of the AWX inventories: one secrets credential type each.
ENVIRONMENTS = sorted({inventory["environment"] for inventory in DEFINITIONS["multidb_awx_inventories"]})


def _secret_names(environment: str) -> list[str]:
    """What playbooks/vars/platform.yml makes multidb_secret_names in that environment."""
    return services_filter.secret_names(REGISTRY, environment)


def _preflight(values: dict) -> list[str]:
    """The preflight as the playbooks run it: the secret names of the values' environment."""
    environment = values.get("multidb_environment", "local")
    return pf.preflight_errors(values, RULES, REGISTRY, WORDS,
                               {"environments": ["aws", "local"], "secret_names": _secret_names(environment)})


def _rule(variable: str) -> dict | None:
    return next((rule for rule in RULES if re.search(rule["name"], variable)), None)


# --- the playbook against no AWX -------------------------------------------------------------

def _free_port() -> int:
    """A port the OS just handed out and nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(tmp: Path, env_extra: dict, args: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTROLLER_", "TOWER_"))}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               HOME=str(tmp), **env_extra)  # HOME: no ~/.tower_cli.cfg of this machine's user
    return subprocess.run(["ansible-playbook", str(PLAYBOOK), "--check", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def no_awx_runs(tmp_path_factory):
    """Two check-mode runs at once: (a) a CONTROLLER_HOST where nothing listens (a port from the
    OS on 127.0.0.1) with a token and one required setting missing; (b) nothing set at all."""
    port, token = _free_port(), secrets.token_hex(20)
    host = f"http://127.0.0.1:{port}"
    with ThreadPoolExecutor(max_workers=2) as pool:
        unreachable = pool.submit(_run, tmp_path_factory.mktemp("awx-a"),
                                  {"CONTROLLER_HOST": host, "CONTROLLER_OAUTH_TOKEN": token},
                                  ["-e", "multidb_awx_project_url=https://git.example.com/multidb-platform.git",
                                   "-e", "multidb_awx_execution_environment_image=registry.example.com/ee:1"])
        unset = pool.submit(_run, tmp_path_factory.mktemp("awx-b"), {}, [])
        return {"host": host, "token": token, "unreachable": unreachable.result(), "unset": unset.result()}


def _assert_refused_cleanly(proc: subprocess.CompletedProcess):
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"accepted:\n{proc.stdout[-3000:]}"
    assert "Traceback" not in output and "MODULE FAILURE" not in output, f"not a clear refusal:\n{output[-4000:]}"
    # refused by the check, before any awx.awx module ran
    assert "Nothing was changed in AWX" in proc.stdout, proc.stdout[-3000:]
    started = re.findall(r"^TASK \[(.*?)\]", proc.stdout, flags=re.M)
    assert started[-1].startswith("Refuse missing settings"), f"tasks after the check ran: {started}"
    play = yaml.safe_load(PLAYBOOK.read_text())[0]
    awx_tasks = [t["name"] for t in play["tasks"] if any(k.startswith("awx.awx.") for k in t)]
    assert awx_tasks and not set(awx_tasks) & set(started), f"awx.awx tasks ran: {set(awx_tasks) & set(started)}"
    return re.sub(r"\s+", " ", proc.stdout)


def test_check_mode_against_no_awx_names_controller_host_and_what_was_tried(no_awx_runs):
    flat = _assert_refused_cleanly(no_awx_runs["unreachable"])
    host = no_awx_runs["host"]
    for words in (f"no AWX API answered at {host}/api/v2/ping/", f"CONTROLLER_HOST={host}", "Connection refused",
                  "required variable(s) not set: multidb_awx_project_branch"):
        assert words in flat, f"{words!r} not in the message:\n{flat[-3000:]}"
    assert "multidb_awx_project_url" not in flat.split("required variable(s) not set:")[1].split("(-e")[0]
    assert no_awx_runs["token"] not in no_awx_runs["unreachable"].stdout + no_awx_runs["unreachable"].stderr


def test_check_mode_without_any_setting_names_each_missing_one(no_awx_runs):
    flat = _assert_refused_cleanly(no_awx_runs["unset"])
    for words in ("CONTROLLER_HOST is not set", "CONTROLLER_OAUTH_TOKEN, or CONTROLLER_USERNAME and CONTROLLER_PASSWORD",
                  "multidb_awx_project_url, multidb_awx_project_branch, multidb_awx_execution_environment_image"):
        assert words in flat, f"{words!r} not in the message:\n{flat[-3000:]}"
    assert "no AWX API answered" not in flat, "asked an API without a CONTROLLER_HOST (awx.awx would use 127.0.0.1)"


# --- the awx.awx arguments (ansible-lint's args rule skips tasks with templated values) ------

def _module_options(fqcn: str) -> dict:
    collection, name = fqcn.rsplit(".", 1)
    root = Path(importlib.util.find_spec("ansible").origin).parents[1] / "ansible_collections"
    source = (root / collection.replace(".", "/") / "plugins/modules" / f"{name}.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)["options"]
    raise AssertionError(f"{fqcn}: no DOCUMENTATION")


def _awx_tasks():
    for task in yaml.safe_load(PLAYBOOK.read_text())[0]["tasks"]:
        for key, args in task.items():
            if key.startswith("awx.awx."):
                yield task["name"], key, args


def test_every_awx_module_argument_exists_and_every_literal_choice_is_allowed():
    tasks = list(_awx_tasks())
    assert {module for _, module, _ in tasks} >= {"awx.awx.project", "awx.awx.inventory", "awx.awx.inventory_source",
                                                 "awx.awx.credential_type", "awx.awx.job_template", "awx.awx.schedule"}
    for name, module, args in tasks:
        options = _module_options(module)
        known = set(options) | {alias for option in options.values() for alias in option.get("aliases", [])}
        assert set(args) <= known, f"{name}: {module} has no option {sorted(set(args) - known)}"
        for key, value in args.items():
            choices = options.get(key, {}).get("choices")
            if choices and isinstance(value, str) and "{{" not in value:
                assert value in choices, f"{name}: {key}={value!r} not one of {choices}"
    job_template = _module_options("awx.awx.job_template")
    for template in TEMPLATES:
        assert template["job_type"] in job_template["job_type"]["choices"], template["name"]
        assert isinstance(template["diff_mode"], bool) and isinstance(template["ask_limit_on_launch"], bool)


# --- the job templates ------------------------------------------------------------------------

def _runs_the_preflight(playbook: Path) -> bool:
    """The playbook (or one it imports) includes the preflight role."""
    for play in yaml.safe_load(playbook.read_text()):
        if "import_playbook" in str(play.keys()):
            target = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
            if _runs_the_preflight(playbook.parent / target):
                return True
        for task in play.get("tasks", []):
            role = task.get("ansible.builtin.include_role") or task.get("ansible.builtin.import_role") or {}
            if role.get("name") == "multidb.platform.preflight":
                return True
    return False


def test_the_templates_are_those_the_issue_asks_for_on_playbooks_that_exist():
    by_name = {t["name"]: t for t in TEMPLATES}
    assert list(by_name) == ["provision", "plan", "drift", "backup", "restore", "status", "teardown"]
    for template in TEMPLATES:
        playbook = REPO / template["playbook"]
        assert playbook.is_file(), f"{template['name']}: {template['playbook']} does not exist"
        # AWX lists as playbooks only files with plays (hosts: or import_playbook)
        assert all("hosts" in play or "ansible.builtin.import_playbook" in play for play in yaml.safe_load(playbook.read_text()))
    assert (by_name["plan"]["job_type"], by_name["plan"]["diff_mode"]) == ("check", True)
    assert by_name["plan"]["playbook"] == by_name["provision"]["playbook"] == "site.yml"
    assert by_name["provision"]["job_type"] == "run"
    assert [t["name"] for t in TEMPLATES if "schedule" in t] == ["drift", "backup"]


def test_every_survey_variable_is_validated_by_the_preflight_its_playbook_runs():
    surveyed = [(t, q) for t in TEMPLATES for q in t.get("survey", [])]
    assert {q["variable"] for _, q in surveyed} >= {"multidb_destroy_data", "multidb_destroy_data_confirmation"}
    for template, question in surveyed:
        rule = _rule(question["variable"])
        assert rule and rule["type"] != "skip", f"{template['name']}: no preflight rule for {question['variable']}"
        assert _runs_the_preflight(REPO / template["playbook"]), f"{template['playbook']} runs no preflight"
        expected = {"bool": "multiplechoice", "str": "text", "int": "integer", "float": "float"}[rule["type"]]
        assert question["type"] == expected, f"{question['variable']}: {question['type']} for a {rule['type']} rule"


def test_every_survey_is_one_awx_accepts():
    """AWX's own checks of a survey spec (JobTemplateSurveySpec._validate_spec_data)."""
    types = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
             "integer": int, "float": (float, int)}
    for template in (t for t in TEMPLATES if "survey" in t):
        spec = template["survey"]
        assert spec, template["name"]
        assert len({q["variable"] for q in spec}) == len(spec)
        for question in spec:
            assert all(isinstance(question[k], str) for k in ("type", "question_name", "variable"))
            assert isinstance(question["required"], bool) and question["type"] in types
            if question.get("default", "") != "":
                assert isinstance(question["default"], types[question["type"]])
            assert all(isinstance(question[k], int) for k in ("min", "max") if question.get(k) is not None)
            if question["type"] == "multiplechoice":
                assert question["choices"] and question["default"] in question["choices"]


def test_yes_no_answers_keep_their_meaning_through_the_preflight_and_the_playbooks():
    """Survey answers are strings: every choice of a yes/no question is accepted by the
    preflight's boolean rule, means one of true/false to Ansible's `bool` (the playbooks read
    these variables through it), both meanings are offered, and the default is false."""
    from ansible.module_utils.parsing.convert_bool import boolean

    questions = [q for t in TEMPLATES for q in t.get("survey", []) if _rule(q["variable"])["type"] == "bool"]
    assert questions
    for question in questions:
        for choice in question["choices"]:
            assert _preflight({question["variable"]: choice}) == [], (question["variable"], choice)
        assert {boolean(c, strict=True) for c in question["choices"]} == {True, False}, question["choices"]
        assert boolean(question["default"], strict=True) is False, f"{question['variable']}: default is not 'no'"
        assert _preflight({question["variable"]: "perhaps"}), "the preflight accepts any string"


# --- the teardown confirmation ----------------------------------------------------------------

def _teardown_values(**answers) -> dict:
    """What the teardown template hands a job: its extra vars, then the survey's answers (AWX
    adds each question's default), over the inventory's project name."""
    template = next(t for t in TEMPLATES if t["name"] == "teardown")
    values = {"multidb_project_name": "multidb-prod", "multidb_destroy_data": False}
    values.update(template["extra_vars"])
    values.update({q["variable"]: q["default"] for q in template["survey"]})
    values.update(answers)
    return values


def test_teardown_survey_deleting_data_needs_the_project_name():
    assert _preflight(_teardown_values()) == []
    assert _preflight(_teardown_values(multidb_destroy_data="no", multidb_destroy_data_confirmation="x")) == []
    assert _preflight(_teardown_values(multidb_destroy_data="yes", multidb_destroy_data_confirmation="multidb-prod")) == []
    missing = " ".join(_preflight(_teardown_values(multidb_destroy_data="yes")))
    assert "multidb_destroy_data=true" in missing and "multidb_destroy_data_confirmation" in missing
    assert "'multidb-prod'" in missing
    wrong = " ".join(_preflight(_teardown_values(multidb_destroy_data="yes", multidb_destroy_data_confirmation="multidb")))
    assert "multidb_destroy_data_confirmation must be the value of multidb_project_name ('multidb-prod')" in wrong
    assert "got 'multidb'" in wrong


def test_command_line_teardown_needs_no_confirmation_but_a_given_one_is_checked():
    assert _preflight({"multidb_project_name": "multidb", "multidb_destroy_data": "true"}) == []
    assert _preflight({"multidb_project_name": "multidb", "multidb_destroy_data": True,
                       "multidb_destroy_data_confirmation": "other"}) != []
    # an inventory (or -e) can ask for it everywhere
    assert _preflight({"multidb_project_name": "multidb", "multidb_destroy_data": True,
                       "multidb_destroy_data_confirmation_required": "true"}) != []


def test_boolean_conditions_match_booleans_given_as_strings():
    """required_when {multidb_scylla_enabled: true} on the AWS environment also applies to
    `-e multidb_scylla_enabled=true` (a string)."""
    base = {"multidb_environment": "aws", "multidb_scylla_ami": ""}
    for enabled in (True, "true", "yes"):
        assert any("multidb_scylla_ami is required" in e for e in _preflight(dict(base, multidb_scylla_enabled=enabled)))
    assert not any("multidb_scylla_ami" in e for e in _preflight(dict(base, multidb_scylla_enabled="no")))


# --- the credential types, as AWX validates and injects them --------------------------------

_ENV_BLOCKLIST = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                  "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                  "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                  "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"}


def _awx_accepts(credential_type: dict):
    """CredentialTypeInputField and CredentialTypeInjectorField.validate."""
    inputs, injectors = credential_type["inputs"], credential_type["injectors"]
    assert set(inputs) <= {"fields", "required"}
    ids = [field["id"] for field in inputs["fields"]]
    assert len(set(ids)) == len(ids) and "tower" not in ids
    for field in inputs["fields"]:
        assert set(field) <= {"type", "format", "choices", "id", "label", "help_text", "multiline", "secret",
                              "ask_at_runtime", "default"} and {"id", "label"} <= set(field), field
        assert re.fullmatch(r"[a-zA-Z_]+[a-zA-Z0-9_]*", field["id"]) and field.get("type", "string") in ("string", "boolean")
        if "default" in field:
            assert type(field["default"]) is {"string": str, "boolean": bool}[field.get("type", "string")]
        if field.get("type") == "boolean":
            assert not {"choices", "multiline", "format", "secret"} & set(field), field
    assert set(inputs.get("required", [])) <= set(ids)
    assert set(injectors) <= {"file", "env", "extra_vars"}
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    example = {field_id: "EXAMPLE" for field_id in ids}
    for name, template in injectors.get("env", {}).items():
        assert re.fullmatch(r"[a-zA-Z_]+[a-zA-Z0-9_]*", name) and not name.startswith("ANSIBLE_") and name not in _ENV_BLOCKLIST
        strict.from_string(template).render(example)

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                assert re.fullmatch(r"[a-zA-Z_{}]+[a-zA-Z0-9_{}]*", key), key
                strict.from_string(key).render(example)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        else:
            assert isinstance(node, str)
            strict.from_string(node).render(example)

    walk(injectors.get("extra_vars", {}))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_secrets_type_has_one_required_secret_field_per_secret_of_its_environment(environment):
    credential_type = awx_filter.awx_secrets_credential_type(REGISTRY, environment)
    _awx_accepts(credential_type)
    fields = credential_type["inputs"]["fields"]
    names = _secret_names(environment)
    assert names and [f["id"] for f in fields] == names
    assert all(f["secret"] is True and f.get("type") == "string" for f in fields)
    # every field required: AWX renders every injector key, an unset one as "" (refused)
    assert credential_type["inputs"]["required"] == names
    assert list(credential_type["injectors"]) == ["extra_vars"]
    assert list(credential_type["injectors"]["extra_vars"]) == ["multidb_secrets_overrides"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_secrets_type_injects_the_overrides_mapping_the_preflight_accepts(environment):
    credential_type = awx_filter.awx_secrets_credential_type(REGISTRY, environment)
    names = _secret_names(environment)
    given = {name: secrets.token_urlsafe(24) for name in names}
    env, extra_vars = awx_credentials.inject(credential_type, given)
    assert env == {} and extra_vars == {"multidb_secrets_overrides": given}
    assert _preflight(dict(extra_vars, multidb_environment=environment)) == []
    # what an unset field would have become: the reason every field is required
    _, partial = awx_credentials.inject(credential_type, dict(given, **{names[0]: ""}))
    assert partial["multidb_secrets_overrides"][names[0]] == ""
    assert any(names[0] in e for e in _preflight(dict(partial, multidb_environment=environment)))


def test_one_secrets_type_per_environment_because_a_job_takes_only_its_environments_secrets():
    """The reason for a type per environment: each AWX inventory is of the environment it is listed
    with (its group_vars say so), and a credential of another environment's type is refused by
    that job's preflight, naming the environment, when the environments' secrets differ."""
    for inventory in DEFINITIONS["multidb_awx_inventories"]:
        assert inventory["environment"] == _inventory(inventory["name"])["multidb_environment"], inventory
    play = yaml.safe_load(PLAYBOOK.read_text())[0]
    task = next(t for t in play["tasks"] if "awx.awx.credential_type" in t and "item" in str(t))
    assert "environment" in task["loop"] and "item" in task["awx.awx.credential_type"]["name"]
    differing = [(a, b) for a in ENVIRONMENTS for b in ENVIRONMENTS if set(_secret_names(a)) - set(_secret_names(b))]
    assert differing, "every environment has the same secrets: one type would do"
    for mine, theirs in differing:
        _, extra_vars = awx_credentials.inject(awx_filter.awx_secrets_credential_type(REGISTRY, mine),
                                               {name: secrets.token_urlsafe(24) for name in _secret_names(mine)})
        refused = " ".join(_preflight(dict(extra_vars, multidb_environment=theirs)))
        foreign = sorted(set(_secret_names(mine)) - set(_secret_names(theirs)))
        assert f"multidb_secrets_overrides.{foreign[0]} is not a secret of this platform" in refused, refused
        assert f"with multidb_environment={theirs}" in refused, refused


def test_the_awx_filter_and_the_playbooks_agree_on_an_environments_secrets():
    """awx.py keeps its own copy of the selection (the filter files import nothing of the collection,
    so that they load on their own, as in these tests)."""
    for environment in ENVIRONMENTS + ["an-environment-without-restrictions"]:
        fields = awx_filter.awx_secrets_credential_type(REGISTRY, environment)["inputs"]["fields"]
        assert [f["id"] for f in fields] == _secret_names(environment)


def _inventory(name: str) -> dict:
    return yaml.safe_load((REPO / "inventories" / name / "group_vars/all/main.yml").read_text())


@pytest.mark.parametrize("inventory", ["local", "aws", "aws-staging"])
def test_state_type_with_only_the_required_fields_injects_nothing_wrong(inventory):
    _awx_accepts(STATE_TYPE)
    required = {"bucket": "multidb-state", "region": "eu-central-1", "access_key": "AKIAEXAMPLE0000000000",
                "secret_key": secrets.token_urlsafe(30)}
    assert sorted(required) == sorted(STATE_TYPE["inputs"]["required"])
    env, extra_vars = awx_credentials.inject(STATE_TYPE, required)
    assert env == {"AWS_ACCESS_KEY_ID": required["access_key"], "AWS_SECRET_ACCESS_KEY": required["secret_key"],
                   "AWS_SESSION_TOKEN": "", "AWS_DEFAULT_REGION": "eu-central-1"}
    assert extra_vars == {"multidb_state_backend": "s3", "multidb_state_s3_bucket": "multidb-state",
                          "multidb_state_s3_region": "eu-central-1", "multidb_state_s3_endpoint_url": "",
                          "multidb_state_s3_path_style": "false"}
    # the job's variables: the inventory's, then the credential's extra vars over them
    values = {k: v for k, v in _inventory(inventory).items()
              if k.startswith("multidb_state_s3_") or k in ("multidb_environment", "multidb_project_name")}
    values.update(extra_vars)
    assert _preflight(values) == []


def test_state_type_with_every_field_injects_each_one():
    given = {"bucket": "multidb-state", "region": "garage", "endpoint_url": "http://garage.internal:3900",
             "path_style": True, "access_key": "GK0123", "secret_key": "s" * 40, "session_token": "t" * 40}
    env, extra_vars = awx_credentials.inject(STATE_TYPE, given)
    assert env["AWS_SESSION_TOKEN"] == "t" * 40 and env["AWS_DEFAULT_REGION"] == "garage"
    assert (extra_vars["multidb_state_s3_endpoint_url"], extra_vars["multidb_state_s3_path_style"]) == \
        ("http://garage.internal:3900", "true")
    values = dict(_inventory("local"), **extra_vars)
    assert _preflight({k: v for k, v in values.items() if k.startswith("multidb_state_")} |
                      {"multidb_environment": "local"}) == []
    # the secret inputs are AWX secrets (encrypted, masked in the job's stored environment)
    secret = {f["id"] for f in STATE_TYPE["inputs"]["fields"] if f.get("secret")}
    assert secret == {"secret_key", "session_token"}


# --- the schedule -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, playbook, period", [("drift", "playbooks/drift.yml", timedelta(days=7)),
                                                    ("backup", "playbooks/backup.yml", timedelta(days=1))])
def test_scheduled_templates_run_on_a_schedule_awx_accepts(name, playbook, period):
    """The weekly drift check and the daily backup."""
    from dateutil.rrule import rrulestr

    template = next(t for t in TEMPLATES if t["name"] == name)
    assert template["playbook"] == playbook
    rrule = template["schedule"]["rrule"]
    # validate_rrule: one DTSTART with a time zone, at least one RRULE, each with an INTERVAL
    assert len(re.findall(r".*?(DTSTART(;[^:]+)?\:[0-9]+T[0-9]+Z?)", rrule)) == 1
    assert not re.findall(r".*?(DTSTART:[0-9]+T[0-9]+) ", rrule)
    rules = re.findall(r".*?(RULE\:[^\s]*)", rrule)
    assert rules and all("interval" in r.lower() for r in rules)
    runs = list(rrulestr(rrule.replace(" RRULE", "\nRRULE"), forceset=True)[:5])
    assert [b - a for a, b in zip(runs, runs[1:])] == [period] * 4, runs


# --- the README shows the templates as they are ----------------------------------------------

def test_readme_table_lists_every_template_with_its_playbook():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Running from AWX", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(?:multidb )?([a-z-]+)` \| `([^`]+\.yml)`", section, flags=re.M)}
    assert rows == {t["name"]: t["playbook"] for t in TEMPLATES}, rows
