"""importcraft check: import contracts read from [[tool.importcraft.contracts]], checked on the
static import graph (nothing imported), with the chains that break them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from importcraft.cli._main import main

from .test_cli import importcraft_run

# The entry-point index and the graph cache go to a temporary folder, not the user's.
pytestmark = pytest.mark.usefixtures("private_cache")

# app.high -> app.mid -> app.low, as designed; app.low.x reaches app.high through app.util.
APP = {
    "app/__init__.py": "",
    "app/high/__init__.py": "from app import mid\n",
    "app/high/view.py": "import app.high\n",
    "app/mid.py": "import app.low\n",
    "app/low/__init__.py": "",
    "app/low/x.py": "import os\nfrom app import util\n",
    "app/low/y.py": "from app.low import x\n",
    "app/util.py": "import json\n\nfrom app.high import view\n",
    "app/blue.py": "from app import green\n",
    "app/green.py": "def f():\n    from app import red\n",
    "app/red.py": "",
}


def project(root: Path, contracts: str, files: dict[str, str] | None = None) -> Path:
    for name, text in {**APP, **(files or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (root / "pyproject.toml").write_text(
        '[tool.importcraft]\nroot_packages = ["app"]\n\n' + textwrap.dedent(contracts)
    )
    return root


def check(root: Path, *args: str, **kw: Any) -> tuple[int, str, str]:
    """Run `importcraft check ARGS` in ``root``; (exit status, stdout, stderr)."""
    capsys, monkeypatch = kw["capsys"], kw["monkeypatch"]
    monkeypatch.chdir(root)
    status = main(["check", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def verdicts(stdout: str) -> dict[str, str]:
    found = {}
    for line in stdout.splitlines():
        if line.startswith(("KEPT", "BROKEN")):
            verdict, name = line.split(None, 1)
            found[name.rpartition(" (")[0]] = verdict
    return found


def layers(name: str, *lines: str, extra: str = "") -> str:
    shown = ", ".join(json.dumps(line) for line in lines)
    return (
        f'[[tool.importcraft.contracts]]\nname = "{name}"\ntype = "layers"\n'
        f"layers = [{shown}]\n{extra}\n"
    )


@pytest.fixture
def cli(capsys: Any, monkeypatch: Any) -> dict[str, Any]:
    return {"capsys": capsys, "monkeypatch": monkeypatch}


def test_layers_broken_indirectly_with_every_link_and_its_line(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    root = project(tmp_path, layers("tiers", "app.high", "app.mid", "app.low"))
    status, out, _ = check(root, **cli)
    assert status == 1
    assert verdicts(out) == {"tiers": "BROKEN"}
    assert "app.low is not allowed to import app.high (a lower layer):" in out
    lines = out.splitlines()
    start = lines.index("      - app.low.x -> app.util (app/low/x.py:2)")
    assert lines[start + 1] == "        app.util -> app.high.view (app/util.py:3)"
    assert lines[-1] == "1 contract: 0 kept, 1 broken"


def test_layers_kept_and_the_chain_through_another_layer_does_not_count(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    # app.low.y reaches app.high only through app.low.x -> app.util; a layers contract on
    # (high, mid) alone is kept: app.mid imports app.low, which is no layer of it.
    root = project(tmp_path, layers("two", "app.high", "app.mid"))
    status, out, _ = check(root, **cli)
    assert (status, verdicts(out)) == (0, {"two": "KEPT"})
    assert out.splitlines()[-1] == "1 contract: 1 kept, 0 broken"


def test_independent_and_non_independent_sibling_layers(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    contracts = layers("pipes", "app.blue | app.red") + layers("colons", "app.blue : app.green")
    contracts += layers("pipes2", "app.blue | app.green")
    root = project(tmp_path, contracts)
    status, out, _ = check(root, **cli)
    assert status == 1
    # blue -> green is direct; green -> red is inside a function, and still an import.
    assert verdicts(out) == {"pipes": "BROKEN", "colons": "KEPT", "pipes2": "BROKEN"}
    assert "app.blue -> app.green (app/blue.py:1)" in out
    assert "app.green -> app.red (app/green.py:2 function)" in out


def test_containers_and_optional_layers(tmp_path: Path, cli: dict[str, Any]) -> None:
    files = {
        "app/one/__init__.py": "",
        "app/one/api.py": "from app.one import db\n",
        "app/one/db.py": "",
        "app/two/__init__.py": "",
        "app/two/api.py": "",
        "app/two/db.py": "from app.two import api\n",
    }
    extra = 'containers = ["app.one", "app.two"]\n'
    contracts = layers("containers", "api", "(cache)", "db", extra=extra)
    contracts += layers("missing", "api", "cache", "db", extra='containers = ["app.one"]\n')
    root = project(tmp_path, contracts, files)
    status, out, _ = check(root, **cli)
    assert status == 1
    assert verdicts(out) == {"containers": "BROKEN", "missing": "BROKEN"}
    assert "app.two.db is not allowed to import app.two.api" in out
    assert "app.one.db is not allowed" not in out
    assert "layer 'app.one.cache' is not a module of the graph" in out


def forbidden(name: str, sources: str, targets: str, extra: str = "") -> str:
    return (
        f'[[tool.importcraft.contracts]]\nname = "{name}"\ntype = "forbidden"\n'
        f"source_modules = {sources}\nforbidden_modules = {targets}\n{extra}\n"
    )


def test_forbidden_direct_indirect_and_allow_indirect_imports(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    allow = "allow_indirect_imports = true\n"
    contracts = forbidden("indirect", '["app.low"]', '["app.high"]')
    contracts += forbidden("indirect allowed", '["app.low"]', '["app.high"]', allow)
    contracts += forbidden("direct", '["app.util"]', '["app.high"]', allow)
    contracts += forbidden("kept", '["app.red"]', '["app.high"]')
    contracts += forbidden("json", '["app.low"]', '["json"]', "include_external_packages = true\n")
    root = project(tmp_path, contracts)
    status, out, _ = check(root, **cli)
    assert status == 1
    assert verdicts(out) == {
        "indirect": "BROKEN",
        "indirect allowed": "KEPT",
        "direct": "BROKEN",
        "kept": "KEPT",
        "json": "BROKEN",
    }
    assert "app.util -> json (app/util.py:1)" in out
    assert out.splitlines()[-1] == "5 contracts: 2 kept, 3 broken"


def test_forbidding_an_external_package_needs_include_external_packages(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    root = project(tmp_path, forbidden("json", '["app.low"]', '["json"]'))
    status, out, _ = check(root, **cli)
    assert status == 1
    assert "set include_external_packages = true" in out


def test_independence(tmp_path: Path, cli: dict[str, Any]) -> None:
    contracts = (
        '[[tool.importcraft.contracts]]\nname = "apart"\ntype = "independence"\n'
        'modules = ["app.red", "app.high"]\n\n'
        '[[tool.importcraft.contracts]]\nname = "together"\ntype = "independence"\n'
        'modules = ["app.blue", "app.red"]\n'
    )
    root = project(tmp_path, contracts)
    status, out, _ = check(root, **cli)
    assert status == 1
    assert verdicts(out) == {"apart": "KEPT", "together": "BROKEN"}
    assert "app.blue is not allowed to import app.red:" in out
    lines = out.splitlines()
    at = lines.index("      - app.blue -> app.green (app/blue.py:1)")
    assert lines[at + 1] == "        app.green -> app.red (app/green.py:2 function)"


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        ("app.low.x -> app.util", True),
        ("app.*.x -> app.util", True),
        ("app.** -> app.util", True),  # ** is one part or more: app.low.x
        ("app.* -> app.util", False),  # * is one part: app.low, app.mid, ... not app.low.x
        ("app.util -> app.high.*", True),
        ("app.util -> app.**", True),
        ("app.util -> app.*", False),  # app.high.view is two parts below app
    ],
)
def test_ignore_imports_wildcards(
    tmp_path: Path, cli: dict[str, Any], pattern: str, kept: bool
) -> None:
    extra = f'ignore_imports = ["{pattern}", "app.green -> app.red"]\n'
    root = project(tmp_path, forbidden("f", '["app.low"]', '["app.high"]', extra))
    status, out, _ = check(root, **cli)
    if not kept:  # the pattern matches no import at all, which is an error of its own
        assert f"no import matches ignore_imports {pattern!r}" in out
    assert verdicts(out) == {"f": "KEPT" if kept else "BROKEN"}
    assert status == (0 if kept else 1)


def test_an_ignore_pattern_matching_nothing_breaks_the_contract_unless_told(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    contracts = forbidden(
        "err", '["app.red"]', '["app.high"]', 'ignore_imports = ["app.x -> app.y"]'
    )
    contracts += forbidden(
        "warn", '["app.red"]', '["app.high"]',
        'ignore_imports = ["app.x -> app.y"]\nunmatched_ignore_imports_alerting = "warn"',
    )  # fmt: skip
    root = project(tmp_path, contracts)
    _, out, _ = check(root, **cli)
    assert verdicts(out) == {"err": "BROKEN", "warn": "KEPT"}
    assert "warning: no import matches ignore_imports 'app.x -> app.y'" in out


ACYCLIC = """\
[[tool.importcraft.contracts]]
name = "no cycles"
type = "acyclic"
packages = ["app"]
"""


def test_acyclic_broken_by_module_level_imports(tmp_path: Path, cli: dict[str, Any]) -> None:
    files = {"app/mid.py": "import app.low\nimport app.high\n"}
    root = project(tmp_path, ACYCLIC, files)
    status, out, _ = check(root, **cli)
    assert status == 1
    assert "import-time cycle among 2 modules: app.high, app.mid:" in out
    assert "      - app.high -> app.mid (app/high/__init__.py:1)" in out
    assert "        app.mid -> app.high (app/mid.py:2)" in out


def test_acyclic_kept_when_a_function_or_type_checking_import_closes_the_loop(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    files = {
        "app/red.py": "def f():\n    from app import blue\n",  # blue -> green -> red -> blue
        "app/mid.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.high\n",
    }
    root = project(tmp_path, ACYCLIC, files)
    status, out, _ = check(root, **cli)
    assert (status, verdicts(out)) == (0, {"no cycles": "KEPT"})


IMPORT_TIME = """\
[[tool.importcraft.contracts]]
name = "fast start"
type = "import_time"
source_modules = ["app.cli"]
forbidden_modules = ["heavy"]
"""


def test_import_time_allows_a_function_level_import_and_refuses_a_module_level_one(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    lazy = {"app/cli.py": "import app.low\n\ndef plot():\n    import heavy\n", "heavy.py": ""}
    root = project(tmp_path, IMPORT_TIME, lazy)
    status, out, _ = check(root, **cli)
    assert (status, verdicts(out)) == (0, {"fast start": "KEPT"})
    (root / "app/low/__init__.py").write_text("try:\n    pass\nfinally:\n    import heavy\n")
    status, out, _ = check(root, **cli)
    assert (status, verdicts(out)) == (1, {"fast start": "BROKEN"})
    assert "importing app.cli loads heavy at import time:" in out
    assert "      - app.cli -> app.low (app/cli.py:1)" in out
    assert "        app.low -> heavy (app/low/__init__.py:4)" in out


def test_import_time_counts_the_package_python_loads_first(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    files = {"app/__init__.py": "import heavy\n", "app/cli.py": "", "heavy.py": ""}
    root = project(tmp_path, IMPORT_TIME, files)
    status, out, _ = check(root, **cli)
    assert status == 1
    assert "      - app.cli -> app (its package, loaded first)" in out
    assert "        app -> heavy (app/__init__.py:1)" in out


def test_runtime_trace_adds_the_imports_seen_at_run_time(
    tmp_path: Path, cli: dict[str, Any]
) -> None:
    files = {
        "app/red.py": "import importlib\nNAME = 'app.' + 'high'\nimportlib.import_module(NAME)\n"
    }
    root = project(tmp_path, forbidden("red alone", '["app.red"]', '["app.high"]'), files)
    status, out, _ = check(root, **cli)
    assert (status, verdicts(out)) == (0, {"red alone": "KEPT"})  # not a literal: not seen
    traced = subprocess.run(
        [sys.executable, "-m", "importcraft", "trace", "--json", "trace.json", "-c",
         "import app.red"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert traced.returncode == 0, traced.stderr
    status, out, _ = check(root, "--runtime", "trace.json", **cli)
    assert (status, verdicts(out)) == (1, {"red alone": "BROKEN"})
    assert "      - app.red -> app.high (app/red.py:3 seen at run time)" in out
    status, out, _ = check(root, "--runtime", "trace.json", "--json", **cli)
    [link] = json.loads(out)["contracts"][0]["violations"][0]["chains"][0]
    assert [line["how"] for line in link["lines"]] == ["runtime"]


def test_a_malformed_trace_is_a_configuration_error(tmp_path: Path, cli: dict[str, Any]) -> None:
    root = project(tmp_path, forbidden("red alone", '["app.red"]', '["app.high"]'), {})
    (root / "trace.json").write_text('{"modules": ["app", {"name": "x", "imported_at": "x:3"}]}')
    status, _, err = check(root, "--runtime", "trace.json", **cli)
    assert status == 2
    assert "not an importcraft trace (modules[0] is not a module record)" in err


def test_json_output(tmp_path: Path, cli: dict[str, Any]) -> None:
    contracts = layers("tiers", "app.high", "app.mid", "app.low") + layers(
        "two", "app.high", "app.mid"
    )
    root = project(tmp_path, contracts)
    status, out, _ = check(root, "--json", **cli)
    assert status == 1
    data = json.loads(out)
    assert data["summary"] == "2 contracts: 1 kept, 1 broken"
    assert (data["kept"], data["broken"]) == (1, 1)
    tiers, two = data["contracts"]
    assert (tiers["name"], tiers["kept"], two["kept"]) == ("tiers", False, True)
    [violation] = tiers["violations"]
    assert (violation["importer"], violation["imported"]) == ("app.low", "app.high")
    first = violation["chains"][0][0]
    assert (first["importer"], first["imported"]) == ("app.low.x", "app.util")
    assert first["lines"][0]["line"] == 2
    assert first["lines"][0]["file"].endswith("x.py")


def test_packages_from_option_or_from_the_contracts(tmp_path: Path, cli: dict[str, Any]) -> None:
    root = project(tmp_path, layers("two", "app.high", "app.mid"))
    text = (root / "pyproject.toml").read_text().replace('root_packages = ["app"]\n', "")
    (root / "pyproject.toml").write_text(text)
    assert check(root, **cli)[0] == 0  # app, the package the contract names
    (root / "other").mkdir()
    (root / "other/__init__.py").write_text("")
    status, _, err = check(root, "--package", "other", **cli)
    assert status == 1  # app is not read: its layers are missing
    status, _, err = check(root, "--package", "nowhere", **cli)
    assert status == 2
    assert "no package 'nowhere'" in err


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('name = "c"\ntype = "layered"\nlayers = ["a"]',
         "contract 'c': unknown contract type 'layered' (known: layers, forbidden, "),
        ('name = "c"\ntype = "forbidden"\nsource_modules = ["app"]',
         "contract 'c': missing key 'forbidden_modules'"),
        ('name = "c"\ntype = "independence"\nmodules = ["app"]\nlayers = ["x"]',
         "contract 'c': unknown key 'layers' for a independence contract (known keys: "),
        ('type = "independence"\nmodules = ["app"]', "contract #1: missing key 'name'"),
        ('name = "c"\ntype = "independence"\nmodules = "app"',
         "contract 'c' modules: expected a list of strings"),
        ('name = "c"\ntype = "layers"\nlayers = ["app.a | app.b : app.c"]',
         "contract 'c' layers: 'app.a | app.b : app.c' mixes"),
        ('name = "c"\ntype = "independence"\nmodules = ["app.*.**"]',
         "contract 'c' modules: 'app.*.**' is not a module name or pattern"),
        ('name = "c"\ntype = "independence"\nmodules = ["app"]\nignore_imports = ["app.a"]',
         "contract 'c' ignore_imports: 'app.a' is not of the form 'importer -> imported'"),
        ('name = "c"\ntype = "forbidden"\nsource_modules = ["app"]\nforbidden_modules = ["x"]\n'
         'allow_indirect_imports = "yes"',
         "contract 'c' allow_indirect_imports: expected true or false"),
    ],
)  # fmt: skip
def test_configuration_errors_name_the_contract_the_key_and_the_file(
    tmp_path: Path, cli: dict[str, Any], table: str, message: str
) -> None:
    root = project(tmp_path, f"[[tool.importcraft.contracts]]\n{table}\n")
    status, out, err = check(root, **cli)
    assert (status, out) == (2, "")
    assert err.startswith(f"importcraft check: error: {root / 'pyproject.toml'}: ")
    assert message in err


def test_no_contracts_or_no_configuration(tmp_path: Path, cli: dict[str, Any]) -> None:
    root = project(tmp_path, "")
    status, _, err = check(root, **cli)
    assert status == 2
    assert "no contracts; add [[tool.importcraft.contracts]]" in err
    status, _, err = check(root, "--config", "missing.toml", **cli)
    assert status == 2
    assert "missing.toml: cannot read it" in err


def test_a_standalone_contracts_file(tmp_path: Path, cli: dict[str, Any]) -> None:
    project(tmp_path, "")
    (tmp_path / "contracts.toml").write_text(
        'root_packages = ["app"]\n\n' + layers("two", "app.high", "app.mid")
    )
    status, out, _ = check(tmp_path, "--config", "contracts.toml", **cli)
    assert (status, verdicts(out)) == (0, {"two": "KEPT"})


def test_run_accepts_the_contracts_beside_its_own_settings(tmp_path: Path) -> None:
    root = project(tmp_path, layers("two", "app.high", "app.mid"))
    text = (root / "pyproject.toml").read_text()
    text = text.replace("[tool.importcraft]\n", '[tool.importcraft]\nblock = ["csv"]\n')
    (root / "pyproject.toml").write_text(text)
    (root / "main.py").write_text("import app.mid\nprint('ran')\nimport csv\n")
    result = importcraft_run("main.py", cwd=root)
    assert result.stdout.strip() == "ran"
    assert "import of 'csv' is blocked" in result.stderr  # its own settings still apply
    # A typo of one of run's own keys is still refused.
    (root / "pyproject.toml").write_text(text.replace("block =", "blocks ="))
    result = importcraft_run("main.py", cwd=root)
    assert result.returncode == 2
    assert "unknown key 'blocks'" in result.stderr
