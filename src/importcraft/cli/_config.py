"""The configuration ``importcraft run`` applies: read, checked, applied, handed to children.

One configuration, three spellings: command-line options (``--alias OLD=NEW``), a
``[tool.importcraft]`` table in ``pyproject.toml`` (or a standalone TOML file), and the JSON that
child processes find in the ``IMPORTCRAFT_RUN`` environment variable. Everything is checked
before the program starts; a problem names the file (or option), the key and what is wrong.

Nothing here imports ``json``: the program's policy may block it, and a module importcraft had
already loaded for itself would be let through (``sys.modules`` is never asked to finders).
"""

from __future__ import annotations

import os

from ..core._errors import ImportcraftError
from ..core._names import check_module_name, resolve_reference

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import ModuleType
    from typing import Any

    from ..core._state import Hook

    # Config key -> values: names ("json"), directories, or [name, value] pairs.
    Config = dict[str, list[Any]]

ENV = "IMPORTCRAFT_RUN"

# TOML key -> (config key, kind). "pairs": a table of name = value; "names": a list of names;
# "paths": a list of directories; "dir": one directory (need not exist yet).
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
    "cache-dir": ("cache_dir", "dir"),
}

# Where each value came from, for error messages: [config key, name, "file: [tool.importcraft] key"
# or "--option"]. Kept beside the values so that merge() keeps it; never handed to children.
WHERE = "where"


class ConfigError(ImportcraftError):
    """Configuration for ``importcraft run`` that cannot be used; says where and why."""


def empty() -> Config:
    return {WHERE: [], **{config_key: [] for config_key, _ in KEYS.values()}}


def ignores_environment() -> bool:
    """True under ``python -E`` and ``-I``: neither ``IMPORTCRAFT_RUN`` nor a ``pyproject.toml``
    found from the current folder is read (only what the command line names explicitly)."""
    import sys

    return bool(sys.flags.ignore_environment or sys.flags.isolated)


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
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (TOML files must be): byte {exc.start} is "
            f"{exc.object[exc.start : exc.start + 1]!r}; save the file as UTF-8"
        ) from None
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
        elif kind == "dir":
            if not isinstance(value, str):
                raise ConfigError(f"{at}: expected a string (a directory), got {_kind(value)}")
            config[config_key] = _check_names(config_key, [value], at, base)
        else:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{at}: expected a list of strings, got {_kind(value)}")
            config[config_key] = _check_names(config_key, value, at, base)
        config[WHERE].extend(_where(config_key, config[config_key], at))
    return config


def _where(config_key: str, values: list[Any], at: str) -> list[list[str]]:
    return [[config_key, str(v[0] if isinstance(v, list) else v), at] for v in values]


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
        config[WHERE].extend(_where(config_key, config[config_key], option))
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
    if config_key == "cache_dir":
        # The last one given wins (an option over the file); it is made when first written.
        return [os.path.normpath(os.path.join(base, os.path.expanduser(values[-1])))]
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
# The configuration travels as JSON (what json.dumps would write), written and read here: json
# pulls in re, enum and more, into every child and before the policies apply.


def to_env(config: Config) -> str:
    """The configuration as the JSON text ``IMPORTCRAFT_RUN`` holds (ASCII, as json.dumps)."""
    items = [f"{_quote(k)}: {_list(v)}" for k, v in config.items() if v and k != WHERE]
    return "{" + ", ".join(items) + "}"


def _list(values: list[Any]) -> str:
    return "[" + ", ".join(_list(v) if isinstance(v, list) else _quote(v) for v in values) + "]"


def _quote(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code > 0xFFFF:  # a surrogate pair, as JSON spells it
            code -= 0x10000
            out.append(f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}")
        else:
            out.append(f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def from_env(text: str) -> Config:
    """Read ``IMPORTCRAFT_RUN``; :class:`ConfigError` names the variable and what is wrong."""
    try:
        data, end = _json_value(text, _json_space(text, 0))
        if _json_space(text, end) != len(text):
            raise ValueError(f"unexpected text at character {_json_space(text, end)}")
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        config = empty()
        for key, values in data.items():
            if key == WHERE or key not in config:
                continue  # written by another version of importcraft: not ours to refuse
            kind = next(kind for config_key, kind in KEYS.values() if config_key == key)
            config[key] = _checked(key, kind, values)
    except ValueError as exc:
        raise ConfigError(f"{ENV} is not a configuration importcraft can read: {exc}") from None
    return config


def _checked(key: str, kind: str, values: object) -> list[Any]:
    if isinstance(values, list):
        if kind != "pairs" and all(isinstance(v, str) for v in values):
            return values
        if kind == "pairs" and all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
            for v in values
        ):
            return values
    wanted = "a list of [name, value] pairs" if kind == "pairs" else "a list of strings"
    raise ValueError(f"{key!r} must be {wanted}")


def _json_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


def _json_value(text: str, i: int) -> tuple[object, int]:
    """A JSON object, list or string at ``text[i]`` (all the configuration uses) and its end."""
    char = text[i : i + 1]
    if char == '"':
        return _json_string(text, i)
    if char not in ("{", "["):
        raise ValueError(f"expected an object, a list or a string at character {i}")
    close = "}" if char == "{" else "]"
    items: list[object] = []
    pairs: dict[str, object] = {}
    i = _json_space(text, i + 1)
    if text[i : i + 1] == close:
        return (pairs if char == "{" else items), i + 1
    while True:
        if char == "{":
            if text[i : i + 1] != '"':
                raise ValueError(f"expected a key at character {i}")
            key, i = _json_string(text, i)
            i = _json_space(text, i)
            if text[i : i + 1] != ":":
                raise ValueError(f"expected ':' at character {i}")
            pairs[key], i = _json_value(text, _json_space(text, i + 1))
        else:
            item, i = _json_value(text, i)
            items.append(item)
        i = _json_space(text, i)
        if text[i : i + 1] == close:
            return (pairs if char == "{" else items), i + 1
        if text[i : i + 1] != ",":
            raise ValueError(f"expected ',' or {close!r} at character {i}")
        i = _json_space(text, i + 1)


_JSON_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def _json_string(text: str, i: int) -> tuple[str, int]:
    start, i, out = i, i + 1, []
    while True:
        end = i
        while end < len(text) and text[end] not in '"\\':
            end += 1
        out.append(text[i:end])
        if end == len(text):
            raise ValueError(f"the string at character {start} is not closed")
        if text[end] == '"':
            return "".join(out), end + 1
        escape = text[end + 1 : end + 2]
        if escape in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[escape])
            i = end + 2
            continue
        code = _json_hex(text, end)
        i = end + 6
        if 0xD800 <= code < 0xDC00 and text[i : i + 2] == "\\u":
            low = _json_hex(text, i)
            if 0xDC00 <= low < 0xE000:
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                i += 6
        out.append(chr(code))


def _json_hex(text: str, i: int) -> int:
    digits = text[i + 2 : i + 6]
    if text[i + 1 : i + 2] != "u" or len(digits) != 4 or digits.strip("0123456789abcdefABCDEF"):
        raise ValueError(f"bad escape at character {i}")
    return int(digits, 16)


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


def resolve_transformer(package: str, reference: str, at: str = "transform") -> object:
    """The transformer named ``package.module:Name``: a class is instantiated without arguments.

    ``at`` says where it was configured (``"/x/pyproject.toml: [tool.importcraft] transform"``).
    """
    try:
        target = LazyCallback(reference).resolve()
    except Exception as exc:
        raise ConfigError(
            f"{at} {package!r}: cannot use {reference!r}: {type(exc).__name__}: {exc}"
        ) from None
    if isinstance(target, type):
        try:
            return target()
        except Exception as exc:
            raise ConfigError(
                f"{at} {package!r}: {reference} cannot be made without arguments: {exc}"
            ) from None
    return target


def where(config: Config, config_key: str, name: str) -> str:
    """Where ``name`` under ``config_key`` was configured: the file and key, or the option."""
    for key, named, at in config.get(WHERE, ()):
        if key == config_key and named == name:
            return str(at)
    return next(toml for toml, (key, _) in KEYS.items() if key == config_key)


def _transform(package: str, reference: str, at: str) -> Hook:
    from ..rewrite import transform

    return transform(package, resolve_transformer(package, reference, at))


def _install_policy(install: Callable[..., Hook], config: Config, key: str) -> Hook:
    names = [str(name) for name in config[key]]
    try:
        return install(*names)
    except Exception as exc:
        at = ", ".join(sorted({where(config, key, name) for name in names}))
        raise ConfigError(f"{at}: cannot be applied: {exc}") from exc


def _resolve_now(name: str, callback: LazyCallback, at: str) -> None:
    try:
        callback.resolve()
    except Exception as exc:
        raise ConfigError(
            f"{at} {name!r}: cannot use {callback.reference!r}: {type(exc).__name__}: {exc}"
        ) from None


def apply(config: Config, *, check_callbacks: bool = False, evict_own: bool = False) -> list[Hook]:
    """Install everything ``config`` asks for; all of it or, on an error, none of it.

    With ``check_callbacks``, every when-imported function is imported at once (with the
    configured paths in place), so that a bad reference stops the program before it starts.
    With ``evict_own`` (the program has not started yet), the modules importcraft loaded for
    itself and that the policies now refuse leave ``sys.modules``, so that the program's
    imports of them are refused too.
    """
    import sys

    # Each feature's module is imported only when the configuration uses it: they are loaded
    # into the program, and cost its start-up.
    if config["mount"]:
        from ..sources import DirectorySource
        from ..sources._install import mount
    if config["alias"] or config["deprecated_alias"]:
        from ..rules._aliases import alias
    if config["block"] or config["allow_only"]:
        from ..rules._policy import allow_only, block
    if config["when_imported"]:
        from ..rules._post_import import when_imported

    at = "the configuration"  # where the value being installed was given, for errors

    def pairs(key: str) -> Iterable[tuple[str, str]]:
        nonlocal at
        for name, value in config[key]:
            at = f"{where(config, key, str(name))} {str(name)!r}"
            yield str(name), str(value)
        at = "the configuration"

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
            hooks.append(_install_policy(block, config, "block"))
        if config["allow_only"]:
            hooks.append(_install_policy(allow_only, config, "allow_only"))
        if config["lazy"] or config["lazy_nested"]:
            from ..lazy._modules import lazy_mode

            exclude = [str(name) for name in config["lazy_exclude"]]
            if config["lazy"]:
                hooks.append(lazy_mode(include=map(str, config["lazy"]), exclude=exclude))
            if config["lazy_nested"]:
                nested = map(str, config["lazy_nested"])
                hooks.append(lazy_mode(include=nested, exclude=exclude, nested=True))
        if config["cache_dir"]:
            from ..core._state import register
            from ..rewrite._cache import set_cache_dir

            directory = str(config["cache_dir"][-1])
            hooks.append(register(f"transform cache in {directory!r}", set_cache_dir(directory)))
        for package, reference in pairs("transform"):
            hooks.append(_transform(package, reference, where(config, "transform", package)))
        for name, reference in pairs("when_imported"):
            callback = LazyCallback(reference)
            if check_callbacks:
                _resolve_now(name, callback, where(config, "when_imported", name))
            hooks.append(when_imported(name, callback))
    except Exception as exc:
        for hook in reversed(hooks):
            hook.remove()
        for entry in added_paths:
            if entry in sys.path:
                sys.path.remove(entry)
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{at}: cannot be applied: {exc}") from exc
    if evict_own and (config["block"] or config["allow_only"]):
        _evict_refused()
    return hooks


def _evict_refused() -> None:
    """Take out of ``sys.modules`` what importcraft loaded for itself and the policies refuse.

    A module in ``sys.modules`` is never looked for, so without this ``--block json`` would
    let the program import the json that reading the configuration had loaded. importcraft's
    own modules stay: the hooks just installed run on them.
    """
    import sys

    from ..core._router import ROUTER

    # sys.modules keeps the order modules finished loading in, and importcraft's __init__
    # imports nothing: what follows it (the program has not run yet) is importcraft's. Under
    # `python -m importcraft`, so is what runpy loaded after start-up (site) to start it.
    names = list(sys.modules)
    starts = [names.index("importcraft")] if "importcraft" in names else [len(names)]
    main_spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if getattr(main_spec, "name", "") == "importcraft.__main__" and "site" in names:
        starts.append(names.index("site") + 1)
    start = min(starts)
    for name in names[start:]:
        if name == "importcraft" or name.startswith("importcraft."):
            continue
        try:
            ROUTER.check(name)
        except ImportError:
            module = sys.modules.pop(name)
            parent, _, child = name.rpartition(".")
            # As a fresh interpreter would have it: `from parent import child` refused as well.
            if parent and getattr(sys.modules.get(parent), child, None) is module:
                delattr(sys.modules[parent], child)
