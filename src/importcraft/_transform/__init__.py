"""Rewriting code as it loads: AST transforms with a correct bytecode cache.

Imported on first use of ``importcraft.transform`` (it needs ``ast``). Private: the public names
are ``importcraft.transform`` and friends, and a public subpackage of that name would be bound
over the function on the package as soon as anything imported it.
"""

from ._engine import TransformInfo, source_transformer, transform, transform_status

__all__ = ["TransformInfo", "source_transformer", "transform", "transform_status"]
