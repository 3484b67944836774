"""lazy_loader 0.6's own test suite, run against importcraft (docs/peers.md).

The suite is not copied here: it ships in lazy_loader's sdist (the wheel has no tests), which pip
downloads once, hash-checked, into a cache folder. The suite then runs unchanged in a child
pytest, with tests/peers/shim/ first on ``PYTHONPATH`` so its ``import lazy_loader`` gets a
stand-in whose ``attach``/``load``/``attach_stub`` are importcraft's ``lazy_attach``/
``lazy_import``/``lazy_attach_stub``. Each of the peer's tests is one test here: it must pass,
or fail in the one way docs/lazy.md documents as a deliberate difference.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SHIM = Path(__file__).parent / "shim"
SDIST = "lazy_loader-0.6"
REQUIREMENT = (
    "lazy_loader==0.6 "
    "--hash=sha256:2f4b7824d6401958639008a0cae20c776b61dff619accd6890693e2de8260167\n"
)

DELIBERATE = "deliberate difference (docs/lazy.md): "

# Every test of the peer's suite, with what importcraft must give: "passed", or the failure the
# documented difference causes (a fragment of the peer's failure message) and its reason.
EXPECTED: dict[str, tuple[str, str]] = {
    "test_cleanup_fixture[1]": ("passed", ""),
    "test_cleanup_fixture[2]": ("passed", ""),
    "test_lazy_import_basics": ("passed", ""),
    "test_lazy_import_subpackages": (
        "DID NOT WARN",
        "lazy_import('html.parser') defers html too and does not warn; the module is "
        "importcraft's own lazy type, not importlib.util._LazyModule",
    ),
    "test_lazy_import_impact_on_sys_modules": (
        "assert 'anything_not_real' not in",
        "a lazy module is in sys.modules from its declaration, also one that turns out "
        "missing at first use (check=False), so `import x` elsewhere finds the same object",
    ),
    "test_lazy_import_nonbuiltins": ("passed", ""),
    "test_lazy_attach": ("passed", ""),
    "test_lazy_attach_noattrs": ("passed", ""),
    "test_lazy_attach_returns_copies": ("passed", ""),
    "test_attach_same_module_and_attr_name[False]": ("passed", ""),
    "test_attach_same_module_and_attr_name[True]": ("passed", ""),
    "test_attach_caches_resolved_attrs": ("passed", ""),
    "test_attach_subpackage_does_not_shadow_function": ("passed", ""),
    "test_stub_loading": ("passed", ""),
    "test_stub_loading_parity": ("passed", ""),
    "test_stub_loading_errors": (
        "Regex pattern did not match",
        "lazy_attach_stub's ValueError names the stub file, the line and the forms allowed, "
        "in other words than lazy_loader's",
    ),
    "test_require_kwarg": (
        "importcraft.lazy_import has no require=",
        "no version requirement at declaration: register_version/require cover versions and "
        "missing modules instead",
    ),
    "test_parallel_load": ("passed", ""),
}


def _cache() -> Path:
    # Per venv by default, so `make clean` drops it and each Python keeps its own copy.
    return Path(os.environ.get("IMPORTCRAFT_PEERS_CACHE") or Path(sys.prefix) / "importcraft-peers")


def _peer_suite() -> Path:
    """The unpacked sdist of lazy_loader 0.6, downloaded by pip on first use."""
    root = _cache() / SDIST
    if (root / "tests" / "test_lazy_loader.py").is_file():
        return root
    _cache().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=_cache()) as work:
        requirements = Path(work) / "requirements.txt"
        requirements.write_text(REQUIREMENT)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--no-binary", ":all:", "--require-hashes", "-r", str(requirements),
             "-d", work],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        archive = Path(work) / f"{SDIST}.tar.gz"
        if done.returncode != 0 or not archive.is_file():
            pytest.fail(
                f"could not download {SDIST}'s sdist (its test suite) with pip into {work}:\n"
                f"{done.stdout}{done.stderr}\nWith no network, unpack {SDIST}.tar.gz into "
                f"{_cache()} or point IMPORTCRAFT_PEERS_CACHE at a folder holding {SDIST}/"
            )
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        os.replace(Path(work) / SDIST, root)
    return root


@pytest.fixture(scope="session")
def peer_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Run the peer's suite once; {test name: (outcome, failure text)}."""
    root = _peer_suite()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SHIM), str(root)])}
    env.pop("EAGER_IMPORT", None)
    env.pop("IMPORTCRAFT_EAGER", None)
    which = subprocess.run(
        [sys.executable, "-c", "import lazy_loader; print(lazy_loader.IMPORTCRAFT_SHIM)"],
        capture_output=True, text=True, env=env, cwd=root, timeout=120, check=False,
    )  # fmt: skip
    assert which.stdout.strip() == "True", f"the suite would not get the shim:\n{which.stderr}"
    report = tmp_path_factory.mktemp("lazy_loader") / "report.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--junitxml={report}",
         "tests"],
        capture_output=True, text=True, env=env, cwd=root, timeout=600, check=False,
    )  # fmt: skip
    if not report.is_file():
        pytest.fail(f"lazy_loader's suite did not run:\n{done.stdout}\n{done.stderr}")
    outcomes: dict[str, tuple[str, str]] = {}
    for case in ET.parse(report).iter("testcase"):
        outcome, text = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = "failed" if child.tag != "skipped" else "skipped"
                text = f"{child.get('message') or ''}\n{child.text or ''}"
        outcomes[case.get("name", "")] = (outcome, text)
    return outcomes


def test_every_peer_test_is_accounted_for(peer_outcomes: dict[str, tuple[str, str]]) -> None:
    assert sorted(peer_outcomes) == sorted(EXPECTED), (
        "lazy_loader's suite has tests this adapter does not list, or lacks some it lists"
    )


@pytest.mark.parametrize("name", list(EXPECTED))
def test_peer_test(name: str, peer_outcomes: dict[str, tuple[str, str]]) -> None:
    outcome, text = peer_outcomes.get(name, ("missing", ""))
    expected, reason = EXPECTED[name]
    if expected == "passed":
        assert outcome == "passed", f"lazy_loader's {name} {outcome} against importcraft:\n{text}"
    else:
        assert outcome == "failed", f"{DELIBERATE}{reason}; yet {name} {outcome}: update docs"
        assert expected in text, f"{name} failed otherwise than documented ({reason}):\n{text}"
