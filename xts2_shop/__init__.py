"""XTS2's online shop: customers buy their own tickets at ``/shop/`` (see docs/shop.md)."""
