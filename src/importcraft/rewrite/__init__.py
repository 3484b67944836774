"""Rewriting code as it loads: AST transforms with a correct bytecode cache.

Layer 1. Owns the transform engine, the bytecode cache and assertion rewriting; the built-in
transformers are the public module ``importcraft.transformers``. May import ``core`` only.
Imported on first use of ``importcraft.transform`` (it needs ``ast``). Named ``rewrite``, not
``transform``: a subpackage is bound on its parent package when imported, and would hide the
public function ``importcraft.transform`` (``rules`` is not ``hooks`` for the same reason).
"""

from ._engine import TransformInfo, source_transformer, transform, transform_status

__all__ = ["TransformInfo", "source_transformer", "transform", "transform_status"]
