"""The decision trace: IMPORTCRAFT_VERBOSE and `importcraft run -v` say which rule decided what."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import importcraft
from importcraft.core import _trace
from importcraft.core._router import ROUTER, Router

from .conftest import run_python
from .test_cli import importcraft_run

PREFIX = "# importcraft: "


def traced(code: str, level: str | None = "1", cwd: Path | None = None) -> tuple[str, list[str]]:
    """Run ``code`` in a fresh interpreter with IMPORTCRAFT_VERBOSE=level (unset if None).

    Returns its stdout and its trace lines (without the prefix).
    """
    if level is None:
        done = run_python(code, cwd=cwd, unset=(_trace.ENV,))
    else:
        done = run_python(code, cwd=cwd, env={_trace.ENV: level})
    assert done.returncode == 0, done.stderr
    lines = [line[len(PREFIX) :] for line in done.stderr.splitlines() if line.startswith(PREFIX)]
    return done.stdout, lines


def about(lines: list[str], name: str) -> list[str]:
    """The trace lines about module ``name``."""
    return [line for line in lines if line.startswith(repr(name) + " ")]


def test_blocked_import_names_the_policy() -> None:
    _, lines = traced("""
        import importcraft
        importcraft.block("colorsys", reason="not here")
        try:
            import colorsys
        except ImportError:
            pass
    """)
    [line] = about(lines, "colorsys")
    assert "refused by block('colorsys')" in line


def test_probe_of_a_blocked_name_says_it_looks_missing() -> None:
    out, lines = traced("""
        import importlib.util, importcraft
        importcraft.block("colorsys")
        print(importlib.util.find_spec("colorsys"))
    """)
    assert out.strip() == "None"
    refused, probe = about(lines, "colorsys")
    assert "refused by block('colorsys')" in refused
    assert "probe" in probe
    assert "not found" in probe


def test_virtual_module_names_the_source_and_origin() -> None:
    _, lines = traced("""
        import importcraft
        importcraft.virtual({"settings": "debug = True"})
        import settings
    """)
    [line] = about(lines, "settings")
    assert "served by virtual(['settings'])" in line
    assert "<virtual>/settings.py" in line


def test_alias_names_the_alias_and_its_target() -> None:
    _, lines = traced("""
        import importcraft
        importcraft.alias("old_colours", "colorsys")
        import old_colours
    """)
    [line] = about(lines, "old_colours")
    assert "served by alias('old_colours', 'colorsys')" in line
    assert "alias of colorsys" in line


def test_transform_delegates_then_wraps_the_loader() -> None:
    _, lines = traced("""
        import ast, importcraft

        class Nothing(ast.NodeTransformer):
            pass

        importcraft.transform("colorsys", Nothing())
        import colorsys
    """)
    delegated, wrapped = about(lines, "colorsys")
    assert "delegated to the finders after importcraft" in delegated
    assert "colorsys.py" in delegated
    assert "SourceFileLoader" in delegated
    assert "wrapped by transform(['colorsys'], __main__.Nothing)" in wrapped


def test_when_imported_hook_names_the_callback() -> None:
    _, lines = traced("""
        import importcraft

        def seen(module):
            print("seen", module.__name__)

        importcraft.when_imported("colorsys", seen)
        import colorsys
    """)
    wrapped = about(lines, "colorsys")[-1]
    assert "wrapped by when_imported('colorsys', __main__.seen)" in wrapped


def test_delegation_that_finds_nothing_says_so() -> None:
    _, lines = traced("""
        import importcraft
        importcraft.when_imported("no_such_module_here", print)
        try:
            import no_such_module_here
        except ImportError:
            pass
    """)
    [line] = about(lines, "no_such_module_here")
    assert "delegated to the finders after importcraft: nothing found" in line


def test_lazy_module_says_when_its_body_runs() -> None:
    out, lines = traced("""
        import importcraft
        colorsys = importcraft.lazy_import("colorsys")
        print("declared")
        colorsys.rgb_to_hsv
    """)
    assert out.strip() == "declared"
    ran = [line for line in about(lines, "colorsys") if "body" in line]
    assert len(ran) == 1
    assert "lazy module first used" in ran[0]
    assert "<string>:3" in ran[0]  # where it was declared


def test_lazy_import_says_it_made_a_module_lazy() -> None:
    _, lines = traced("""
        import importcraft
        importcraft.block("never_this_one")  # the router is on sys.meta_path
        colorsys = importcraft.lazy_import("colorsys")
    """)
    made = [line for line in about(lines, "colorsys") if "made lazy" in line]
    assert len(made) == 1
    assert "lazy_import at <string>:4" in made[0]


def test_misses_are_printed_only_at_level_2() -> None:
    code = """
        import importcraft
        importcraft.virtual({"settings": "debug = True"})
        import colorsys
    """
    _, level_1 = traced(code, "1")
    _, level_2 = traced(code, "2")
    assert about(level_1, "colorsys") == []
    [miss] = about(level_2, "colorsys")
    assert "not covered by any rule" in miss


def test_nothing_is_printed_when_unset_or_zero() -> None:
    code = """
        import importcraft
        importcraft.block("colorsys")
        importcraft.virtual({"settings": "debug = True"})
        import settings
        try:
            import colorsys
        except ImportError:
            pass
        import sys
        print("importcraft.core._trace" in sys.modules)
    """
    for level in (None, "0", ""):
        out, lines = traced(code, level)
        assert lines == [], level
        assert out.strip() == "False", level  # off, the trace is not even loaded


def test_set_verbose_switches_the_trace_at_run_time(capsys: pytest.CaptureFixture[str]) -> None:
    importcraft.virtual({"trace_on": "", "trace_off": ""})
    before = _trace.set_verbose(1)
    try:
        import trace_on  # noqa: F401
    finally:
        _trace.set_verbose(before)
    import trace_off  # noqa: F401

    err = capsys.readouterr().err
    assert "'trace_on' served by virtual(['trace_off', 'trace_on'])" in err
    assert "trace_off" not in err.replace("virtual(['trace_off', 'trace_on'])", "")
    assert type(ROUTER) is Router  # off again: the plain router, at no cost


def test_blocked_import_still_raises_with_the_trace_on() -> None:
    out, lines = traced("""
        import importcraft
        importcraft.block("colorsys")
        try:
            import colorsys
        except ImportError as exc:
            print(type(exc).__name__, exc.__traceback__.tb_next)
    """)
    # The user's import line is still the whole traceback: the trace's frames are trimmed.
    assert out.strip() == "ImportBlockedError None"
    assert "refused by block('colorsys')" in about(lines, "colorsys")[0]


def test_run_v_traces_the_program(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import colorsys\nprint('ran')\n")
    env = {_trace.ENV: "0"}  # -v wins over the environment
    done = importcraft_run(
        "-v", "--when-imported", "colorsys=os:fspath", "app.py", cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ran"
    traced_lines = [line for line in done.stderr.splitlines() if line.startswith(PREFIX)]
    assert any(
        "'colorsys' loader wrapped by when_imported('colorsys', os:fspath)" in line
        for line in traced_lines
    )
    assert not any("not covered by any rule" in line for line in traced_lines)


def test_run_vv_traces_misses_and_reaches_child_processes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'import colorsys'], check=True)\n"
    )
    # With no rule at all the router is not on sys.meta_path: imports never reach it.
    done = importcraft_run("-vv", "--block", "no_such_module_here", "app.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # The child, a plain `python -c`, traces too: the level reaches it through the environment.
    assert f"{PREFIX}'colorsys' not covered by any rule" in done.stderr


def test_every_decision_in_this_process_at_level_2(
    tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same decisions as the subprocess tests above, made in this process (level 2 also
    # prints what no rule decided), so that each kind of line is seen together.
    import importlib.util

    sys.path.insert(0, str(tree({"traced_plain.py": "", "traced_hooked.py": ""})))
    importcraft.virtual({"traced_virtual": ""})
    importcraft.block("traced_blocked")
    importcraft.when_imported("traced_hooked", lambda module: None)
    importcraft.when_imported("traced_missing", lambda module: None)
    before = _trace.set_verbose(2)
    try:
        import traced_hooked  # noqa: F401
        import traced_plain  # noqa: F401
        import traced_virtual  # noqa: F401

        with pytest.raises(ImportError):
            import traced_blocked  # noqa: F401
        assert importlib.util.find_spec("traced_blocked") is None
        with pytest.raises(ImportError):
            import traced_missing  # noqa: F401
    finally:
        _trace.set_verbose(before)
    lines = [line[len(PREFIX) :] for line in capsys.readouterr().err.splitlines() if PREFIX in line]
    said = "\n".join(lines)
    assert "'traced_virtual' served by virtual(['traced_virtual'])" in said
    assert "'traced_blocked' refused by block('traced_blocked')" in said
    assert "'traced_blocked' reported as not found: the lookup is a probe" in said
    assert "'traced_hooked' loader wrapped by when_imported('traced_hooked'" in said
    assert "'traced_missing' delegated to the finders after importcraft: nothing found" in said
    assert "'traced_plain' not covered by any rule" in said
