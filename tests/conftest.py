"""Shared fixtures: every test runs inside importcraft.isolated(), and leaves no hook behind."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import importcraft


@pytest.fixture(autouse=True)
def _restore_import_state() -> Iterator[None]:
    before = (
        list(sys.meta_path),
        list(sys.path),
        list(sys.path_hooks),
        importcraft.hooks(),
    )
    with importcraft.isolated():
        yield
    after = (list(sys.meta_path), list(sys.path), list(sys.path_hooks), importcraft.hooks())
    assert after == before, "import state was not restored after the test"


@pytest.fixture
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """importcraft's cache directory (the entry-point index, the graph's statements) in a
    temporary folder, for this test and the commands it runs, not the user's."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.delenv("IMPORTCRAFT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "importcraft"


@pytest.fixture
def tree(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write files from a {relative path: text} mapping under a fresh directory; return it."""

    def write(files: dict[str, str], root: Path = tmp_path) -> Path:
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return root

    return write


def run_python(
    code: str,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    unset: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (this one's executable) and capture its output.

    ``env`` is added to this process's environment, without the variables named in ``unset``.
    """
    full_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def settle_coverage(name: str) -> None:
    """Import ``name``, a module file not imported yet, in this thread before threads start.

    Under coverage, the first file traced after ``sys.path`` changed makes coverage re-read
    ``sys.path`` inside ``coverage.misc.sys_modules_saved()``, which then deletes every module
    that appeared meanwhile, other threads' included (a ``KeyError`` inside importlib). Tests
    that import new files from several threads let that happen first, here.
    """
    importlib.import_module(name)
