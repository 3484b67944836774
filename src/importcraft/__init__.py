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
    # The public names for type checkers (``name as name``: re-exported).
    from .core._errors import ImportBlockedError as ImportBlockedError
    from .core._errors import ImportcraftError as ImportcraftError
    from .core._errors import ImportcraftWarning as ImportcraftWarning
    from .core._state import Hook as Hook
    from .core._state import hooks as hooks
    from .core._state import isolated as isolated
    from .entrypoints._manager import PluginError as PluginError
    from .entrypoints._manager import Plugins as Plugins
    from .entrypoints._manager import add_plugin as add_plugin
    from .entrypoints._manager import plugins as plugins
    from .inspect._cycles import CycleExplanation as CycleExplanation
    from .inspect._cycles import explain_cycle as explain_cycle
    from .inspect._explain import Explanation as Explanation
    from .inspect._explain import explain as explain
    from .inspect._graph import ImportGraph as ImportGraph
    from .inspect._graph_build import import_graph as import_graph
    from .inspect._graph_cycles import ImportCycle as ImportCycle
    from .inspect._graph_cycles import deferred_cycles as deferred_cycles
    from .inspect._graph_cycles import import_cycles as import_cycles
    from .inspect._profile import Trace as Trace
    from .inspect._profile import trace as trace
    from .lazy._attach import lazy_attach as lazy_attach
    from .lazy._attach import lazy_attach_stub as lazy_attach_stub
    from .lazy._modules import LazyImportError as LazyImportError
    from .lazy._modules import is_lazy as is_lazy
    from .lazy._modules import lazy_import as lazy_import
    from .lazy._modules import lazy_mode as lazy_mode
    from .lazy._modules import pending_lazy as pending_lazy
    from .lazy._modules import resolve_lazy as resolve_lazy
    from .lazy._optional import optional as optional
    from .lazy._optional import require as require
    from .rewrite import TransformInfo as TransformInfo
    from .rewrite import source_transformer as source_transformer
    from .rewrite import transform as transform
    from .rewrite import transform_status as transform_status
    from .rules._aliases import alias as alias
    from .rules._aliases import deprecate_attribute as deprecate_attribute
    from .rules._legacy import install_legacy as install_legacy
    from .rules._policy import allow_only as allow_only
    from .rules._policy import block as block
    from .rules._post_import import when_imported as when_imported
    from .rules._versions import register_version as register_version
    from .rules._versions import set_default_version as set_default_version
    from .sources import DictSource as DictSource
    from .sources import DirectorySource as DirectorySource
    from .sources import EnvSource as EnvSource
    from .sources import Source as Source
    from .sources._install import install as install
    from .sources._install import mount as mount
    from .sources._install import virtual as virtual

__version__ = "0.1.0.dev0"

# The public names, by the module that defines them: the one list. ``__all__``, ``dir()`` and
# the loading on first use below are made from it; the imports above tell type checkers the
# same (tests/test_package.py checks that the two agree).
_PUBLIC = {
    "importcraft.core._state": ("Hook", "hooks", "isolated"),
    "importcraft.core._errors": ("ImportBlockedError", "ImportcraftError", "ImportcraftWarning"),
    "importcraft.sources": ("DictSource", "DirectorySource", "EnvSource", "Source"),
    "importcraft.sources._install": ("install", "mount", "virtual"),
    "importcraft.rules._legacy": ("install_legacy",),
    "importcraft.rules._policy": ("allow_only", "block"),
    "importcraft.rules._aliases": ("alias", "deprecate_attribute"),
    "importcraft.rules._post_import": ("when_imported",),
    "importcraft.rules._versions": ("register_version", "set_default_version"),
    "importcraft.lazy._modules": (
        "LazyImportError",
        "is_lazy",
        "lazy_import",
        "lazy_mode",
        "pending_lazy",
        "resolve_lazy",
    ),
    "importcraft.lazy._attach": ("lazy_attach", "lazy_attach_stub"),
    "importcraft.lazy._optional": ("optional", "require"),
    "importcraft.rewrite": ("TransformInfo", "source_transformer", "transform", "transform_status"),
    "importcraft.inspect._explain": ("Explanation", "explain"),
    "importcraft.inspect._cycles": ("CycleExplanation", "explain_cycle"),
    "importcraft.inspect._profile": ("Trace", "trace"),
    "importcraft.inspect._graph": ("ImportGraph",),
    "importcraft.inspect._graph_build": ("import_graph",),
    "importcraft.inspect._graph_cycles": ("ImportCycle", "deferred_cycles", "import_cycles"),
    "importcraft.entrypoints._manager": ("PluginError", "Plugins", "add_plugin", "plugins"),
}
_LAZY = {name: module for module, names in _PUBLIC.items() for name in names}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'importcraft' has no attribute {name!r}")
    value = getattr(__import__(module_name, fromlist=[name]), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
