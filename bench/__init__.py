"""Read-path benchmark: a synthetic 200k-event database, the real API over HTTP, EXPLAIN.

Run with ``make bench`` or ``python -m bench.run [--events N] [--quick]``; results go to
``bench/results/`` (git-ignored).
"""
