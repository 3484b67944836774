"""Layer 5, plugins through entry points: discovery from a cached index (``_index.py``), the
plugin manager ``plugins()`` / ``add_plugin()`` (``_manager.py``) and the pytest plugin
(``_pytest.py``, the ``pytest11`` entry point named ``importcraft``).

Not named ``plugins``: importing a subpackage binds it as an attribute of its parent, so a
subpackage of that name would hide the public function ``importcraft.plugins()`` as soon as
anything imported it (pytest imports the pytest plugin at every start).

Everything here loads on first use, never with ``import importcraft``. May import every part
below it (``core``, ``sources``, ``rewrite``, ``transformers``, ``rules``, ``lazy``,
``inspect``); never ``cli`` or the package root.
"""
