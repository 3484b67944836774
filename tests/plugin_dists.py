"""Small distributions with entry points, built as wheels and installed with pip, for the tests of
the plugin manager and of ``importcraft plugins``.

Two folders, ``first`` and ``second`` (put on ``sys.path`` in that order):

- ``first``: ``icplug-good 1.0`` (the interface ``icplug_api.Formatter`` and the plugins
  ``upper``, ``lower``, ``wrong`` (no Formatter), ``raising`` (raises when instantiated),
  ``boom`` (its ``format`` raises)), ``icplug-broken 0.1`` (``broken``: its module imports a
  module that does not exist) and ``icplug-alpha 2.0`` (``dup``);
- ``second``: ``icplug-beta 3.0``, which offers ``dup`` too (a conflict).
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

GROUP = "icplug.fmt"

API = """\
class Formatter:
    def format(self, text):
        raise NotImplementedError
"""

GOOD = """\
from icplug_api import Formatter

class Upper(Formatter):
    def __init__(self, prefix=""):
        self.prefix = prefix
    def format(self, text):
        return self.prefix + text.upper()

class Lower(Formatter):
    def __init__(self, prefix=""):
        self.prefix = prefix
    def format(self, text):
        return self.prefix + text.lower()

class NotAFormatter:
    def format(self, text):
        return text

class Raising(Formatter):
    def __init__(self, prefix=""):
        raise RuntimeError("no configuration for Raising")

class Boom(Formatter):
    def __init__(self, prefix=""):
        pass
    def format(self, text):
        raise ZeroDivisionError("boom formats nothing")
"""

BROKEN = "import icplug_no_such_dependency\n\nclass Plugin:\n    pass\n"

DUP = """\
from icplug_api import Formatter

class Dup(Formatter):
    def __init__(self, prefix=""):
        pass
    def format(self, text):
        return __name__
"""

NAMES = ["boom", "broken", "dup", "lower", "raising", "upper", "wrong"]


def _hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def build_wheel(
    out: Path,
    dist: str,
    version: str,
    modules: dict[str, str],
    entry_points: dict[str, dict[str, str]],
) -> Path:
    """Write the wheel of a pure-Python distribution: ``modules`` (path -> text) and
    ``entry_points`` (group -> name -> value). Returns its path."""
    stem = dist.replace("-", "_")
    info = f"{stem}-{version}.dist-info"
    ep_text = "".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in names.items()) + "\n"
        for group, names in entry_points.items()
    )
    files = {
        **modules,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n",
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: importcraft-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        f"{info}/entry_points.txt": ep_text,
    }
    record = [f"{path},{_hash(text.encode())},{len(text.encode())}" for path, text in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    path = out / f"{stem}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def pip_install(target: Path, wheels: list[Path]) -> None:
    """Install ``wheels`` into ``target`` with pip, offline."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
        "--no-compile", "--disable-pip-version-check", "--target", str(target),
        *map(str, wheels),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


@dataclass(frozen=True)
class Installed:
    first: Path
    second: Path

    @property
    def path(self) -> list[str]:
        return [str(self.first), str(self.second)]


_installed: dict[str, Installed] = {}


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The distributions above, installed once per session (see the module's docstring)."""
    if "dists" in _installed:
        return _installed["dists"]
    root = tmp_path_factory.mktemp("plugin_dists")
    wheels = root / "wheels"
    wheels.mkdir()
    good = build_wheel(
        wheels,
        "icplug-good",
        "1.0",
        {"icplug_api.py": API, "icplug_good.py": GOOD},
        {
            GROUP: {
                "upper": "icplug_good:Upper",
                "lower": "icplug_good:Lower",
                "wrong": "icplug_good:NotAFormatter",
                "raising": "icplug_good:Raising",
                "boom": "icplug_good:Boom",
            },
            "icplug.other": {"upper": "icplug_good:Upper"},
        },
    )
    broken = build_wheel(
        wheels, "icplug-broken", "0.1", {"icplug_broken.py": BROKEN},
        {GROUP: {"broken": "icplug_broken:Plugin"}},
    )  # fmt: skip
    alpha = build_wheel(
        wheels, "icplug-alpha", "2.0", {"icplug_alpha.py": DUP},
        {GROUP: {"dup": "icplug_alpha:Dup"}},
    )  # fmt: skip
    beta = build_wheel(
        wheels, "icplug-beta", "3.0", {"icplug_beta.py": DUP},
        {GROUP: {"dup": "icplug_beta:Dup"}},
    )  # fmt: skip
    found = Installed(root / "first", root / "second")
    pip_install(found.first, [good, broken, alpha])
    pip_install(found.second, [beta])
    _installed["dists"] = found
    return found
