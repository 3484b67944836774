"""The pytest plugin (importcraft.entrypoints._pytest), in real pytest runs in child processes."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]


def _write(pytester: pytest.Pytester, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_forbid_imports_marker_option_ini_and_isolated_imports(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        forbid_imports =
            colorsys
        """
    )
    _write(
        pytester,
        {
            "elsewhere/faraway.py": "VALUE = 1\n",
            "test_forbid.py": """
                import json as json_before
                import sys

                import pytest

                import importcraft

                def run_wide_only():
                    # The block of --forbid-imports and the ini option, nothing else.
                    return [hook.description[:24] for hook in importcraft.hooks()] == [
                        "block('colorsys', 'wave'"
                    ]

                @pytest.mark.forbid_imports("json")
                def test_marked_blocks_the_module_and_hides_the_imported_one():
                    assert "json" not in sys.modules
                    with pytest.raises(importcraft.ImportBlockedError, match="forbid_imports"):
                        import json
                    with pytest.raises(importcraft.ImportBlockedError):
                        import json.decoder

                def test_the_module_comes_back_after_the_test():
                    import json
                    assert json is json_before
                    assert run_wide_only()

                def test_ini_and_option_forbid_for_every_test():
                    with pytest.raises(importcraft.ImportBlockedError, match="--forbid-imports"):
                        import colorsys
                    with pytest.raises(importcraft.ImportBlockedError):
                        import wave

                @pytest.mark.forbid_imports("json")
                def test_failing():
                    raise AssertionError("fails on purpose")

                @pytest.mark.xfail(raises=importcraft.ImportBlockedError, strict=True)
                @pytest.mark.forbid_imports("json")
                def test_xfail():
                    import json

                @pytest.mark.forbid_imports()
                def test_marker_without_names():
                    pass

                @pytest.mark.forbid_imports("json", "not a name")
                def test_marker_with_a_bad_name():
                    pass

                def test_after_failures_nothing_is_left():
                    import json
                    assert json is json_before
                    assert run_wide_only()

                @pytest.mark.isolated_imports
                def test_isolated():
                    sys.path.insert(0, "elsewhere")
                    sys.meta_path.append(importcraft.DictSource({}))
                    sys.path_hooks.append(lambda entry: None)
                    import faraway
                    assert faraway.VALUE == 1

                def test_isolated_left_nothing():
                    assert "faraway" not in sys.modules
                    assert "elsewhere" not in sys.path
                    assert not any(
                        isinstance(finder, importcraft.DictSource) for finder in sys.meta_path
                    )
                    assert all(getattr(hook, "__name__", "") != "<lambda>"
                               for hook in sys.path_hooks)
            """,
        },
    )
    result = pytester.runpytest_subprocess(
        "--strict-markers", "--forbid-imports=wave", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=6, failed=3, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_failing _*",
            "E       AssertionError: fails on purpose",
            "*_ test_marker_without_names _*",
            "@pytest.mark.forbid_imports on test_forbid.py::test_marker_without_names "
            "takes module names as arguments and nothing else*",
            "*_ test_marker_with_a_bad_name _*",
            "importcraft: @pytest.mark.forbid_imports on test_forbid.py::"
            "test_marker_with_a_bad_name: module name 'not a name' is not a valid*",
        ]
    )


def test_a_bad_name_in_the_options_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("--forbid-imports=not a name")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*importcraft: --forbid-imports*'not a name'*"])


def test_the_imports_fixture_undoes_everything_even_after_a_failure(
    pytester: pytest.Pytester,
) -> None:
    _write(
        pytester,
        {
            "lazily/__init__.py": "LOADED = True\n",
            "lazily/sub.py": "VALUE = 2\n",
            "test_fixture.py": """
                import sys

                import pytest

                import importcraft

                def test_start_up_loads_no_machinery():
                    # Only the plugin and the packages it sits in: importcraft loads on use.
                    loaded = sorted(name for name in sys.modules if name.startswith("importcraft"))
                    assert loaded == [
                        "importcraft", "importcraft.entrypoints", "importcraft.entrypoints._pytest"
                    ]

                def test_every_method(imports):
                    imports.virtual({"greeting": "text = 'hi'"})
                    import greeting
                    assert greeting.text == "hi"
                    imports.alias("salut", "greeting")
                    import salut
                    assert salut is greeting
                    imports.block("colorsys")
                    with pytest.raises(importcraft.ImportBlockedError):
                        import colorsys
                    seen = []
                    imports.when_imported("wave", seen.append)
                    @imports.when_imported("wave")
                    def also(module):
                        seen.append(module.__name__)
                    import wave
                    assert seen == [wave, "wave"]
                    lazy = imports.lazy_import("lazily.sub")
                    assert importcraft.is_lazy(lazy)
                    assert lazy.VALUE == 2
                    assert len(imports.hooks) == 5
                    assert len(importcraft.hooks()) == 5

                def test_failing(imports):
                    imports.virtual({"greeting2": "text = 'hi'"})
                    imports.block("colorsys")
                    imports.lazy_import("lazily")
                    raise AssertionError("fails on purpose")

                def test_nothing_left():
                    assert importcraft.hooks() == []
                    import colorsys
                    with pytest.raises(ModuleNotFoundError):
                        import greeting2
                    assert not [name for name in sys.modules if name.startswith("lazily")]
            """,
        },
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*_ test_failing _*", "E       AssertionError: fails on purpose"])


def test_p_no_importcraft_turns_the_plugin_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marker="""
            import pytest

            @pytest.mark.forbid_imports("json")
            def test_marked():
                pass
        """,
        test_fixture="""
            def test_uses_the_fixture(imports):
                pass
        """,
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:importcraft", "--strict-markers", "--continue-on-collection-errors"
    )
    result.stdout.fnmatch_lines(
        [
            "*'forbid_imports' not found in `markers` configuration option*",
            "*fixture 'imports' not found*",
        ]
    )
    assert result.ret != pytest.ExitCode.OK


_NOISY = """
    import os
    import threading

    _stop = threading.Event()
    threading.Thread(target=_stop.wait, daemon=True, name="noisy-waiter").start()
    with open(os.path.join(os.path.dirname(__file__), "written.txt"), "w") as handle:
        handle.write("written at import time")
"""


def test_import_side_effects_warn_fail_and_clean(pytester: pytest.Pytester) -> None:
    _write(
        pytester,
        {
            "noisy/__init__.py": _NOISY,
            "quiet/__init__.py": "from . import part\n",
            "quiet/part.py": "VALUE = 1\n",
            "test_packages.py": """
                import json
                import os.path

                import pytest
                import importcraft

                import quiet

                def test_it():
                    import noisy
                    from virtual_only import x  # made by no one: not measured
            """,
        },
    )
    warn = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--import-side-effects=warn")
    warn.assert_outcomes(failed=1)  # virtual_only is missing
    warn.stdout.fnmatch_lines(
        [
            "*= importcraft: import side effects =*",
            "2 package(s) imported in fresh interpreters under importcraft.trace() in *s: "
            "quiet, noisy",
            "quiet: no side effects (2 module(s), *s)",
            "noisy: 2 side effect(s) at import time (*)",
            "  file written (write_file): noisy (*noisy*__init__.py:7): open(*written.txt*",
            "virtual_only: not measured (not found on sys.path)",
            "importcraft: packages have side effects at import time "
            "(--import-side-effects=fail would fail the run)",
        ]
    )
    # The thread is seen on 3.11 too: it still runs when the package's body ends.
    warn.stdout.fnmatch_lines(["  thread (thread): noisy (*): thread*started*noisy-waiter*"])

    pytester.makeini("[pytest]\nimport_side_effects = fail\n")
    pytester.makepyfile(test_packages="import noisy, quiet\ndef test_it(): pass\n")
    fail = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    fail.assert_outcomes(passed=1)
    assert fail.ret == pytest.ExitCode.TESTS_FAILED
    fail.stdout.fnmatch_lines(
        [
            "noisy: 2 side effect(s) at import time (*)",
            "importcraft: packages have side effects at import time: the run fails "
            "(--import-side-effects=fail)",
        ]
    )

    clean = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--import-side-effects-packages=quiet"
    )
    assert clean.ret == pytest.ExitCode.OK
    clean.stdout.fnmatch_lines(
        [
            "1 package(s) imported in fresh interpreters under importcraft.trace() in *s: quiet",
            "quiet: no side effects (2 module(s), *s)",
        ]
    )
    assert "side effects at import time" not in clean.stdout.str()
