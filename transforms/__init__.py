"""transforms: Graph -> Graph rewrites and the user-facing wrappers.

Autodiff (``grad``, ``jvp``, ``vjp`` ...), ``vmap`` and ``jit`` arrive with
their issues; the package exists so the layout shows the architecture.
"""
from __future__ import annotations

__all__: list[str] = []
