"""Benchmark: a synthetic 200k-event database, the real API over HTTP (reads, then writes,
history, the change feed and as_of), EXPLAIN.

Run with ``make bench`` or ``python -m bench.run [--events N] [--quick]``; results go to
``bench/results/`` (git-ignored).
"""
