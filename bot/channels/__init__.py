"""The project's Rasa input channels: identity comes only from what the server can verify."""
