#!/usr/bin/env python3
"""Extract the argument names of the hashicorp/aws provider from @cdktf/provider-aws.

The aws provider cannot be installed on our build machines, so `terraform validate` cannot
check terraform/**/aws. The npm package @cdktf/provider-aws is generated from the provider's
schema (`terraform providers schema -json` of one provider release); its jsii assembly
(`package/.jsii`, or the compressed file a `jsii/file-redirect` names) has one config struct per
resource, data source and nested block. Every property's docs link to the registry page with the
argument's exact name: `{@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/
resources/db_instance#allocated_storage DbInstance#allocated_storage}`.

This script writes, for the provider and every resource and data source type, its arguments and
its nested blocks (recursively) to a compact, deterministic JSON (sorted keys, gzip without a
timestamp) that tests/unit/test_aws_schema.py reads, so CI needs no network:

    {"metadata": {...package, version, integrity, provider_version...},
     "provider": <struct>, "resources": {"aws_x": <struct>}, "data_sources": {"aws_x": <struct>}}
    <struct> = {"arguments": [names], "blocks": {name: <struct>}, "opaque": [names]}

"arguments" are the attributes a configuration may set (required, optional, optional+computed;
computed-only attributes are not in the config structs). "blocks" are nested blocks (and nested
object attributes: the jsii does not tell them apart). "opaque" lists the names whose content the
package does not describe (cdktf stops at a nesting depth and types them `any`, e.g.
aws_wafv2_web_acl rule.statement): they are valid names, their content cannot be checked.

Usage:
    python scripts/aws_provider_schema.py                      # npm pack the default version
    python scripts/aws_provider_schema.py --version 21.22.1    # another version (npm pack)
    python scripts/aws_provider_schema.py --tarball cdktf-provider-aws-21.22.1.tgz [--offline]

Without --offline the tarball's sha512 is compared with the integrity the npm registry publishes
(`npm view @cdktf/provider-aws@<version> dist.integrity`); the file records it either way.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

PACKAGE = "@cdktf/provider-aws"
DEFAULT_VERSION = "21.22.1"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "tests/unit/data/aws-provider-schema.json.gz"
DEFAULT_CACHE = (
    Path(
        os.environ.get("MULTIDB_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "multidb-platform"
    )
    / "npm-provider-aws"
)

ASSEMBLY = PACKAGE
# {@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/db_instance#allocated_storage DbInstance#allocated_storage}
# {@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs#region AwsProvider#region}  (provider)
ARG_LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/hashicorp/aws/(?P<ver>[^/\s]+)/docs"
    r"(?:/(?:resources|data-sources)/[^\s#]+)?#(?P<arg>[A-Za-z0-9_]+) [^}]+\}"
)
# Represents a {@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/db_instance aws_db_instance}.
TYPE_LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/hashicorp/aws/(?P<ver>[^/\s]+)/docs"
    r"/(?P<kind>resources|data-sources)/(?P<name>[^\s#}]+) (?P<label>[^}]+)\}"
)
PROVIDER_LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/hashicorp/aws/(?P<ver>[^/\s]+)/docs aws\}"
)


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm(*args: str) -> str:
    return subprocess.run(["npm", *args], check=True, capture_output=True, text=True).stdout.strip()


def npm_integrity(version: str) -> str:
    return json.loads(npm("view", f"{PACKAGE}@{version}", "dist.integrity", "--json"))


def download(version: str, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"cdktf-provider-aws-{version}.tgz"
    if not tarball.exists():
        print(f"npm pack {PACKAGE}@{version} -> {cache}", file=sys.stderr)
        npm("pack", f"{PACKAGE}@{version}", "--pack-destination", str(cache))
    return tarball


def read_assembly(tar: tarfile.TarFile) -> dict:
    def member(name: str) -> bytes:
        f = tar.extractfile(f"package/{name}")
        if f is None:
            raise SystemExit(f"package/{name} is not a file in the tarball")
        return f.read()

    raw = json.loads(member(".jsii"))
    if raw.get("schema") == "jsii/file-redirect":
        data = member(raw["filename"])
        if raw.get("compression") == "gzip":
            data = gzip.decompress(data)
        raw = json.loads(data)
    if not str(raw.get("schema", "")).startswith("jsii/"):
        raise SystemExit(f"package/.jsii is not a jsii assembly (schema {raw.get('schema')!r})")
    return raw


def struct_fqn(type_ref: dict, types: dict) -> tuple[str | None, bool]:
    """(fqn of the provider struct this property holds, opaque?) for a jsii type reference."""
    if "fqn" in type_ref:
        fqn = type_ref["fqn"]
        t = types.get(fqn)
        if t is not None and t.get("kind") == "interface" and t.get("datatype"):
            return fqn, False
        return None, False
    if "union" in type_ref:
        found = [struct_fqn(t, types)[0] for t in type_ref["union"]["types"]]
        found = [f for f in found if f]
        if len(set(found)) > 1:
            raise SystemExit(f"union of several structs: {found}")
        return (found[0] if found else None), False
    if "collection" in type_ref:
        coll = type_ref["collection"]
        if coll["kind"] == "array":  # list/set blocks; a map of objects is an attribute
            return struct_fqn(coll["elementtype"], types)
        return None, False
    if type_ref.get("primitive") == "any":
        return None, True
    return None, False


class Extractor:
    def __init__(self, assembly: dict):
        self.types = assembly["types"]
        self.versions: set[str] = set()
        self.stats = {"arguments": 0, "blocks": 0, "opaque": 0}

    def arg_name(self, struct: str, prop: dict) -> str:
        docs = prop.get("docs", {})
        text = " ".join(docs.get(k, "") for k in ("summary", "remarks"))
        m = ARG_LINK.search(text)
        if not m:
            raise SystemExit(f"{struct}.{prop['name']}: no registry link in its docs: {text[:200]!r}")
        self.versions.add(m.group("ver"))
        return m.group("arg")

    def struct(self, fqn: str, depth: int = 0) -> dict:
        if depth > 40:
            raise SystemExit(f"nesting deeper than 40 at {fqn}: a cycle?")
        t = self.types[fqn]
        props = list(t.get("properties", []))
        for parent in t.get("interfaces", []):  # provider structs extending provider structs
            if parent.startswith(ASSEMBLY + "."):
                props += self.types[parent].get("properties", [])
        out: dict = {"arguments": [], "blocks": {}, "opaque": []}
        for prop in props:
            name = self.arg_name(fqn, prop)
            nested, opaque = struct_fqn(prop["type"], self.types)
            if nested:
                out["blocks"][name] = self.struct(nested, depth + 1)
                self.stats["blocks"] += 1
            else:
                out["arguments"].append(name)
                self.stats["arguments"] += 1
                if opaque:
                    out["opaque"].append(name)
                    self.stats["opaque"] += 1
        names = out["arguments"] + list(out["blocks"])
        if len(names) != len(set(names)):
            raise SystemExit(f"{fqn}: duplicate argument names {sorted(names)}")
        out["arguments"].sort()
        out["opaque"].sort()
        if not out["opaque"]:
            del out["opaque"]
        if not out["blocks"]:
            del out["blocks"]
        return out

    def config_of(self, cls: dict) -> str:
        for param in cls.get("initializer", {}).get("parameters", []):
            if param["name"] == "config":
                return param["type"]["fqn"]
        raise SystemExit(f"{cls['fqn']}: no config parameter")

    def run(self) -> dict:
        resources: dict = {}
        data_sources: dict = {}
        provider = None
        for fqn in sorted(self.types):
            cls = self.types[fqn]
            if cls.get("kind") != "class" or not fqn.startswith(ASSEMBLY + "."):
                continue
            base = cls.get("base")
            summary = cls.get("docs", {}).get("summary", "")
            if base == "cdktf.TerraformProvider":
                m = PROVIDER_LINK.search(summary)
                if not m or provider is not None:
                    raise SystemExit(f"{fqn}: unexpected provider class ({summary!r})")
                self.versions.add(m.group("ver"))
                provider = self.struct(self.config_of(cls))
                continue
            if base not in ("cdktf.TerraformResource", "cdktf.TerraformDataSource"):
                continue
            m = TYPE_LINK.search(summary)
            if not m:
                raise SystemExit(f"{fqn}: no registry link in {summary!r}")
            self.versions.add(m.group("ver"))
            kind = "resources" if base == "cdktf.TerraformResource" else "data-sources"
            name = m.group("label")
            if m.group("kind") != kind or name != "aws_" + m.group("name"):
                raise SystemExit(f"{fqn}: link {m.group(0)!r} does not match its base {base}")
            target = resources if kind == "resources" else data_sources
            if name in target:
                raise SystemExit(f"{name}: two classes ({fqn})")
            target[name] = self.struct(self.config_of(cls))
        if provider is None or not resources or not data_sources:
            raise SystemExit("no provider, resources or data sources found: not a provider package?")
        if len(self.versions) != 1:
            raise SystemExit(f"links to several provider versions: {sorted(self.versions)}")
        return {"provider": provider, "resources": resources, "data_sources": data_sources}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group()
    src.add_argument(
        "--version", default=DEFAULT_VERSION, help=f"package version to npm pack (default {DEFAULT_VERSION})"
    )
    src.add_argument("--tarball", type=Path, help="an already downloaded cdktf-provider-aws-<version>.tgz")
    ap.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"where npm pack puts the tarball (default {DEFAULT_CACHE})",
    )
    ap.add_argument("--offline", action="store_true", help="do not compare the tarball with the registry's integrity")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args()

    tarball = args.tarball or download(args.version, args.cache_dir)
    data = tarball.read_bytes()
    integrity = integrity_of(data)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        package_json = json.loads(tar.extractfile("package/package.json").read())
        if package_json.get("name") != PACKAGE:
            raise SystemExit(f"{tarball} is {package_json.get('name')}, not {PACKAGE}")
        version = package_json["version"]
        assembly = read_assembly(tar)
    if not args.offline:
        published = npm_integrity(version)
        if published != integrity:
            raise SystemExit(f"{tarball}: sha512 {integrity} differs from the registry's {published}")

    ex = Extractor(assembly)
    schema = ex.run()
    schema["metadata"] = {
        "source": f"npm {PACKAGE}@{version} (jsii assembly package/.jsii)",
        "package": PACKAGE,
        "package_version": version,
        "integrity": integrity,
        "integrity_checked_against_registry": not args.offline,
        "jsii_fingerprint": assembly.get("fingerprint"),
        "provider": "registry.terraform.io/hashicorp/aws",
        "provider_version": ex.versions.pop(),
        "regenerate": f"python scripts/aws_provider_schema.py --version {version}",
        "counts": {
            "resources": len(schema["resources"]),
            "data_sources": len(schema["data_sources"]),
            **ex.stats,
        },
    }
    payload = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    tmp = args.output.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(args.output)
    meta = schema["metadata"]
    print(
        f"wrote {args.output} ({len(buf.getvalue())} bytes): {PACKAGE}@{version} {integrity}, "
        f"aws provider {meta['provider_version']}: {json.dumps(meta['counts'], sort_keys=True)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
