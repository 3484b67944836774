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
    from .core._errors import ImportBlockedError, ImportcraftError, ImportcraftWarning
    from .core._state import Hook, hooks, isolated
    from .lazy._attach import lazy_attach, lazy_attach_stub
    from .lazy._modules import (
        LazyImportError,
        is_lazy,
        lazy_import,
        lazy_mode,
        pending_lazy,
        resolve_lazy,
    )
    from .lazy._optional import optional, require
    from .rewrite import TransformInfo, source_transformer, transform, transform_status
    from .rules._aliases import alias, deprecate_attribute
    from .rules._legacy import install_legacy
    from .rules._policy import allow_only, block
    from .rules._post_import import when_imported
    from .rules._versions import register_version, set_default_version
    from .sources import DictSource, DirectorySource, EnvSource, Source
    from .sources._install import install, mount, virtual

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
    "Hook": "importcraft.core._state",
    "hooks": "importcraft.core._state",
    "isolated": "importcraft.core._state",
    "ImportBlockedError": "importcraft.core._errors",
    "ImportcraftError": "importcraft.core._errors",
    "ImportcraftWarning": "importcraft.core._errors",
    "install": "importcraft.sources._install",
    "mount": "importcraft.sources._install",
    "virtual": "importcraft.sources._install",
    "install_legacy": "importcraft.rules._legacy",
    "block": "importcraft.rules._policy",
    "allow_only": "importcraft.rules._policy",
    "alias": "importcraft.rules._aliases",
    "deprecate_attribute": "importcraft.rules._aliases",
    "when_imported": "importcraft.rules._post_import",
    "LazyImportError": "importcraft.lazy._modules",
    "is_lazy": "importcraft.lazy._modules",
    "lazy_import": "importcraft.lazy._modules",
    "lazy_mode": "importcraft.lazy._modules",
    "pending_lazy": "importcraft.lazy._modules",
    "resolve_lazy": "importcraft.lazy._modules",
    "lazy_attach": "importcraft.lazy._attach",
    "lazy_attach_stub": "importcraft.lazy._attach",
    "optional": "importcraft.lazy._optional",
    "transform": "importcraft.rewrite",
    "transform_status": "importcraft.rewrite",
    "source_transformer": "importcraft.rewrite",
    "TransformInfo": "importcraft.rewrite",
    "register_version": "importcraft.rules._versions",
    "set_default_version": "importcraft.rules._versions",
    "require": "importcraft.lazy._optional",
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
