"""block() and allow_only()."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import importcraft

from .conftest import run_python, settle_coverage


def test_a_blocked_import_says_what_blocked_it_and_why() -> None:
    importcraft.virtual({"risky": "", "risky.net": ""})
    importcraft.block("risky", reason="tests must not touch the network")
    with pytest.raises(importcraft.ImportBlockedError) as info:
        import risky.net  # noqa: F401
    message = str(info.value)
    assert "import of 'risky' is blocked by importcraft.block('risky')" in message
    assert "tests must not touch the network" in message
    assert info.value.name == "risky"
    assert isinstance(info.value, ModuleNotFoundError)


def test_modules_under_a_blocked_name_are_blocked(tree: Any) -> None:
    sys.path.insert(0, str(tree({"bpkg/__init__.py": "", "bpkg/sub.py": ""})))
    import bpkg

    importcraft.block("bpkg.sub")
    with pytest.raises(importcraft.ImportBlockedError, match=r"'bpkg\.sub' is blocked"):
        import bpkg.sub
    assert bpkg is sys.modules["bpkg"]


def test_a_blocked_module_is_caught_by_the_usual_import_error_fallback() -> None:
    importcraft.virtual({"json_fast": "fast = True"})
    importcraft.block("json_fast")
    try:
        import json_fast  # noqa: F401

        used = "json_fast"
    except ImportError as exc:
        used = "fallback"
        error = exc
    assert used == "fallback"
    assert isinstance(error, importcraft.ImportBlockedError)
    assert "json_fast" not in sys.modules


def test_a_sibling_with_a_common_prefix_is_not_blocked() -> None:
    importcraft.virtual({"abc_extra": "ok = True"})
    importcraft.block("abc_ex")
    assert importlib.import_module("abc_extra").ok


def test_blocking_an_imported_module_without_evict_warns_naming_it(tree: Any) -> None:
    sys.path.insert(0, str(tree({"wpkg/__init__.py": "", "wpkg/part.py": ""})))
    import wpkg.part

    with pytest.warns(importcraft.ImportcraftWarning) as caught:
        importcraft.block("wpkg", "never_imported")
    message = str(caught[0].message)
    assert "'wpkg', 'wpkg.part'" in message
    assert "never_imported'" not in message.partition("imports of")[2]
    assert "evict=True" in message
    import wpkg as again  # as documented: Python does not ask finders for it

    assert again is wpkg


def test_blocking_an_imported_module_under_an_error_filter_changes_nothing() -> None:
    import colorsys

    count = len(importcraft.hooks())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(importcraft.ImportcraftWarning, match="'colorsys'"):
            importcraft.block("colorsys", "other_name")
    assert len(importcraft.hooks()) == count
    del sys.modules["colorsys"]
    assert importlib.import_module("colorsys") is not colorsys, "no block rule was left behind"


def test_evict_removes_the_module_and_remove_puts_it_back(tree: Any) -> None:
    sys.path.insert(0, str(tree({"epkg/__init__.py": "", "epkg/inner.py": ""})))
    import epkg.inner

    held = epkg.inner
    hook = importcraft.block("epkg", evict=True)
    assert "epkg" not in sys.modules
    assert "epkg.inner" not in sys.modules
    with pytest.raises(importcraft.ImportBlockedError):
        import epkg
    assert held.__name__ == "epkg.inner", "objects already holding the module keep it"
    hook.remove()
    assert sys.modules["epkg.inner"] is held


def test_a_probe_finds_nothing_while_an_import_raises(tree: Any) -> None:
    sys.path.insert(0, str(tree({"probed/__init__.py": "", "probed/sub.py": ""})))
    importcraft.block("probed")
    assert importlib.util.find_spec("probed") is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pkgutil.find_loader, 3.12+
        assert pkgutil.find_loader("probed") is None
    with pytest.raises(importcraft.ImportBlockedError):
        importlib.import_module("probed")
    with pytest.raises(importcraft.ImportBlockedError):
        import probed  # noqa: F401
    # Probing a submodule imports the package first, which is refused: the same error a
    # missing package gives (a ModuleNotFoundError).
    with pytest.raises(ModuleNotFoundError):
        importlib.util.find_spec("probed.sub")
    assert "probed" not in sys.modules


def test_a_probe_for_a_submodule_of_a_blocked_imported_package_finds_nothing(tree: Any) -> None:
    sys.path.insert(0, str(tree({"ppkg/__init__.py": "", "ppkg/sub.py": ""})))
    import ppkg

    with pytest.warns(importcraft.ImportcraftWarning):
        importcraft.block("ppkg")
    assert importlib.util.find_spec("ppkg.sub") is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert pkgutil.find_loader("ppkg.sub") is None
    with pytest.raises(importcraft.ImportBlockedError, match=r"'ppkg\.sub' is blocked"):
        import ppkg.sub
    assert ppkg is sys.modules["ppkg"]


def test_reloading_a_blocked_module_raises() -> None:
    importcraft.virtual({"reloaded": ""})
    import reloaded

    with pytest.warns(importcraft.ImportcraftWarning):
        importcraft.block("reloaded")
    with pytest.raises(importcraft.ImportBlockedError):
        importlib.reload(reloaded)


def test_block_of_many_names_keeps_one_short_description() -> None:
    names = [f"many_{i}" for i in range(10_000)]
    hook = importcraft.block(*names, reason="r")
    assert hook.description == (
        "block('many_0', 'many_1', 'many_2', 'many_3', 'many_4', 'many_5', 'many_6', "
        "'many_7', 'many_8', 'many_9', ... (9,990 more), reason='r')"
    )
    with pytest.raises(importcraft.ImportBlockedError) as info:
        import many_9999  # noqa: F401
    assert "blocked by importcraft.block('many_0', " in str(info.value)
    assert len(str(info.value)) < 300
    hook.remove()
    importcraft.virtual({"many_5": "x = 5"})
    assert importlib.import_module("many_5").x == 5


def test_block_needs_names_and_checks_them() -> None:
    with pytest.raises(TypeError, match="at least one module name"):
        importcraft.block()
    with pytest.raises(ValueError, match=r"block\(\) name 'no good' is not a valid dotted module"):
        importcraft.block("fine", "no good")
    with pytest.raises(TypeError, match="reason must be a str"):
        importcraft.block("fine", reason=3)  # type: ignore[arg-type]
    assert importcraft.hooks() == []


def test_block_description() -> None:
    hook = importcraft.block("a", "b.c", reason="why")
    assert hook.description == "block('a', 'b.c', reason='why')"


# -- allow_only -----------------------------------------------------------------------------------


def test_allow_only_blocks_everything_else_but_the_stdlib() -> None:
    importcraft.virtual({"mine": "", "mine.part": "", "theirs": ""})
    importcraft.allow_only("mine", reason="only declared dependencies")
    import mine.part  # noqa: F401

    sys.modules.pop("colorsys", None)
    import colorsys  # noqa: F401

    with pytest.raises(importcraft.ImportBlockedError) as info:
        import theirs  # noqa: F401
    assert "importcraft.allow_only('mine'): only declared dependencies" in str(info.value)


def test_allow_only_allows_the_packages_above_a_listed_module() -> None:
    importcraft.virtual({"outer.inner.leaf": "x = 1", "outer.other": ""})
    importcraft.allow_only("outer.inner")
    assert importlib.import_module("outer.inner.leaf").x == 1
    with pytest.raises(importcraft.ImportBlockedError):
        importlib.import_module("outer.other")


def test_allow_only_refuses_probes_quietly() -> None:
    importcraft.virtual({"listed": "", "unlisted": ""})
    importcraft.allow_only("listed")
    assert importlib.util.find_spec("unlisted") is None
    assert importlib.util.find_spec("listed") is not None
    with pytest.raises(importcraft.ImportBlockedError):
        import unlisted  # noqa: F401


def test_allow_only_takes_a_distribution_name(tree: Any) -> None:
    root = tree(
        {
            "my_dist-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: my-dist\n"
            "Version: 1.0\n",
            "my_dist-1.0.dist-info/top_level.txt": "mydist_impl\n",
            "mydist_impl/__init__.py": "x = 1",
            "inferred_dist-2.0.dist-info/METADATA": "Metadata-Version: 2.1\n"
            "Name: Inferred.Dist\nVersion: 2.0\n",
            "inferred_dist-2.0.dist-info/RECORD": "inferred_mod.py,,\n"
            "inferred_dist-2.0.dist-info/METADATA,,\n",
            "inferred_mod.py": "y = 2",
            "other_impl.py": "",
            "nspace.part-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: nspace.part\n"
            "Version: 1.0\n",
            "nspace.part-1.0.dist-info/top_level.txt": "nspace\n",
            "nspace/part.py": "",
            "nspace/other.py": "",
        }
    )
    sys.path.insert(0, str(root))
    importcraft.allow_only("my-dist", "inferred-dist", "nspace.part")
    assert importlib.import_module("mydist_impl").x == 1
    assert importlib.import_module("inferred_mod").y == 2
    importlib.import_module("nspace.part")
    with pytest.raises(importcraft.ImportBlockedError):
        import other_impl  # noqa: F401
    with pytest.raises(importcraft.ImportBlockedError):
        import nspace.other  # a module name stands for itself, not its distribution's namespace  # noqa: F401


def test_a_module_name_that_is_also_a_distribution_allows_its_other_modules(
    tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # allow_only("attrs") must allow attr, which the attrs distribution installs too. The
    # metadata scan of sys.path happens once, when a name would first be refused, not when
    # the policy is registered.
    from importcraft.rules import _policy

    root = tree(
        {
            "selfnamed-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: selfnamed\n"
            "Version: 1.0\n",
            "selfnamed-1.0.dist-info/top_level.txt": "selfnamed\nselfnamed_extra\n",
            "selfnamed/__init__.py": "",
            "selfnamed_extra.py": "",
            "unrelated_mod.py": "",
        }
    )
    sys.path.insert(0, str(root))
    looked_up: list[str] = []
    real = _policy._distribution_modules

    def recording(name: str) -> list[str] | None:
        looked_up.append(name)
        return real(name)

    monkeypatch.setattr(_policy, "_distribution_modules", recording)
    importcraft.allow_only("selfnamed")
    importlib.import_module("selfnamed")
    assert looked_up == []
    importlib.import_module("selfnamed_extra")
    assert looked_up == ["selfnamed"]
    with pytest.raises(importcraft.ImportBlockedError, match="'unrelated_mod' is blocked"):
        importlib.import_module("unrelated_mod")
    assert looked_up == ["selfnamed"]


def test_allow_only_refuses_a_name_that_is_neither_module_nor_distribution() -> None:
    with pytest.raises(
        ValueError, match=r"allow_only\(\) name 'no-such-dist' .* installed distrib"
    ):
        importcraft.allow_only("ok", "no-such-dist")
    with pytest.raises(TypeError, match=r"allow_only\(\) name must be a str"):
        importcraft.allow_only(3)  # type: ignore[arg-type]
    assert importcraft.hooks() == []


@pytest.mark.skipif(sys.platform == "win32", reason="winreg is the real one on Windows")
def test_allow_only_stdlib_checks_where_a_module_comes_from(tree: Any) -> None:
    sys.path.insert(0, str(tree({"winreg.py": "", "_winapi.py": "", "colorsys.py": ""})))
    for name in ("winreg", "_winapi", "colorsys"):
        sys.modules.pop(name, None)
    importcraft.allow_only("app")
    with pytest.raises(importcraft.ImportBlockedError) as info:
        import winreg  # noqa: F401
    assert "'winreg' is named like a standard-library module" in str(info.value)
    assert "winreg.py" in str(info.value)
    with pytest.raises(importcraft.ImportBlockedError):
        import colorsys  # a file that shadows the standard one
    assert importlib.util.find_spec("winreg") is None
    sys.path.pop(0)
    import colorsys  # the real one

    assert "site-packages" not in (colorsys.__file__ or "")
    sys.modules.pop("zlib", None)  # built in, or an extension in lib-dynload
    import zlib  # noqa: F401


def test_allow_only_without_the_stdlib_still_lets_importcraft_work() -> None:
    result = run_python(
        """
        import sys, importcraft
        importcraft.allow_only("app", stdlib=False)
        try:
            import colorsys
        except importcraft.ImportBlockedError as exc:
            print("blocked:", exc.name)
        # importcraft loads its own parts (and the stdlib modules they need) on first use
        importcraft.virtual({"app": "x = 1"}, resources={"app": {"a.txt": b"a"}})
        import app
        reader = app.__spec__.loader.get_resource_reader("app")
        print(reader.files().joinpath("a.txt").read_text())
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["blocked:", "colorsys", "a"]


def test_allow_only_description() -> None:
    hook = importcraft.allow_only("a", stdlib=False, reason="r")
    assert hook.description == "allow_only('a', stdlib=False, reason='r')"


def _lazy_stdlib_imports(path: Path) -> set[str]:
    """Standard-library modules a file imports inside functions (not under TYPE_CHECKING)."""
    found: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            return
        if in_function and isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif in_function and isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module or "")
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(path.read_text()), False)
    return {name for name in found if name.partition(".")[0] in sys.stdlib_module_names}


def test_the_stdlib_modules_importcraft_loads_late_are_all_preloaded_for_stdlib_false() -> None:
    from importcraft.rules import _policy

    package = Path(_policy.__file__).parent.parent
    # The command line and the start-up hook read their configuration before any policy is
    # installed; sys and importlib.machinery are loaded by every interpreter at start-up.
    # The pytest plugin runs only inside pytest (importing it would import pytest).
    exempt = {
        package / "cli" / "_main.py",
        package / "cli" / "_bootstrap.py",
        package / "cli" / "_plugins.py",  # a command of its own, run by _main before any policy
        package / "cli" / "_check.py",  # the same
        package / "cli" / "_graph_cmd.py",  # the same
        package / "cli" / "_cycles_cmd.py",  # the same
        package / "entrypoints" / "_pytest.py",
    }
    always_loaded = {"sys", "os", "importlib.machinery", "json", "tomllib"}
    lazy: set[str] = set()
    for path in package.rglob("*.py"):
        if path not in exempt:
            lazy |= _lazy_stdlib_imports(path)
    assert lazy - always_loaded <= set(_policy._OWN_STDLIB)
    # Every module but those, the entry points and the policy module itself; importing a
    # module imports its subpackage's __init__.
    library = {
        ".".join(("importcraft", *path.relative_to(package).with_suffix("").parts))
        for path in package.rglob("*.py")
        if path not in exempt and path.name not in ("__init__.py", "__main__.py", "_policy.py")
    }
    assert set(_policy._OWN_MODULES) == library


def test_a_probe_inside_another_lookup_leaves_that_lookup_whole() -> None:
    importcraft.virtual({"walled": ""})
    importcraft.block("walled")
    seen: list[object] = []

    class Probing:
        """A finder that probes for a blocked name while importlib walks sys.meta_path."""

        def find_spec(self, fullname: str, path: object, target: object = None) -> None:
            if fullname == "outer_trigger":
                seen.append(importlib.util.find_spec("walled"))

    class Last:
        def find_spec(self, fullname: str, path: object, target: object = None) -> None:
            if fullname == "outer_trigger":
                seen.append("asked last")

    sys.meta_path.extend([Probing(), Last()])
    with pytest.raises(ModuleNotFoundError):
        import outer_trigger  # noqa: F401
    # The nested probe ended its own walk only: the outer one went on to the last finder.
    assert seen == [None, "asked last"]
    assert importlib.util.find_spec("walled") is None


def test_a_probe_leaves_a_held_meta_path_whole() -> None:
    importcraft.virtual({"walled": ""})
    importcraft.block("walled")
    held = sys.meta_path
    finders = list(held)
    assert importlib.util.find_spec("walled") is None
    assert list(held) == finders
    assert sys.meta_path is held


def test_a_probe_does_not_cut_short_a_walk_over_distributions() -> None:
    import importlib.metadata

    class Dist(importlib.metadata.Distribution):
        def read_text(self, filename: str) -> str | None:
            return "Name: probe-sentinel\n" if filename == "METADATA" else None

        def locate_file(self, path: Any) -> Any:
            return Path(str(path))

    class LastFinder:
        def find_spec(self, fullname: str, path: object, target: object = None) -> None:
            return None

        def find_distributions(self, context: object = None) -> list[Dist]:
            return [Dist()]

    sys.meta_path.append(LastFinder())
    importcraft.virtual({"walled": ""})
    importcraft.block("walled")
    names = []
    for dist in importlib.metadata.distributions():
        assert importlib.util.find_spec("walled") is None
        names.append(dist.metadata["Name"])
    assert "probe-sentinel" in names


def test_a_probe_through_a_meta_path_of_ones_own_raises_instead() -> None:
    importcraft.virtual({"walled": ""})
    importcraft.block("walled")
    sys.meta_path = list(sys.meta_path)
    # The walk of a plain list cannot be ended: the refusal is the only way to stop it.
    with pytest.raises(importcraft.ImportBlockedError):
        importlib.util.find_spec("walled")


def test_threads_probe_blocked_names_while_others_import(tree: Any) -> None:
    import threading

    count = 40
    files = {f"threaded_{i}.py": f"value = {i}" for i in range(count)}
    sys.path.insert(0, str(tree({**files, "threaded_settle.py": ""})))
    settle_coverage("threaded_settle")
    importcraft.virtual({"walled": ""})
    importcraft.block("walled")
    errors: list[BaseException] = []
    probes: list[object] = []
    done = threading.Event()

    def probe() -> None:
        try:
            while not done.is_set():
                probes.append(importlib.util.find_spec("walled"))
        except BaseException as exc:
            errors.append(exc)

    def load(start: int) -> None:
        try:
            for i in range(start, count, 2):
                assert importlib.import_module(f"threaded_{i}").value == i
        except BaseException as exc:
            errors.append(exc)

    probers = [threading.Thread(target=probe) for _ in range(2)]
    loaders = [threading.Thread(target=load, args=(i,)) for i in range(2)]
    for thread in probers + loaders:
        thread.start()
    for thread in loaders:
        thread.join()
    done.set()
    for thread in probers:
        thread.join()
    assert errors == []
    assert probes
    assert set(probes) == {None}


def test_sys_meta_path_is_a_plain_list_again_without_a_policy() -> None:
    hook = importcraft.block("walled")
    assert type(sys.meta_path) is not list
    hook.remove()
    importcraft.virtual({"walled": ""})
    assert type(sys.meta_path) is list
