"""Autodiff rules, one module per family of primitives: JVP and VJP side by side.

Each module registers rows into ``transforms.jvp.jvp_rules`` and
``transforms.vjp.vjp_rules`` (the tables those modules own).  The coverage
matrix test checks every primitive against both tables.
"""
from __future__ import annotations

from transforms.ad_rules import elementwise  # noqa: F401
from transforms.ad_rules import structural  # noqa: F401
from transforms.ad_rules import control_flow  # noqa: F401
from transforms.ad_rules import contraction, indexing  # noqa: F401
from transforms.ad_rules import custom  # noqa: F401
from transforms.ad_rules import special  # noqa: F401  (lgamma, digamma, erf_inv, erfc)
