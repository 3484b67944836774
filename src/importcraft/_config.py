"""The configuration ``importcraft run`` applies: read, checked, applied, handed to children.

One configuration, three spellings: command-line options (``--alias OLD=NEW``), a
``[tool.importcraft]`` table in ``pyproject.toml`` (or a standalone TOML file), and the JSON that
child processes find in the ``IMPORTCRAFT_RUN`` environment variable. Everything is checked
before the program starts; a problem names the file (or option), the key and what is wrong.
"""

from __future__ import annotations

import os

from ._errors import ImportcraftError
from ._names import check_module_name, resolve_reference

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import ModuleType
    from typing import Any

    from ._state import Hook

    # Config key -> values: names ("json"), directories, or [name, value] pairs.
    Config = dict[str, list[Any]]

ENV = "IMPORTCRAFT_RUN"

# TOML key -> (config key, kind). "pairs": a table of name = value; "names": a list of names;
# "paths": a list of directories.
KEYS: dict[str, tuple[str, str]] = {
    "alias": ("alias", "pairs"),
    "deprecated-alias": ("deprecated_alias", "pairs"),
    "block": ("block", "names"),
    "allow-only": ("allow_only", "names"),
    "mount": ("mount", "pairs"),
    "path": ("path", "paths"),
    "when-imported": ("when_imported", "pairs"),
    "transform": ("transform", "pairs"),
    "lazy": ("lazy", "names"),
    "lazy-exclude": ("lazy_exclude", "names"),
    "lazy-nested": ("lazy_nested", "names"),
}


class ConfigError(ImportcraftError):
    """Configuration for ``importcraft run`` that cannot be used; says where and why."""


def empty() -> Config:
    return {config_key: [] for config_key, _ in KEYS.values()}


def merge(*configs: Config) -> Config:
    merged = empty()
    for config in configs:
        for key, values in config.items():
            merged[key] = [*merged[key], *values]
    return merged


# -- reading ----------------------------------------------------------------------------------


def find_pyproject(start: str) -> str | None:
    """The nearest ``pyproject.toml`` in ``start`` or a folder above it."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load_file(path: str) -> Config:
    """Read ``path``: its ``[tool.importcraft]`` table, or (a standalone file) its top level."""
    import tomllib

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    tool = data.get("tool")
    if isinstance(tool, dict) and "importcraft" in tool:
        table, where = tool["importcraft"], f"{path}: [tool.importcraft]"
    elif os.path.basename(path) == "pyproject.toml":
        return empty()
    else:
        table, where = data, path
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table, got {_kind(table)}")
    return parse_table(table, where, base=os.path.dirname(os.path.abspath(path)))


def parse_table(table: dict[str, object], where: str, base: str) -> Config:
    """Check a TOML table's keys and values; relative paths are taken from ``base``."""
    config = empty()
    for key, value in table.items():
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
        config_key, kind = KEYS[key]
        at = f"{where} {key}"
        if kind == "pairs":
            if not isinstance(value, dict):
                raise ConfigError(f"{at}: expected a table of name = value, got {_kind(value)}")
            pairs = []
            for name, target in value.items():
                targets = target if isinstance(target, list) else [target]
                for one in targets:
                    if not isinstance(one, str):
                        raise ConfigError(f"{at}: the value of {name!r} must be a string")
                    pairs.append([name, one])
            config[config_key] = _check_pairs(config_key, pairs, at, base)
        else:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{at}: expected a list of strings, got {_kind(value)}")
            config[config_key] = _check_names(config_key, value, at, base)
    return config


def parse_options(options: dict[str, list[str]]) -> Config:
    """Check command-line options: ``{"alias": ["old=new", ...], "block": ["x"], ...}``."""
    config = empty()
    cwd = os.getcwd()
    for config_key, values in options.items():
        option = "--" + config_key.replace("_", "-")
        kind = next(kind for key, kind in KEYS.values() if key == config_key)
        if kind == "pairs":
            pairs = []
            for value in values:
                name, equals, target = value.partition("=")
                if not equals or not name or not target:
                    raise ConfigError(f"{option} {value!r}: expected {_PAIR_HELP[config_key]}")
                pairs.append([name, target])
            config[config_key] = _check_pairs(config_key, pairs, option, cwd)
        else:
            config[config_key] = _check_names(config_key, values, option, cwd)
    return config


_PAIR_HELP = {
    "transform": "PACKAGE=package.module:Transformer",
    "alias": "OLD=NEW",
    "deprecated_alias": "OLD=NEW",
    "mount": "PREFIX=DIR",
    "when_imported": "NAME=package.module:function",
}


def _check_pairs(config_key: str, pairs: list[list[str]], at: str, base: str) -> list[list[str]]:
    checked = []
    for name, target in pairs:
        _check_name(name, at)
        if config_key == "mount":
            target = _check_dir(target, f"{at} {name!r}", base)
        elif config_key in ("when_imported", "transform"):
            module, colon, function = target.partition(":")
            if not colon or not function:
                raise ConfigError(
                    f"{at} {name!r}: {target!r} must look like 'package.module:function'"
                )
            _check_name(module, f"{at} {name!r}")
        else:
            _check_name(target, f"{at} {name!r}")
        checked.append([name, target])
    return checked


def _check_names(config_key: str, values: list[str], at: str, base: str) -> list[str]:
    if config_key == "path":
        return [_check_dir(value, at, base) for value in values]
    for value in values:
        _check_name(value, at)
    return list(values)


def _check_name(name: str, at: str) -> None:
    try:
        check_module_name(name)
    except ValueError as exc:
        raise ConfigError(f"{at}: {exc}") from None


def _check_dir(path: str, at: str, base: str) -> str:
    full = os.path.normpath(os.path.join(base, os.path.expanduser(path)))
    if not os.path.isdir(full):
        raise ConfigError(f"{at}: {path!r} is not a directory ({full})")
    return full


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else type(value).__name__


# -- children ---------------------------------------------------------------------------------


def to_json(config: Config) -> str:
    import json

    return json.dumps({key: values for key, values in config.items() if values})


def from_json(text: str) -> Config:
    import json

    data = json.loads(text)
    config = empty()
    config.update({key: data[key] for key in data if key in config})
    return config


# -- applying ---------------------------------------------------------------------------------


class LazyCallback:
    """A ``package.module:function`` reference imported when first called (in children too)."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        self.__qualname__ = reference
        self.__module__ = ""  # hook descriptions show the reference as it was written
        self._function: Callable[[ModuleType], object] | None = None

    def resolve(self) -> Callable[[ModuleType], object]:
        if self._function is None:
            target = resolve_reference(self.reference)
            if not callable(target):
                raise TypeError(f"{self.reference} is not callable")
            self._function = target
        return self._function

    def __call__(self, module: ModuleType) -> object:
        return self.resolve()(module)


def resolve_transformer(package: str, reference: str) -> object:
    """The transformer named ``package.module:Name``: a class is instantiated without arguments."""
    try:
        target = LazyCallback(reference).resolve()
    except Exception as exc:
        raise ConfigError(
            f"transform {package!r}: cannot use {reference!r}: {type(exc).__name__}: {exc}"
        ) from None
    if isinstance(target, type):
        try:
            return target()
        except Exception as exc:
            raise ConfigError(
                f"transform {package!r}: {reference} cannot be made without arguments: {exc}"
            ) from None
    return target


def _transform(package: str, reference: str) -> Hook:
    from ._transform import transform

    return transform(package, resolve_transformer(package, reference))


def _resolve_now(name: str, callback: LazyCallback) -> None:
    try:
        callback.resolve()
    except Exception as exc:
        raise ConfigError(
            f"when-imported {name!r}: cannot use {callback.reference!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def apply(config: Config, *, check_callbacks: bool = False) -> list[Hook]:
    """Install everything ``config`` asks for; all of it or, on an error, none of it.

    With ``check_callbacks``, every when-imported function is imported at once (with the
    configured paths in place), so that a bad reference stops the program before it starts.
    """
    import sys

    from ._aliases import alias
    from ._install import mount
    from ._policy import allow_only, block
    from ._post_import import when_imported
    from .sources import DirectorySource

    def pairs(key: str) -> Iterable[tuple[str, str]]:
        return ((str(a), str(b)) for a, b in config[key])

    hooks: list[Hook] = []
    added_paths = [str(p) for p in config["path"] if p not in sys.path]
    try:
        # As PYTHONPATH does: after the script's folder, before everything else.
        sys.path[1:1] = added_paths
        for prefix, folder in pairs("mount"):
            hooks.append(mount(prefix, DirectorySource(folder)))
        for old, new in pairs("alias"):
            hooks.append(alias(old, new))
        for old, new in pairs("deprecated_alias"):
            hooks.append(alias(old, new, deprecated=True))
        if config["block"]:
            hooks.append(block(*map(str, config["block"])))
        if config["allow_only"]:
            hooks.append(allow_only(*map(str, config["allow_only"])))
        if config["lazy"] or config["lazy_nested"]:
            from ._lazy import lazy_mode

            exclude = [str(name) for name in config["lazy_exclude"]]
            if config["lazy"]:
                hooks.append(lazy_mode(include=map(str, config["lazy"]), exclude=exclude))
            if config["lazy_nested"]:
                nested = map(str, config["lazy_nested"])
                hooks.append(lazy_mode(include=nested, exclude=exclude, nested=True))
        for package, reference in pairs("transform"):
            hooks.append(_transform(package, reference))
        for name, reference in pairs("when_imported"):
            callback = LazyCallback(reference)
            if check_callbacks:
                _resolve_now(name, callback)
            hooks.append(when_imported(name, callback))
    except Exception as exc:
        for hook in reversed(hooks):
            hook.remove()
        for entry in added_paths:
            if entry in sys.path:
                sys.path.remove(entry)
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"the configuration cannot be applied: {exc}") from exc
    return hooks
