"""Unit tier: what `terraform validate` would check in terraform/**/aws, without the aws provider.

The hashicorp/aws provider cannot be installed on our build machines, so `terraform validate`
cannot run on the AWS environment and modules. These tests check what it would have caught:

- every `resource` / `data` type named `aws_*` exists in the provider;
- every argument and nested block used in those blocks (and in `provider "aws"`) exists for its
  type, at every nesting level, `dynamic` blocks included (their label and their `content`);
- every `module` call in those files passes only variables the called module declares, and
  every variable that has no default;
- the `aws` provider version the code requires admits the version the schema was taken from.

The schema is tests/unit/data/aws-provider-schema.json.gz, extracted by
scripts/aws_provider_schema.py from the npm package @cdktf/provider-aws (generated from the
provider's own schema; its metadata names the package version, its sha512 and the provider
version). Argument *values* (types, allowed strings, required arguments, conflicts) are not
checked: that needs the provider itself.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import json
import re
from pathlib import Path

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "tests/unit/data/aws-provider-schema.json.gz"

# Terraform's own arguments and blocks, valid in every resource / data block.
META_ARGUMENTS = {"count", "for_each", "provider", "depends_on"}
META_BLOCKS = {"lifecycle", "provisioner", "connection"}
# Keys of a `dynamic` block other than `content`.
DYNAMIC_META = {"for_each", "iterator", "labels"}
# Arguments of a `module` block that are not the module's variables.
MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on"}
# Resource types Terraform itself provides.
BUILTIN_TYPES = {"terraform_data"}


@functools.cache
def schema() -> dict:
    with gzip.open(SCHEMA_FILE, "rt") as f:
        return json.load(f)


def aws_tf_files() -> list[Path]:
    """Every .tf under terraform/ whose path contains `/aws` (not Terraform's .terraform caches):
    the AWS environment, terraform/modules/*/aws and the shared building blocks
    terraform/modules/shared/aws-*."""
    return sorted(
        p
        for p in (REPO / "terraform").rglob("*.tf")
        if "/aws" in p.relative_to(REPO).as_posix() and not any(part.startswith(".terraform") for part in p.parts)
    )


def unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def is_block(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and v.get("__is_block__") for v in value)


def items(body: dict):
    return ((k, v) for k, v in body.items() if not k.startswith("__"))


def close(name: str, candidates) -> str:
    found = difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.6)
    return f" (close: {', '.join(found)})" if found else " (no close match)"


class Checker:
    """Checks parsed HCL (python-hcl2's dict) against the schema; collects problems as text."""

    def __init__(self, where: str):
        self.where = where
        self.problems: list[str] = []
        self.blocks_checked = 0
        self.arguments_checked = 0
        self.unchecked_types: set[str] = set()

    def problem(self, address: str, text: str) -> None:
        self.problems.append(f"{self.where}: {address}: {text}")

    def body(self, address: str, body: dict, struct: dict, top: bool) -> None:
        arguments = set(struct.get("arguments", ()))
        blocks = struct.get("blocks", {})
        opaque = set(struct.get("opaque", ()))
        known = arguments | set(blocks)
        for key, value in items(body):
            if top and (key in META_ARGUMENTS or key in META_BLOCKS):
                continue
            # dynamic "label" { ... }: a list of {label: body} (the list items carry no block marker)
            if key == "dynamic" and isinstance(value, list) and all(isinstance(v, dict) for v in value):
                for dyn in value:
                    for label, dyn_body in items(dyn):
                        self.dynamic(address, unquote(label), dyn_body, blocks, opaque, known)
                continue
            self.arguments_checked += 1
            path = f"{address}.{key}"
            if key not in known:
                self.problem(address, f"unknown argument or block '{key}'{close(key, known)}")
            elif is_block(value):
                if key in blocks:
                    for nested in value:
                        self.body(path, nested, blocks[key], top=False)
                elif key not in opaque:
                    self.problem(address, f"'{key}' is an argument, not a block: write `{key} = ...`")

    def dynamic(self, address: str, name: str, dyn: dict, blocks: dict, opaque: set, known: set) -> None:
        self.arguments_checked += 1
        if name not in blocks and name not in opaque:
            self.problem(address, f'dynamic "{name}": unknown block{close(name, known)}')
            return
        for key, value in items(dyn):
            if key not in DYNAMIC_META and key != "content":
                self.problem(address, f"dynamic \"{name}\": unknown key '{key}' (for_each, iterator, labels, content)")
        for content in dyn.get("content", []):
            if name in blocks:
                self.body(f"{address}.{name}", content, blocks[name], top=False)

    def document(self, doc: dict) -> None:
        s = schema()
        for kind, section, prefix in (("resource", "resources", ""), ("data", "data_sources", "data.")):
            for entry in doc.get(kind, []):
                for rtype, named in items(entry):
                    rtype = unquote(rtype)
                    for name, body in items(named):
                        address = f"{prefix}{rtype}.{unquote(name)}"
                        if not rtype.startswith("aws_"):
                            if rtype not in BUILTIN_TYPES:
                                self.unchecked_types.add(f"{prefix}{rtype}")
                            continue
                        self.blocks_checked += 1
                        if rtype not in s[section]:
                            self.problem(address, f"unknown {kind} type '{rtype}'{close(rtype, s[section])}")
                            continue
                        self.body(address, body, s[section][rtype], top=True)
        for entry in doc.get("provider", []):
            for pname, body in items(entry):
                if unquote(pname) == "aws":
                    self.blocks_checked += 1
                    self.body('provider "aws"', body, s["provider"], top=True)


def check_text(text: str, where: str = "<inline>") -> Checker:
    checker = Checker(where)
    checker.document(hcl2.loads(text))
    return checker


@functools.cache
def parsed(path: Path) -> dict:
    with path.open() as f:
        return hcl2.load(f)


@functools.cache
def check_file(path: Path) -> Checker:
    checker = Checker(path.relative_to(REPO).as_posix())
    checker.document(parsed(path))
    return checker


# --- the schema file itself ---------------------------------------------------------------------


def test_schema_file_names_its_source():
    meta = schema()["metadata"]
    assert meta["package"] == "@cdktf/provider-aws"
    assert re.fullmatch(r"21\.\d+\.\d+", meta["package_version"]), meta
    assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", meta["integrity"]), meta
    assert re.fullmatch(r"6\.\d+\.\d+", meta["provider_version"]), meta
    assert meta["counts"]["resources"] == len(schema()["resources"]) > 1000
    assert meta["counts"]["data_sources"] == len(schema()["data_sources"]) > 400


# --- the checker catches what it must (so the file tests cannot pass vacuously) -----------------

GOOD = """
resource "aws_db_instance" "this" {
  count             = 1
  storage_encrypted = true
  tags              = { Name = "x" }
  timeouts {
    create = "2h"
  }
  dynamic "restore_to_point_in_time" {
    for_each = var.restore
    content {
      use_latest_restorable_time = true
    }
  }
  lifecycle {
    ignore_changes = [tags]
  }
}
data "aws_iam_policy_document" "d" {
  statement {
    actions = ["s3:GetObject"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}
provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = {}
  }
}
resource "random_password" "p" {
  length = 32
}
"""


def test_checker_accepts_valid_code():
    checker = check_text(GOOD)
    assert checker.problems == []
    assert checker.blocks_checked == 3  # random_password is another provider's
    assert checker.unchecked_types == {"random_password"}


def test_checker_catches_a_misspelled_argument():
    checker = check_text('resource "aws_db_instance" "this" {\n  storage_encryptedd = true\n}\n')
    assert checker.blocks_checked == 1
    assert len(checker.problems) == 1
    assert checker.problems[0].startswith(
        "<inline>: aws_db_instance.this: unknown argument or block 'storage_encryptedd' (close: storage_encrypted"
    ), checker.problems


@pytest.mark.parametrize(
    "hcl, expected",
    [
        (  # unknown resource type
            'resource "aws_db_instanse" "x" {}',
            "aws_db_instanse.x: unknown resource type 'aws_db_instanse' (close: aws_db_instance",
        ),
        (  # unknown data source type
            'data "aws_iam_policy_documents" "x" {}',
            "data.aws_iam_policy_documents.x: unknown data type 'aws_iam_policy_documents' (close: aws_iam_policy_document",
        ),
        (  # misspelled argument two blocks down
            'data "aws_iam_policy_document" "x" {\n statement {\n  principals {\n   typo = "AWS"\n  }\n }\n}',
            "data.aws_iam_policy_document.x.statement.principals: unknown argument or block 'typo'",
        ),
        (  # unknown dynamic block
            'resource "aws_db_instance" "x" {\n dynamic "timeout" {\n  for_each = []\n  content {}\n }\n}',
            'aws_db_instance.x: dynamic "timeout": unknown block (close: timeouts',
        ),
        (  # misspelled argument inside a dynamic block's content
            'resource "aws_db_instance" "x" {\n dynamic "timeouts" {\n  for_each = []\n  content {\n   craete = "1h"\n  }\n }\n}',
            "aws_db_instance.x.timeouts: unknown argument or block 'craete' (close: create",
        ),
        (  # an argument written as a block
            'resource "aws_db_instance" "x" {\n tags {\n  a = "b"\n }\n}',
            "aws_db_instance.x: 'tags' is an argument, not a block",
        ),
        (  # provider block
            'provider "aws" {\n regoin = "eu-west-1"\n}',
            "provider \"aws\": unknown argument or block 'regoin' (close: region",
        ),
    ],
    ids=["resource-type", "data-type", "nested", "dynamic-label", "dynamic-content", "argument-as-block", "provider"],
)
def test_checker_catches(hcl, expected):
    problems = check_text(hcl).problems
    assert len(problems) == 1 and expected in problems[0], problems


# --- the AWS code ------------------------------------------------------------------------------

FILES = aws_tf_files()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_aws_arguments_exist_in_the_provider_schema(path):
    checker = check_file(path)
    meta = schema()["metadata"]
    assert not checker.problems, (
        f"arguments unknown to hashicorp/aws {meta['provider_version']} "
        f"(schema from {meta['package']}@{meta['package_version']}):\n  " + "\n  ".join(checker.problems)
    )


def test_aws_code_was_checked():
    if not FILES:
        pytest.skip("no terraform/**/aws files yet")
    total = sum(check_file(p).blocks_checked for p in FILES)
    assert total > 0, f"{len(FILES)} AWS files, no aws_* resource, data or provider block found: is the parser broken?"


def test_shared_aws_building_blocks_are_checked():
    """The service modules are composed from terraform/modules/shared/aws-*: their code and the
    calls into them are checked like the rest (a rename must not take them out of FILES)."""
    shared = sorted((REPO / "terraform/modules/shared").glob("aws-*/*.tf"))
    if not shared:
        pytest.skip("no terraform/modules/shared/aws-* module yet")
    assert set(shared) <= set(FILES), sorted(p.relative_to(REPO).as_posix() for p in set(shared) - set(FILES))
    called = {target for _, _, target, _ in MODULE_CALLS}
    uncalled = sorted(d.name for d in {p.parent for p in shared} if d.resolve() not in called)
    assert not uncalled, f"shared AWS modules no AWS module calls (so no call of theirs is checked): {uncalled}"


def test_other_providers_resource_types_are_listed():
    """Types of other providers (random, tls, ...) cannot be checked here: say which."""
    unchecked = sorted({t for p in FILES for t in check_file(p).unchecked_types})
    if unchecked:
        pytest.skip(f"not checked (no schema of their provider here): {', '.join(unchecked)}")


# --- module calls: what validate checks between modules ------------------------------------------


def _module_dir_variables(directory: Path) -> dict[str, bool]:
    """{variable: has a default} of the module in directory."""
    found = {}
    for tf in sorted(directory.glob("*.tf")):
        for entry in parsed(tf).get("variable", []):
            for name, body in items(entry):
                found[unquote(name)] = "default" in body
    return found


def _module_calls():
    for path in FILES:
        for entry in parsed(path).get("module", []):
            for name, body in items(entry):
                source = unquote(str(body.get("source", "")))
                if source.startswith("./") or source.startswith("../"):
                    yield path, unquote(name), (path.parent / source).resolve(), body


MODULE_CALLS = list(_module_calls())


@pytest.mark.parametrize(
    "path, name, target, body",
    MODULE_CALLS,
    ids=[f"{p.relative_to(REPO).as_posix()}:module.{n}" for p, n, _, _ in MODULE_CALLS],
)
def test_module_calls_pass_declared_variables(path, name, target, body):
    assert target.is_dir(), f"{path.relative_to(REPO)}: module.{name}: source {target} does not exist"
    declared = _module_dir_variables(target)
    passed = {k for k, _ in items(body) if k not in MODULE_META}
    unknown = sorted(passed - set(declared))
    missing = sorted(v for v, has_default in declared.items() if not has_default and v not in passed)
    where = f"{path.relative_to(REPO)}: module.{name} ({target.relative_to(REPO)})"
    assert not unknown, f"{where}: not variables of the module: " + ", ".join(
        f"{u}{close(u, declared)}" for u in unknown
    )
    assert not missing, f"{where}: required variables not passed: {', '.join(missing)}"


# --- the provider version the code asks for is the one the schema describes ---------------------


def _admits(constraint: str, version: str) -> bool:
    """Terraform version constraint (=, !=, >, >=, <, <=, ~>; comma-separated) admits version."""

    def parts(v: str) -> list[int]:
        return [int(x) for x in v.strip().split(".")]

    have = parts(version)
    for clause in constraint.split(","):
        m = re.fullmatch(r"\s*(=|!=|>=|<=|>|<|~>)?\s*([0-9.]+)\s*", clause)
        assert m, f"cannot read version constraint {constraint!r}"
        op, want = m.group(1) or "=", parts(m.group(2))
        padded = want + [0] * (3 - len(want))
        ok = {
            "=": have == padded,
            "!=": have != padded,
            ">": have > padded,
            ">=": have >= padded,
            "<": have < padded,
            "<=": have <= padded,
            # ~> 6.0 admits 6.x; ~> 6.25.0 admits 6.25.x
            "~>": have >= padded and have[: len(want) - 1] == want[: len(want) - 1],
        }[op]
        if not ok:
            return False
    return True


def test_version_constraint_reader():
    assert _admits("~> 6.0", "6.25.0") and _admits(">= 6.0, < 7.0", "6.25.0")
    assert not _admits("~> 5.0", "6.25.0") and not _admits("~> 6.26.0", "6.25.0")
    assert _admits("~> 6.25.0", "6.25.0") and not _admits("~> 6.24.0", "6.25.0")


def test_required_aws_provider_admits_the_schema_version():
    version = schema()["metadata"]["provider_version"]
    constraints = {}
    for path in FILES:
        for terraform in parsed(path).get("terraform", []):
            for providers in terraform.get("required_providers", []):
                aws = providers.get("aws")
                if isinstance(aws, dict) and "version" in aws:
                    constraints[path.relative_to(REPO).as_posix()] = unquote(aws["version"])
    if not constraints:
        pytest.skip("no terraform/**/aws file requires a version of hashicorp/aws yet")
    wrong = {p: c for p, c in constraints.items() if not _admits(c, version)}
    assert not wrong, f"the schema describes hashicorp/aws {version}, which these constraints exclude: {wrong}"


# --- the extractor reads the jsii assembly as described ------------------------------------------


def _extractor():
    import importlib.util

    spec = importlib.util.spec_from_file_location("aws_provider_schema", REPO / "scripts/aws_provider_schema.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extractor_on_a_small_assembly():
    """Names come from the registry links (not jsii's camelCase); structs are blocks, `any` opaque."""
    base = "https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs"
    pkg = "@cdktf/provider-aws"

    def prop(name, arg, type_ref, where="resources/thing"):
        link = f"{base}/{where}#{arg}" if where else f"{base}#{arg}"
        return {
            "name": name,
            "type": type_ref,
            "docs": {"summary": f"Docs at Terraform Registry: {{@link {link} X#{arg}}}."},
        }

    def cls(fqn, base_cls, summary, config):
        return {
            "kind": "class",
            "fqn": fqn,
            "base": base_cls,
            "docs": {"summary": summary},
            "initializer": {"parameters": [{"name": "config", "type": {"fqn": config}}]},
        }

    def struct(fqn, props):
        return {"kind": "interface", "datatype": True, "fqn": fqn, "properties": props}

    resolvable = {"fqn": "cdktf.IResolvable"}
    types = {
        f"{pkg}.thing.Thing": cls(
            f"{pkg}.thing.Thing",
            "cdktf.TerraformResource",
            f"Represents a {{@link {base}/resources/thing aws_thing}}.",
            f"{pkg}.thing.ThingConfig",
        ),
        f"{pkg}.thing.ThingConfig": struct(
            f"{pkg}.thing.ThingConfig",
            [
                prop("countAttribute", "count", {"primitive": "number"}),  # renamed by cdktf
                prop(
                    "storageEncrypted",
                    "storage_encrypted",
                    {"union": {"types": [{"primitive": "boolean"}, resolvable]}},
                ),
                prop(
                    "rule",
                    "rule",
                    {
                        "union": {
                            "types": [
                                resolvable,
                                {"collection": {"kind": "array", "elementtype": {"fqn": f"{pkg}.thing.ThingRule"}}},
                            ]
                        }
                    },
                ),
                prop("tags", "tags", {"collection": {"kind": "map", "elementtype": {"primitive": "string"}}}),
            ],
        ),
        f"{pkg}.thing.ThingRule": struct(
            f"{pkg}.thing.ThingRule",
            [
                prop("statement", "statement", {"primitive": "any"}),
                prop("ttlDays", "ttl_days", {"primitive": "number"}),
            ],
        ),
        f"{pkg}.dataAwsThing.DataAwsThing": cls(
            f"{pkg}.dataAwsThing.DataAwsThing",
            "cdktf.TerraformDataSource",
            f"Represents a {{@link {base}/data-sources/thing aws_thing}}.",
            f"{pkg}.dataAwsThing.DataAwsThingConfig",
        ),
        f"{pkg}.dataAwsThing.DataAwsThingConfig": struct(
            f"{pkg}.dataAwsThing.DataAwsThingConfig",
            [prop("name", "name", {"primitive": "string"}, "data-sources/thing")],
        ),
        f"{pkg}.provider.AwsProvider": cls(
            f"{pkg}.provider.AwsProvider",
            "cdktf.TerraformProvider",
            f"Represents a {{@link {base} aws}}.",
            f"{pkg}.provider.AwsProviderConfig",
        ),
        f"{pkg}.provider.AwsProviderConfig": struct(
            f"{pkg}.provider.AwsProviderConfig", [prop("region", "region", {"primitive": "string"}, None)]
        ),
    }
    extractor = _extractor().Extractor({"types": types})
    assert extractor.run() == {
        "provider": {"arguments": ["region"]},
        "resources": {
            "aws_thing": {
                "arguments": ["count", "storage_encrypted", "tags"],
                "blocks": {"rule": {"arguments": ["statement", "ttl_days"], "opaque": ["statement"]}},
            }
        },
        "data_sources": {"aws_thing": {"arguments": ["name"]}},
    }
    assert extractor.versions == {"6.25.0"}
