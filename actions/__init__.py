"""Custom actions for the Rasa server, served by rasa-sdk (`python -m rasa_sdk --actions actions`).

One module per conversation domain; each imports the store lazily, on the first request.
"""
