"""``tracer.scipy`` (``graphjit.scipy``): the counterpart of ``jax.scipy``.

Written on ``tnp``/``lax`` (never raw NumPy on traced values), so every
function works eagerly, under ``jit`` and under every transform.  The layout
is ``jax.scipy``'s: ``special`` (one module), ``stats`` (a package with one
module per distribution: ``stats.norm``, ``stats.gamma`` ...) and ``linalg``
(whose decompositions arrive with the linalg primitives, issue 15; until then
they raise ``UnsupportedError``).

>>> import graphjit as gj
>>> round(float(gj.scipy.stats.norm.logpdf(0.0)), 6)
-0.918939
"""
from __future__ import annotations

from tracer.scipy import linalg, special, stats

__all__ = ["linalg", "special", "stats"]
