"""install_legacy(): PEP 302 importers and path hooks on every supported Python."""

from __future__ import annotations

import importlib
import inspect
import sys
import types
import warnings
from typing import Any, ClassVar

import pytest

import importcraft

from .conftest import run_python


class DictImporter:
    """A textbook PEP 302 importer: find_module returns self, load_module executes source."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.loads: list[str] = []

    def find_module(self, fullname: str, path: object = None) -> Any:
        return self if fullname in self.sources else None

    def load_module(self, fullname: str) -> types.ModuleType:
        self.loads.append(fullname)
        module = sys.modules.get(fullname)
        if module is None:
            module = sys.modules[fullname] = types.ModuleType(fullname)
        module.__file__ = f"<dict>/{fullname}.py"
        module.__loader__ = self
        try:
            exec(compile(self.sources[fullname], module.__file__, "exec"), module.__dict__)
        except BaseException:
            del sys.modules[fullname]
            raise
        return module

    def get_source(self, fullname: str) -> str:
        return self.sources[fullname]


def test_a_legacy_importer_serves_modules_without_import_warnings() -> None:
    importer = DictImporter({"legacy_mod": "def answer():\n    return 42\n"})
    importcraft.install_legacy(importer)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import legacy_mod

    assert legacy_mod.answer() == 42
    assert legacy_mod.__loader__ is importer
    assert legacy_mod.__spec__.loader is importer, "the spec hands back the legacy loader"
    assert legacy_mod.__spec__.name == "legacy_mod"
    assert legacy_mod.__package__ == ""
    assert "return 42" in inspect.getsource(legacy_mod.answer)


def test_it_works_in_a_fresh_interpreter_with_import_warnings_as_errors() -> None:
    result = run_python(
        """
        import sys, types, importcraft

        class Importer:
            def find_module(self, fullname, path=None):
                return self if fullname == "old_style" else None
            def load_module(self, fullname):
                module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
                module.value = "loaded"
                return module

        importcraft.install_legacy(Importer())
        import old_style
        print(old_style.value)
        """,
        env={"PYTHONWARNINGS": "error::ImportWarning,error::DeprecationWarning"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded"


def test_the_rename_pattern_binds_the_other_module_untouched() -> None:
    importcraft.virtual({"new_name": "WHO = 'new'"})

    class Renamer:
        def find_module(self, fullname: str, path: object = None) -> Any:
            return self if fullname == "old_name" else None

        def load_module(self, fullname: str) -> types.ModuleType:
            new = importlib.import_module("new_name")
            sys.modules[fullname] = new
            return new

    importcraft.install_legacy(Renamer())
    import new_name
    import old_name

    assert old_name is new_name
    assert old_name.__name__ == "new_name"
    assert old_name.__spec__.name == "new_name"
    assert sys.modules["old_name"] is new_name


def test_a_load_module_that_raises_leaves_nothing_behind() -> None:
    importcraft.install_legacy(DictImporter({"bad_legacy": "raise LookupError('bad')"}))
    with pytest.raises(LookupError, match="bad"):
        import bad_legacy  # noqa: F401
    assert "bad_legacy" not in sys.modules


def test_a_load_module_that_returns_nothing_is_reported() -> None:
    class Forgetful:
        def find_module(self, fullname: str, path: object = None) -> Any:
            return self if fullname == "forgotten" else None

        def load_module(self, fullname: str) -> None:
            return None

    importcraft.install_legacy(Forgetful())
    with pytest.raises(ImportError, match=r"load_module\('forgotten'\) neither returned a module"):
        import forgotten  # noqa: F401


def test_packages_and_submodules_get_the_parent_path() -> None:
    seen_paths: list[object] = []

    class PackageImporter(DictImporter):
        def find_module(self, fullname: str, path: object = None) -> Any:
            if fullname in self.sources:
                seen_paths.append(path)
            return super().find_module(fullname, path)

        def load_module(self, fullname: str) -> types.ModuleType:
            module = super().load_module(fullname)
            if fullname == "lpkg":
                module.__path__ = ["<dict>/lpkg"]
            return module

    importcraft.install_legacy(PackageImporter({"lpkg": "", "lpkg.child": "x = 1"}))
    import lpkg.child

    assert lpkg.child.x == 1
    assert lpkg.__package__ == "lpkg"
    assert lpkg.child.__package__ == "lpkg"
    assert seen_paths == [None, ["<dict>/lpkg"]]


def test_reload_calls_load_module_with_the_module_in_sys_modules() -> None:
    importer = DictImporter({"reloaded": "count = globals().get('count', 0) + 1"})
    importcraft.install_legacy(importer)
    import reloaded

    assert reloaded.count == 1
    again = importlib.reload(reloaded)
    assert again is reloaded
    assert reloaded.count == 2
    assert importer.loads == ["reloaded", "reloaded"]
    assert reloaded.__loader__ is importer


def test_removing_the_hook_stops_it() -> None:
    hook = importcraft.install_legacy(DictImporter({"temporary": ""}))
    hook.remove()
    with pytest.raises(ModuleNotFoundError):
        import temporary  # noqa: F401


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "exactly one of them"),
        ((DictImporter({}),), {"path_hook": lambda entry: None}, "exactly one of them"),
        ((object(),), {}, "needs an importer with a find_module"),
        ((), {"path_hook": 42}, "needs a callable"),
    ],
)
def test_bad_arguments_are_refused(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        importcraft.install_legacy(*args, **kwargs)
    assert importcraft.hooks() == []


# -- path hooks ---------------------------------------------------------------------------------


class SchemeImporter:
    """An importer for path entries like ``scheme://name``, the PEP 302 path-hook style."""

    modules: ClassVar[dict[str, str]] = {
        "scheme_mod": "where = 'scheme'",
        "scheme_pkg": "",
        "scheme_pkg.sub": "x = 1",
    }

    def __init__(self, entry: str) -> None:
        if not entry.startswith("scheme://"):
            raise ImportError("not a scheme:// entry")
        self.entry = entry

    def find_module(self, fullname: str, path: object = None) -> Any:
        return self if fullname in self.modules else None

    def load_module(self, fullname: str) -> types.ModuleType:
        module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
        module.__file__ = f"{self.entry}/{fullname}.py"
        if fullname == "scheme_pkg":
            module.__path__ = [f"{self.entry}/scheme_pkg"]
        exec(self.modules[fullname], module.__dict__)
        return module


def test_a_legacy_path_hook_serves_a_sys_path_entry() -> None:
    importcraft.install_legacy(path_hook=SchemeImporter)
    sys.path.append("scheme://x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import scheme_mod
        import scheme_pkg.sub

    assert scheme_mod.where == "scheme"
    assert scheme_mod.__file__ == "scheme://x/scheme_mod.py"
    assert scheme_pkg.sub.x == 1
    assert type(sys.path_importer_cache["scheme://x"]).__name__ == "LegacyPathFinder"


def test_an_entry_tried_before_the_hook_existed_is_looked_at_again() -> None:
    sys.path.append("scheme://early")
    with pytest.raises(ModuleNotFoundError):
        import scheme_mod
    assert sys.path_importer_cache["scheme://early"] is None
    importcraft.install_legacy(path_hook=SchemeImporter)
    import scheme_mod

    assert scheme_mod.where == "scheme"


def test_removing_the_path_hook_drops_its_finders() -> None:
    hooks_before = list(sys.path_hooks)
    hook = importcraft.install_legacy(path_hook=SchemeImporter)
    sys.path.append("scheme://x")
    import scheme_mod

    hook.remove()
    assert sys.path_hooks == hooks_before
    assert "scheme://x" not in sys.path_importer_cache
    del sys.modules["scheme_mod"]
    with pytest.raises(ModuleNotFoundError):
        import scheme_mod  # noqa: F401


def test_path_hook_in_a_fresh_interpreter() -> None:
    result = run_python(
        """
        import sys, types, importcraft

        class Importer:
            def __init__(self, entry):
                if not entry.startswith("scheme://"):
                    raise ImportError(entry)
            def find_module(self, fullname):
                return self if fullname == "from_scheme" else None
            def load_module(self, fullname):
                module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
                module.ok = True
                return module

        importcraft.install_legacy(path_hook=Importer)
        sys.path.append("scheme://x")
        import from_scheme
        print(from_scheme.ok)
        """,
        env={"PYTHONWARNINGS": "error::ImportWarning"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_find_loader_namespace_portions_are_honoured() -> None:
    class PortionImporter:
        def __init__(self, entry: str) -> None:
            if not entry.startswith("portion://"):
                raise ImportError(entry)
            self.entry = entry

        def find_loader(self, fullname: str) -> tuple[Any, list[str]]:
            if fullname == "spread":
                return None, [f"{self.entry}/spread"]
            return None, []

    importcraft.install_legacy(path_hook=PortionImporter)
    sys.path.append("portion://a")
    import spread

    assert list(spread.__path__) == ["portion://a/spread"]


class ExplodingImporter(DictImporter):
    def find_module(self, fullname: str, path: object = None) -> Any:
        if fullname == "explodes":
            raise LookupError("index is corrupt")
        return None

    def __repr__(self) -> str:
        return "ExplodingImporter()"


def test_a_find_module_that_raises_is_named_and_chained() -> None:
    importcraft.install_legacy(ExplodingImporter({}))
    with pytest.raises(importcraft.ImportcraftError) as info:
        import explodes  # noqa: F401
    assert str(info.value) == (
        "find_module('explodes') of ExplodingImporter() raised LookupError: index is corrupt "
        "while importing 'explodes'"
    )
    assert isinstance(info.value.__cause__, LookupError)


def test_a_path_importer_whose_find_module_raises_is_named() -> None:
    class Exploding(SchemeImporter):
        def find_module(self, fullname: str, path: object = None) -> Any:
            raise LookupError(f"cannot look up {fullname}")

    importcraft.install_legacy(path_hook=Exploding)
    sys.path.append("scheme://boom")
    with pytest.raises(importcraft.ImportcraftError, match=r"find_module\('nowhere_mod'\) of "):
        import nowhere_mod  # noqa: F401
