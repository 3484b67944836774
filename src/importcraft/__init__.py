"""importcraft: Python's import system made programmable, safe, fast and observable.

>>> import importcraft as ic
>>> with ic.virtual({"greeting": "text = 'hello'"}):
...     import greeting
>>> greeting.text
'hello'

Importing the package costs almost nothing: each public name loads its module on first use.
"""

# No ``from __future__ import annotations`` here: it imports the __future__ module.
TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from ._aliases import alias, deprecate_attribute
    from ._attach import lazy_attach, lazy_attach_stub
    from ._errors import ImportBlockedError, ImportcraftError, ImportcraftWarning
    from ._install import install, mount, virtual
    from ._lazy import (
        LazyImportError,
        is_lazy,
        lazy_import,
        lazy_mode,
        pending_lazy,
        resolve_lazy,
    )
    from ._legacy import install_legacy
    from ._optional import optional, require
    from ._policy import allow_only, block
    from ._post_import import when_imported
    from ._state import Hook, hooks, isolated
    from ._transform import TransformInfo, source_transformer, transform, transform_status
    from ._versions import register_version, set_default_version
    from .sources import DictSource, DirectorySource, EnvSource, Source

__version__ = "0.1.0.dev0"

__all__ = [
    "DictSource",
    "DirectorySource",
    "EnvSource",
    "Hook",
    "ImportBlockedError",
    "ImportcraftError",
    "ImportcraftWarning",
    "LazyImportError",
    "Source",
    "TransformInfo",
    "alias",
    "allow_only",
    "block",
    "deprecate_attribute",
    "hooks",
    "install",
    "install_legacy",
    "is_lazy",
    "isolated",
    "lazy_attach",
    "lazy_attach_stub",
    "lazy_import",
    "lazy_mode",
    "mount",
    "optional",
    "pending_lazy",
    "register_version",
    "require",
    "resolve_lazy",
    "set_default_version",
    "source_transformer",
    "transform",
    "transform_status",
    "virtual",
    "when_imported",
]

# Public names whose modules are imported on first use: name -> module that defines it.
_LAZY = {
    "Hook": "importcraft._state",
    "hooks": "importcraft._state",
    "isolated": "importcraft._state",
    "ImportBlockedError": "importcraft._errors",
    "ImportcraftError": "importcraft._errors",
    "ImportcraftWarning": "importcraft._errors",
    "install": "importcraft._install",
    "mount": "importcraft._install",
    "virtual": "importcraft._install",
    "install_legacy": "importcraft._legacy",
    "block": "importcraft._policy",
    "allow_only": "importcraft._policy",
    "alias": "importcraft._aliases",
    "deprecate_attribute": "importcraft._aliases",
    "when_imported": "importcraft._post_import",
    "LazyImportError": "importcraft._lazy",
    "is_lazy": "importcraft._lazy",
    "lazy_import": "importcraft._lazy",
    "lazy_mode": "importcraft._lazy",
    "pending_lazy": "importcraft._lazy",
    "resolve_lazy": "importcraft._lazy",
    "lazy_attach": "importcraft._attach",
    "lazy_attach_stub": "importcraft._attach",
    "optional": "importcraft._optional",
    "transform": "importcraft._transform",
    "transform_status": "importcraft._transform",
    "source_transformer": "importcraft._transform",
    "TransformInfo": "importcraft._transform",
    "register_version": "importcraft._versions",
    "set_default_version": "importcraft._versions",
    "require": "importcraft._optional",
    "Source": "importcraft.sources",
    "DictSource": "importcraft.sources",
    "DirectorySource": "importcraft.sources",
    "EnvSource": "importcraft.sources",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'importcraft' has no attribute {name!r}")
    value = getattr(__import__(module_name, fromlist=[name]), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
