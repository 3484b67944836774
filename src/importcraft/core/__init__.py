"""Layer 0, the core: import state, the router, and what every capability builds on.

Owns the only code that changes ``sys.meta_path``, ``sys.path_hooks`` and
``sys.path_importer_cache`` (through :class:`~importcraft.Hook`), the router (the one
meta-path finder), importcraft's errors, dotted-name checks, frame trimming for tracebacks,
the loaders of modules that are not files, and the PEP 302 adapter the router asks legacy
finders through. Imports nothing else of importcraft.
"""
