"""Autodiff rules, one module per family of primitives: JVP and VJP side by side.

Each module registers rows into ``transforms.jvp.jvp_rules`` and
``transforms.vjp.vjp_rules`` (the tables those modules own).  The coverage
matrix test checks every primitive against both tables.
"""
from __future__ import annotations

from transforms.ad_rules import elementwise  # noqa: F401
