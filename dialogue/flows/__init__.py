"""One module per conversation topic; importing this package registers every handler and resumer."""

from dialogue.flows import (  # noqa: F401  (imported for their registrations)
    account,
    chitchat,
    complaints,
    desk,
    devices,
    fallback,
    handoff,
    identify,
    invoices,
    link,
    money,
    order_changes,
    orders,
    preferences,
    proactive,
    products,
    reorder,
    returns,
    reviews,
    undo,
)

LOADED = True
