"""The error types users see.

Every error graphjit raises about user code names the user's source line
(file:line, function), never graphjit's internals: the message is built from
the same frame walk that gives equations their source (see ``tracer.ir``).
"""
from __future__ import annotations


class GraphjitError(Exception):
    """Base class of the errors graphjit raises about user code."""


class ConcretizationError(GraphjitError, TypeError):
    """An abstract tracer was used where Python needs a concrete value."""


class EscapedTracerError(GraphjitError, RuntimeError):
    """A tracer was used after the recorder that made it had closed."""


class ShapeError(GraphjitError, TypeError, ValueError):
    """Operands of a primitive have incompatible shapes or dtypes.

    Both a ``TypeError`` (as JAX raises) and a ``ValueError`` (as NumPy raises for
    shapes that do not broadcast), so code written for either catches it.
    """


class UnsupportedError(GraphjitError, TypeError):
    """A NumPy function or feature graphjit does not (yet) support."""


class MissingRuleError(GraphjitError, NotImplementedError):
    """A transform or backend has no rule for a primitive."""


class DataDependentShapeError(GraphjitError, TypeError):
    """An operation whose result shape depends on values, under abstract tracing."""


class KeyArrayError(GraphjitError, TypeError):
    """A JAX typed PRNG key array was given where graphjit needs numbers."""
