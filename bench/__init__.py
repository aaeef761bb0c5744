"""Benchmarks: how fast the service is against its own ceilings, and how cost grows with history.

``make bench`` (``python -m bench``) runs every scenario on SQLite and PostgreSQL in
turn and writes a JSON file and a PNG chart under ``bench/results/``. Nothing here is
part of the test suite; ``tests/test_bench_smoke.py`` only keeps the harness working.
"""
