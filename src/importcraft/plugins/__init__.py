"""Layer 5, plugins: entry-point discovery from a cached index (``_index.py``), the plugin
manager ``plugins()`` / ``add_plugin()`` (``_manager.py``) and the pytest plugin
(``_pytest.py``, the ``pytest11`` entry point named ``importcraft``).

Everything here loads on first use, never with ``import importcraft``. May import every part
below it (``core``, ``sources``, ``rewrite``, ``transformers``, ``rules``, ``lazy``,
``inspect``); never ``cli`` or the package root.
"""
