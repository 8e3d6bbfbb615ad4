"""The demo storefront: a product list, "my orders", a demo login, and the chat widget.

It is what a shop's website does for the chat: its server-side login mints the signed chat
token for the customer it logged in, and the page hands that token to the widget.
"""
