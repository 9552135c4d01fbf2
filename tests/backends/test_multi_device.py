"""Two XLA devices (the CPU client split in two, in a subprocess: the flag must be set
before jaxlib starts): eager ops run on their operands' device, mixing devices is a
clear error naming the user's line, ``jit(device=...)`` compiles for that device."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import numpy as np
    import backends
    import tracer.numpy as tnp
    from backends.xla.eager import DeviceMismatchError
    from transforms import jit

    d0, d1 = backends.devices()[:2]
    a, b = backends.device_put(np.ones(3), d0), backends.device_put(np.arange(3.0), d1)
    assert (a.device, b.device) == ("cpu:0", "cpu:1")
    s = tnp.sin(b) * 2.0
    assert s.device == "cpu:1", s.device
    np.testing.assert_allclose(np.asarray(s), 2 * np.sin(np.arange(3.0)))
    try:
        a + b  # eager mix
    except DeviceMismatchError as e:
        assert "cpu:0" in str(e) and "cpu:1" in str(e) and "<string>:LINE_EAGER" in str(e), str(e)
    else:
        raise AssertionError("no error for mixed devices")
    g = jit(lambda x: x * 2.0, device=d1)
    r = g(b)
    assert r.device == "cpu:1", r.device
    np.testing.assert_allclose(np.asarray(r), 2 * np.arange(3.0))
    np.testing.assert_allclose(np.asarray(g(np.ones(3))), 2.0)   # host input: put on d1
    moved = backends.device_put(a, d1)
    assert moved.device == "cpu:1" and a.is_device_resident   # (no host read of a)
    np.testing.assert_allclose(np.asarray(g(moved)), 2.0)
    try:
        g(a)  # jit mix
    except DeviceMismatchError as e:
        assert "cpu:1" in str(e) and "<string>:LINE_JIT" in str(e), str(e)
    else:
        raise AssertionError("no error for an argument on another device")
    print("ok")
''')


def test_two_devices_in_a_subprocess() -> None:
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               GRAPHJIT_EAGER_DEVICE_EXECUTION="xla")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lines = SCRIPT.splitlines()
    script = SCRIPT
    for marker, name in (("# eager mix", "LINE_EAGER"), ("# jit mix", "LINE_JIT")):
        line = next(i for i, s in enumerate(lines, 1) if s.rstrip().endswith(marker))
        script = script.replace(name, str(line))
    p = subprocess.run([sys.executable, "-c", script], cwd=root, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.strip().endswith("ok"), p.stdout + p.stderr
