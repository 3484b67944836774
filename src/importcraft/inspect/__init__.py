"""Layer 4, see what imports do: ``explain()`` (why a name resolves where it does), ``trace()``
(an import-time profile with side effects, its text, JSON and HTML reports) and
``explain_cycle()`` (why a circular import broke, and the fix).

Read-only: it observes the import system and changes nothing, but through a Hook it removes.
Everything here loads on first use, never with ``import importcraft``. May import ``core``,
``sources``, ``rewrite``, ``transformers``, ``rules`` and ``lazy``; never ``cli`` or the package
root.
"""
