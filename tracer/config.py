"""``gj.config``: settings under JAX's names (``jax.config`` for code ported from JAX).

One option so far, ``jax_enable_x64``: ``True`` (graphjit's default) keeps NumPy's
dtypes (float64 stays float64, Python ints are int64); ``False`` gives JAX's default
32-bit dtypes (see :mod:`tracer.dtypes`).  It can also be set before the process
starts with ``GRAPHJIT_ENABLE_X64=0``, or for a block with ``gj.enable_x64(False)``.

>>> from tracer.config import config
>>> config.jax_enable_x64
True
>>> prev = config.update("jax_enable_x64", False); config.jax_enable_x64
False
>>> config.update("jax_enable_x64", True)
"""
from __future__ import annotations

from typing import Any

from tracer import dtypes

enable_x64 = dtypes.enable_x64


class Config:
    """Read and set graphjit's options by JAX's option names."""

    _OPTIONS = ("jax_enable_x64",)

    def update(self, name: str, value: Any) -> None:
        """Set option ``name`` (as ``jax.config.update``)."""
        if name == "jax_enable_x64":
            dtypes.set_x64(value)
            return
        raise AttributeError(self._unknown(name))

    def read(self, name: str) -> Any:
        """The value of option ``name``."""
        if name == "jax_enable_x64":
            return dtypes.X64
        raise AttributeError(self._unknown(name))

    @property
    def jax_enable_x64(self) -> bool:
        return dtypes.X64

    @property
    def x64_enabled(self) -> bool:
        return dtypes.X64

    def _unknown(self, name: str) -> str:
        return (f"Unrecognized config option: {name!r}; graphjit has "
                f"{', '.join(self._OPTIONS)} (a JAX option graphjit lacks is not ignored "
                "silently: remove the call, or ask for the option)")

    def __repr__(self) -> str:
        return f"Config(jax_enable_x64={dtypes.X64})"


config = Config()

__all__ = ["Config", "config", "enable_x64"]
