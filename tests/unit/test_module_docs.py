"""Unit tier: every plugin's DOCUMENTATION, EXAMPLES and RETURN are YAML that parses (ansible-doc,
the argument specs' documentation and ansible-lint read them; a broken one is only a warning at
run time, so nothing else would catch it); a module names itself and says what it does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PLUGINS = sorted(p for p in (REPO / "plugins").rglob("*.py") if p.parent.name != "module_utils" and p.name != "__init__.py")


def _strings(path: Path) -> dict:
    tree = ast.parse(path.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN") and isinstance(node.value, ast.Constant):
            found[node.targets[0].id] = node.value.value
    return found


@pytest.mark.parametrize("path", PLUGINS, ids=[str(p.relative_to(REPO)) for p in PLUGINS])
def test_documentation_is_yaml(path):
    strings = _strings(path)
    if path.parent.name == "modules":
        assert {"DOCUMENTATION", "EXAMPLES", "RETURN"} <= set(strings), f"{path.name}: missing {strings.keys()}"
    for name, text in strings.items():
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as exc:
            pytest.fail(f"{path.relative_to(REPO)}: {name} is not YAML: {exc}")
    if path.parent.name == "modules":
        doc = yaml.safe_load(strings["DOCUMENTATION"])
        assert doc["module"] == path.stem and doc.get("short_description"), path.name
