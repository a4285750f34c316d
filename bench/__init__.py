"""XTS2 benchmarks: throughput, latency and scaling of the API beside the framework's floor.

Run from the repository root with the project's virtualenv::

    .venv/bin/python -m bench                 # SQLite and PostgreSQL, 1x 10x 100x
    .venv/bin/python -m bench --quick         # a smoke run: SQLite, 1x, a second per case

See ``docs/benchmarks.md`` for what the figures mean. Nothing here is imported by the server
except :mod:`bench.floor`, the baseline app that ``pserve`` loads beside XTS2.
"""
