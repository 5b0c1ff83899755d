"""Flows: what the shop does to a member's money in one go, across several ledgers.

The single-ledger services (loyalty.services.points, .wallet, .packages, .coupons) each
write one ledger and never call each other. A flow composes them in one transaction, after
locking the member row first (loyalty.lock_objects: member, then the document, then the
accounts), so every flow takes a member's rows in the same order:

- top_up: a top-up with the owner's bonus (money and a package), its refund (which also
  withdraws that package), and the audited counter top-up;
- package_sale: a package bought with stored value;
- online_topup: Stripe Checkout top-ups, credited and refunded from webhook events;
- points_expiry: expiry warnings, with the text queued after commit;
- garment_orders: clothes taken in unpaid, moved along their stages, and settled at
  collection through checkout's pricing and ledger code.

Checkout and order refund/void (loyalty.services.checkout) are flows of the same layer.

Flows import services, selectors and loyalty.notifications (the tasks they queue); nothing
below them imports a flow, and loyalty.tasks (the scheduled entry points) may import them.
tests/test_layering.py holds these rules.
"""
