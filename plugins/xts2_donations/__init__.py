"""XTS2 plugin ``donations``: donations with Gift Aid, written against the public hooks only.

It is the worked example of docs/plugins.md: an item type (``donation``), a ``getbaskets``
filter (``giftaid``), a report (``donations``), a season section with its own settings table and
an Alembic branch of its own. Everything it imports from XTS2 comes from ``xts2_core`` itself.
"""
