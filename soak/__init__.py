"""The XTS2 soak test: several production server processes on one database, many concurrent
clients making full sales, one server killed with SIGKILL and restarted, then the database
checked whole.

    .venv/bin/python -m soak --seconds 30          # the short form (CI runs it)
    .venv/bin/python -m soak --seconds 600         # the long form, by hand

Modules: :mod:`soak.database` (a fresh database, set up through the ``xts2`` CLI),
:mod:`soak.servers` (``pserve production.ini`` processes), :mod:`soak.client` (an HTTP client that
retries with ``opid``, and the sales it makes), :mod:`soak.checks` (the invariants),
:mod:`soak.run` (the command line that ties them together).
"""
