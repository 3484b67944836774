"""Rewriting code as it loads: AST transforms with a correct bytecode cache.

Imported on first use of ``importcraft.transform`` (it needs ``ast``).
"""

from ._engine import TransformInfo, source_transformer, transform, transform_status

__all__ = ["TransformInfo", "source_transformer", "transform", "transform_status"]
