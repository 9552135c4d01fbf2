"""Batching rules, one module per family of primitives.

Each module registers rows into ``transforms.vmap.batch_rules`` (the table
that module owns).  The coverage matrix test checks every primitive.
"""
from __future__ import annotations

from transforms.vmap_rules import elementwise  # noqa: F401
from transforms.vmap_rules import reductions  # noqa: F401
from transforms.vmap_rules import contraction  # noqa: F401
from transforms.vmap_rules import indexing, shape  # noqa: F401
from transforms.vmap_rules import control_flow  # noqa: F401
