"""Layer 1, what an import means: policies, aliases and deprecations, post-import hooks,
legacy PEP 302 importers and versions side by side, each a rule of the router.

May import ``core``, ``sources`` and ``rewrite``; never ``lazy``, ``cli`` or the package
root (lazy modules are looked up in ``sys.modules`` when present, never imported).
"""
