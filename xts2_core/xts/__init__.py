"""The ``xts`` servlet: ``isadmin``, ``getstats`` and ``report``."""
