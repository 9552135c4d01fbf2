"""The Array API conformance harness works (its fast mode: no suite, no network).

The conformance run itself (``python -m benchmarks.array_api_conformance --suite
DIR``) takes minutes and needs the data-apis/array-api-tests checkout, so it is
not part of the test suite.
"""
from __future__ import annotations

from benchmarks import array_api_conformance as conf


def test_fast_mode_prints_the_table(capsys):
    assert conf.main(["--fast"]) == 0
    out = capsys.readouterr().out
    assert "tracer.numpy" in out and "numpy" in out and "passed" in out


def test_parse_and_compare():
    ours = conf.parse_junit(conf.SAMPLE_XML, "tracer.numpy")
    ref = conf.parse_junit(conf.SAMPLE_XML.replace('<failure message="m"/>', ""), "numpy")
    assert ours.counts["failed"] == 1 and ref.counts["passed"] == 2
    text = conf.table([ours, ref])
    assert "failing on tracer.numpy but not on numpy: 1" in text
    assert "test_a.py (1): test_y" in text


def test_missing_suite_is_a_clear_message(tmp_path, capsys):
    assert conf.main(["--suite", str(tmp_path)]) == 2
    assert "git clone" in capsys.readouterr().err
