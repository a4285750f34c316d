"""xts2-stripe: card payments in the XTS2 online shop through Stripe (docs/stripe.md).

A payment method (``register_payment_methods``) written only against what ``xts2_core`` exports,
as any third party would write one; see :mod:`xts2_stripe.method`.
"""
