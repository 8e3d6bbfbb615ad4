"""Custom actions for the Rasa server, served by rasa-sdk (`python -m rasa_sdk --actions actions`).

Thin adapters: `respond.py` hands every customer message to the dialogue (`dialogue/`),
`session.py` starts sessions and guards restarts. The store is opened on the first request.
"""
