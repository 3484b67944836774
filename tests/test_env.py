"""EnvSource: configuration modules made from environment variables."""

from __future__ import annotations

import importlib
import inspect
import sys

import pytest

import importcraft

from .conftest import run_python


def test_section_attributes_are_the_prefixed_variables_lowercased() -> None:
    environ = {
        "DATABASE_HOST": "db.internal",
        "DATABASE_PORT": "5432",
        "DATABASE_POOL_SIZE": "10",
        "DATABASEX_HOST": "not this one",
        "DATABASE_": "nor this",
        "CACHE_URL": "redis://",
    }
    importcraft.mount("config", importcraft.EnvSource(environ=environ))
    from config import database

    assert (database.host, database.port, database.pool_size) == ("db.internal", "5432", "10")
    public = sorted(n for n in vars(database) if not n.startswith("__"))
    assert public == ["host", "pool_size", "port"]
    assert database.__file__ == "<env>/config/database.py"
    assert "host = 'db.internal'" in inspect.getsource(database)


def test_the_config_package_is_created() -> None:
    importcraft.mount("config", importcraft.EnvSource(environ={}))
    import config

    assert config.__path__ == ["<env>/config"]


def test_an_empty_section_is_an_empty_module_unless_strict() -> None:
    importcraft.mount("config", importcraft.EnvSource(environ={}))
    import config.nothing

    assert [n for n in vars(config.nothing) if not n.startswith("__")] == []


def test_strict_makes_an_empty_section_missing() -> None:
    importcraft.mount("config", importcraft.EnvSource(strict=True, environ={"APP_X": "1"}))
    from config import app

    assert app.x == "1"
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'config\.nothing'"):
        import config.nothing  # noqa: F401


def test_names_that_are_not_identifiers_are_still_attributes() -> None:
    importcraft.mount("config", importcraft.EnvSource(environ={"SEC_2FA": "on", "SEC_CLASS": "a"}))
    sec = importlib.import_module("config.sec")
    assert getattr(sec, "2fa") == "on"
    assert getattr(sec, "class") == "a"


def test_reload_reads_the_current_environment() -> None:
    environ = {"APP_MODE": "dev"}
    importcraft.mount("config", importcraft.EnvSource(environ=environ))
    from config import app

    environ["APP_MODE"] = "prod"
    environ["APP_NEW"] = "yes"
    importlib.reload(app)
    assert (app.mode, app.new) == ("prod", "yes")


def test_sections_do_not_nest() -> None:
    importcraft.mount("config", importcraft.EnvSource(environ={"A_B_C": "1"}))
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("config.a.b")


def test_it_must_be_mounted() -> None:
    with pytest.raises(ValueError, match=r"mount it under a package name.*mount\('config'"):
        importcraft.install(importcraft.EnvSource())


def test_it_reads_os_environ_by_default() -> None:
    result = run_python(
        """
        import importcraft
        importcraft.mount("config", importcraft.EnvSource())
        from config import database
        print(database.host, database.port)
        """,
        env={"DATABASE_HOST": "example.org", "DATABASE_PORT": "6543"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["example.org", "6543"]


@pytest.mark.parametrize(
    ("variable", "attribute"),
    [
        ("DATABASE___NAME__", "__name__"),
        ("DATABASE___SPEC__", "__spec__"),
        ("DATABASE___PATH__", "__path__"),
    ],
)
def test_a_variable_that_would_set_module_metadata_is_refused(
    variable: str, attribute: str
) -> None:
    environ = {"DATABASE_HOST": "db", variable: "oops"}
    importcraft.mount("config", importcraft.EnvSource(environ=environ))
    with pytest.raises(importcraft.ImportcraftError) as info:
        importlib.import_module("config.database")
    assert f"variable {variable!r} would set {attribute!r} of module 'database'" in str(info.value)
    assert "reserved" in str(info.value)
    assert info.value.__notes__ == [
        "raised by get_source('database') of EnvSource(strict=False) while importing "
        "'config.database'"
    ]
    assert "config.database" not in sys.modules


def test_dunder_like_names_that_are_not_reserved_still_load() -> None:
    environ = {"APP___X": "1", "APP_X__": "2", "APP____": "3"}
    importcraft.mount("config", importcraft.EnvSource(environ=environ))
    from config import app

    assert (app.__x, app.x__, app.___) == ("1", "2", "3")


def test_a_variable_with_a_non_ascii_name_is_refused_not_case_guessed() -> None:
    # "ß".lower() is "ß" but "SS".lower() is "ss"; "İ".lower() is two characters: any mapping
    # would be a guess, so the variable is named in an error instead.
    importcraft.mount("config", importcraft.EnvSource(environ={"DB_STRAßE": "x", "DB_HOST": "h"}))
    with pytest.raises(importcraft.ImportcraftError, match="variable 'DB_STRAßE' of section 'db'"):
        importlib.import_module("config.db")


def test_a_non_ascii_section_is_not_found_and_says_why() -> None:
    importcraft.mount("config", importcraft.EnvSource(environ={"STRASSE_X": "1"}))
    with pytest.raises(ModuleNotFoundError, match="only ASCII names are upper-cased") as info:
        importlib.import_module("config.straße")
    assert "while importing 'config.straße'" in info.value.__notes__[0]
