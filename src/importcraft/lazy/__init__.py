"""Layer 1, import less, later: lazy modules, lazy mode, SPEC 1 ``lazy_attach`` and
optional dependencies.

May import ``core`` and ``rules``; never ``cli`` or the package root.
"""
