"""importcraft check and import-linter's lint-imports give the same verdict on the same contracts.

One project, one pyproject.toml holding the contracts twice, word for word: under
[tool.importlinter] for lint-imports and under [tool.importcraft] for importcraft check.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# The entry-point index and the graph cache go to a temporary folder, not the user's.
pytestmark = pytest.mark.usefixtures("private_cache")

pytest.importorskip("importlinter")  # a dev dependency (pyproject.toml [dev])

SHOP = {
    "shop/__init__.py": "",
    "shop/ui/__init__.py": "",
    "shop/ui/views.py": "from shop.services import orders\n",
    "shop/services/__init__.py": "",
    "shop/services/orders.py": "from shop.data import db\nfrom shop import utils\n",
    "shop/data/__init__.py": "",
    "shop/data/db.py": "",
    "shop/data/cache.py": "import shop.data.db\n",
    "shop/utils.py": "def f():\n    from shop.ui import views\n",  # deferred, still an import
    "shop/payments/__init__.py": "from shop import fraud\n",
    "shop/fraud.py": "import shop.shipping.api\n",
    "shop/shipping/__init__.py": "",
    "shop/shipping/api.py": "from shop.data import db\n",
}

# (name, type, the rest of the table); the expected verdict is only a check on the test itself:
# what matters is that both tools agree.
CONTRACTS = [
    ("tiers", "layers", {"layers": ["shop.ui", "shop.services", "shop.data"]}),
    ("tiers ignoring utils", "layers",
     {"layers": ["shop.ui", "shop.services", "shop.data"],
      "ignore_imports": ["shop.utils -> shop.ui.*"]}),
    ("tiers in a container", "layers",
     {"layers": ["ui", "services", "(missing)", "data"], "containers": ["shop"],
      "ignore_imports": ["shop.*.orders -> shop.utils"]}),
    ("tiers missing a layer", "layers",
     {"layers": ["ui", "missing", "data"], "containers": ["shop"]}),
    ("independent siblings", "layers", {"layers": ["shop.payments | shop.shipping", "shop.data"]}),
    ("siblings", "layers", {"layers": ["shop.payments : shop.shipping", "shop.data"]}),
    ("no shipping from payments", "forbidden",
     {"source_modules": ["shop.payments"], "forbidden_modules": ["shop.shipping"]}),
    ("no direct shipping from payments", "forbidden",
     {"source_modules": ["shop.payments"], "forbidden_modules": ["shop.shipping"],
      "allow_indirect_imports": True}),
    ("no direct shipping from fraud", "forbidden",
     {"source_modules": ["shop.fraud"], "forbidden_modules": ["shop.shipping"],
      "allow_indirect_imports": True}),
    ("data stays below", "forbidden",
     {"source_modules": ["shop.data.*"], "forbidden_modules": ["shop.ui", "shop.services"]}),
    ("services without ui", "forbidden",
     {"source_modules": ["shop.services"], "forbidden_modules": ["shop.ui"],
      "ignore_imports": ["shop.services.** -> shop.utils"]}),
    ("three apart", "independence", {"modules": ["shop.payments", "shop.shipping", "shop.ui"]}),
    ("two apart", "independence", {"modules": ["shop.payments", "shop.ui"]}),
    ("apart but for fraud", "independence",
     {"modules": ["shop.payments", "shop.shipping"],
      "ignore_imports": ["shop.fraud -> shop.shipping.api"]}),
]  # fmt: skip
EXPECTED = {
    "tiers": "BROKEN",
    "tiers ignoring utils": "KEPT",
    "tiers in a container": "KEPT",
    "tiers missing a layer": "BROKEN",
    "independent siblings": "BROKEN",
    "siblings": "KEPT",
    "no shipping from payments": "BROKEN",
    "no direct shipping from payments": "KEPT",
    "no direct shipping from fraud": "BROKEN",
    "data stays below": "KEPT",
    "services without ui": "KEPT",
    "three apart": "BROKEN",
    "two apart": "KEPT",
    "apart but for fraud": "KEPT",
}


def toml_value(value: object) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


def tables(tool: str, names: list[str]) -> str:
    out = []
    for name, kind, keys in CONTRACTS:
        if name not in names:
            continue
        out.append(
            f"[[tool.{tool}.contracts]]\nname = {json.dumps(name)}\ntype = {json.dumps(kind)}"
        )
        out += [f"{key} = {toml_value(value)}" for key, value in keys.items()]
        out.append("")
    return "\n".join(out)


def lint_imports(root: Path) -> dict[str, str]:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=root, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    found = {}
    for line in done.stdout.splitlines():
        # "name KEPT", "name BROKEN", "name KEPT (1 ignored import)"
        verdict = re.match(r"(.+) (KEPT|BROKEN)( \(\d+ ignored imports?\))?$", line)
        if verdict:
            found[verdict[1]] = verdict[2]
    assert found, done.stdout + done.stderr
    assert done.returncode == (1 if "BROKEN" in found.values() else 0)
    return found


def importcraft_check(root: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "importcraft", "check", "--json"],
        cwd=root, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    data = json.loads(done.stdout)
    return {c["name"]: "KEPT" if c["kept"] else "BROKEN" for c in data["contracts"]}


def make(root: Path, names: list[str]) -> Path:
    for name, text in SHOP.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (root / "pyproject.toml").write_text(
        '[tool.importlinter]\nroot_packages = ["shop"]\n\n'
        + tables("importlinter", names)
        + '\n[tool.importcraft]\nroot_packages = ["shop"]\n\n'
        + tables("importcraft", names)
    )
    return root


def test_the_same_verdict_for_each_contract_as_import_linter(tmp_path: Path) -> None:
    # import-linter stops at a contract it cannot check (a missing non-optional layer is
    # one): that contract is compared on its own below.
    names = [name for name, _, _ in CONTRACTS if name != "tiers missing a layer"]
    root = make(tmp_path, names)
    theirs = lint_imports(root)
    ours = importcraft_check(root)
    assert theirs == ours
    assert ours == {name: EXPECTED[name] for name in names}


def test_a_missing_layer_fails_in_both(tmp_path: Path) -> None:
    root = make(tmp_path, ["tiers missing a layer"])
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=root, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "module shop.missing does not exist" in done.stdout + done.stderr
    assert importcraft_check(root) == {"tiers missing a layer": "BROKEN"}
