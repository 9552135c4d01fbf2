"""The persistent compilation cache: a second process loads executables from disk."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backends.xla import runtime

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: compile (or load) one function, report results and counters.
SCRIPT = r"""
import json, sys
import numpy as np
import tracer.numpy as tnp
from transforms import jit
from transforms.jit import compilation_cache_stats, set_compilation_cache_dir
if sys.argv[2] == "setting":
    set_compilation_cache_dir(sys.argv[1])

@jit
def f(x, y):
    return tnp.sin(x) * y + tnp.sum(x)

out = f(np.linspace(0.0, 1.0, 5), 3.0)
print(json.dumps({"out": np.asarray(out).tolist(), "hits": f.disk_cache_hits,
                  "stats": compilation_cache_stats()}))
"""


def run_process(cache: Path | None, how: str = "env") -> dict:
    env = dict(os.environ)
    env.pop("GRAPHJIT_COMPILATION_CACHE_DIR", None)
    if cache is not None and how == "env":
        env["GRAPHJIT_COMPILATION_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(cache), how], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.gjx"))


@pytest.mark.parametrize("how", ["env", "setting"])
def test_second_process_loads_from_disk(tmp_path: Path, how: str) -> None:
    first = run_process(tmp_path, how)
    assert first["stats"]["compiles"] == 1 and first["stats"]["disk_hits"] == 0
    assert first["stats"]["disk_writes"] == 1 and first["hits"] == 0
    assert len(entries(tmp_path)) == 1
    second = run_process(tmp_path, how)
    assert second["stats"]["compiles"] == 0, "the second process compiled with XLA"
    assert second["stats"]["disk_hits"] == 1 and second["hits"] == 1
    assert second["out"] == first["out"]  # identical results, bit for bit
    x = np.linspace(0.0, 1.0, 5)
    np.testing.assert_allclose(first["out"], np.sin(x) * 3.0 + x.sum())


def test_off_by_default(tmp_path: Path) -> None:
    r = run_process(None)
    assert r["stats"]["compiles"] == 1 and r["stats"]["disk_writes"] == 0
    assert entries(tmp_path) == []


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip"])
def test_corrupted_entry_falls_back_to_compiling(tmp_path: Path, damage: str) -> None:
    first = run_process(tmp_path)
    (entry,) = entries(tmp_path)
    data = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"not an executable at all" * 10)
    elif damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        entry.write_bytes(data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:])
    else:
        entry.write_bytes(b"")
    second = run_process(tmp_path)
    assert second["stats"]["compiles"] == 1 and second["stats"]["disk_hits"] == 0
    assert second["stats"]["disk_errors"] == 1
    assert second["out"] == first["out"]
    third = run_process(tmp_path)  # the entry was rewritten by the fallback compile
    assert third["stats"]["compiles"] == 0 and third["stats"]["disk_hits"] == 1


def test_key_depends_on_module_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In process: another module gets another entry; the same module hits."""
    monkeypatch.setattr(runtime, "_cache_dir_setting", str(tmp_path))
    text = ('module @m { func.func public @main(%arg0: tensor<3xf64>) -> (tensor<3xf64>) '
            '{ %0 = "stablehlo.OP"(%arg0, %arg0) : (tensor<3xf64>, tensor<3xf64>) -> '
            'tensor<3xf64>\n "func.return"(%0) : (tensor<3xf64>) -> () } }')
    before = runtime.cache_stats()
    add = runtime.compile(text.replace("OP", "add"))
    mul = runtime.compile(text.replace("OP", "multiply"))
    again = runtime.compile(text.replace("OP", "multiply"))
    after = runtime.cache_stats()
    assert after["compiles"] - before["compiles"] == 2
    assert after["disk_hits"] - before["disk_hits"] == 1
    assert len(entries(tmp_path)) == 2
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(runtime.run_numpy(add, [x])[0], x + x)
    np.testing.assert_array_equal(runtime.run_numpy(mul, [x])[0], x * x)
    np.testing.assert_array_equal(runtime.run_numpy(again, [x])[0], x * x)
