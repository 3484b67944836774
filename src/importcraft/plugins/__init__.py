"""Layer 5, plugins: entry-point discovery from a cached index (``_index.py``), the plugin
manager ``plugins()`` / ``add_plugin()`` (``_manager.py``) and the pytest plugin
(``_pytest.py``, the ``pytest11`` entry point named ``importcraft``).

Everything here loads on first use, never with ``import importcraft``. May import every part
below it (``core``, ``sources``, ``rewrite``, ``transformers``, ``rules``, ``lazy``,
``inspect``); never ``cli`` or the package root.

This subpackage shares its name with the public function ``importcraft.plugins()``. importlib
binds a subpackage as an attribute of its parent once it is loaded, which would make
``importcraft.plugins`` this module instead of the function (see docs/ARCHITECTURE.md on
``transform`` and ``hooks``). So the package module's class is made one that refuses exactly
that binding: ``importcraft.plugins`` stays the function, found through the package's
``__getattr__``; the subpackage is reached through ``sys.modules`` and ``from ... import``.
"""

import sys
from types import ModuleType


class _Package(ModuleType):
    """The class of the ``importcraft`` module once this layer is loaded."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "plugins" and isinstance(value, ModuleType):
            return  # importlib binding this subpackage: importcraft.plugins stays the function
        super().__setattr__(name, value)


_root = sys.modules.get("importcraft")
if _root is not None and type(_root) is ModuleType:
    _root.__class__ = _Package
