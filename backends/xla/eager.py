"""Eager ops on ``DeviceArray``s: one primitive, compiled once per signature.

Computation follows data (DESIGN.md section 3): when an eager ``bind`` meets a
``DeviceArray``, the primitive runs on that array's device.  Each (primitive,
params, input avals, device) is recorded as a one-equation graph and compiled
through the runtime's executable cache (``runtime.executable_for``); its runner
is kept here per signature, so later calls only execute.  Host
operands (NumPy arrays, host ``Array``s, scalars) are copied to the device; two
``DeviceArray``s on different devices are an error naming the user's line.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np

from tracer.errors import GraphjitError
from tracer.ir import ShapedArray, user_location
from tracer.primitives import Primitive

# "auto": accelerator buffers are DeviceArrays, XLA CPU buffers stay host Arrays (they
# are host memory: the NumPy backend reads them without a copy); "xla": every device
# result is a DeviceArray, eager ops on CPU ones compile too (how CI tests this path).
_MODE = [os.environ.get("GRAPHJIT_EAGER_DEVICE_EXECUTION", "auto")]
# (primitive, params, input avals, device) -> the runner of its one-equation graph
_RUNNERS: dict[tuple, Callable[[Sequence[Any]], list]] = {}


class DeviceMismatchError(GraphjitError, ValueError):
    """An eager op got ``DeviceArray``s on two different devices."""


def set_eager_device_execution(mode: str) -> str:
    """``"auto"`` (default) or ``"xla"``; returns the previous mode."""
    if mode not in ("auto", "xla"):
        raise ValueError(f"eager device execution mode must be 'auto' or 'xla', got {mode!r}")
    prev, _MODE[0] = _MODE[0], mode
    return prev


def committed(device: Any) -> bool:
    """Whether results on ``device`` (None: the default one) are ``DeviceArray``s."""
    if _MODE[0] == "xla":
        return True
    if device is None:
        from backends.xla import runtime
        device = runtime.client().devices()[0]
    return device.platform != "cpu"


def device_of(buf: Any) -> Any:
    return next(iter(buf.devices()))


def _aval(x: Any) -> ShapedArray:
    b = getattr(x, "_buf", None)
    if b is not None:
        return ShapedArray(tuple(b.shape), np.dtype(b.dtype))
    v = x._value if hasattr(x, "_value") else np.asarray(x)
    return ShapedArray(v.shape, v.dtype)


def run_primitive(prim: Primitive, args: Sequence[Any], params: dict) -> Any:
    """``prim`` on ``args`` (at least one a ``DeviceArray``) on their device."""
    from backends.array import DeviceArray
    devs = {device_of(a._buf) for a in args if type(a) is DeviceArray}
    if len(devs) > 1:
        names = ", ".join(sorted(f"{d.platform}:{d.id}" for d in devs))
        raise DeviceMismatchError(
            f"{prim.name}: its operands are on different devices ({names}) (at "
            f"{user_location()}); move them to one with backends.device_put(x, device)")
    device = devs.pop()
    avals = tuple(_aval(a) for a in args)
    key = (prim, tuple(sorted(params.items())), avals, device)
    run = _RUNNERS.get(key)
    if run is None:
        run = _RUNNERS[key] = _runner(prim, avals, params, device)
    outs = run(args)
    return outs if prim.multiple_results else outs[0]


def _runner(prim: Primitive, avals: Sequence[ShapedArray], params: dict,
            device: Any) -> Callable[[Sequence[Any]], list]:
    from backends.xla import runtime
    from tracer.tracing import bind, make_graph

    def one(*xs: Any) -> Any:
        return bind(prim, *xs, **params)

    cg = make_graph(one)(*avals)   # shape errors here name the user's line
    default = device == runtime.client().devices()[0]
    exe = runtime.executable_for(cg, None if default else device, name=f"eager_{prim.name}")
    return exe.runner(committed=True)


__all__ = ["DeviceMismatchError", "committed", "run_primitive", "set_eager_device_execution"]
