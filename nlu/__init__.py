"""Intent classification for the assistant: MiniLM sentence embeddings + character n-grams.

Runs in the modern (3.11) environment; Rasa reaches it over HTTP (see docs/nlu.md).
"""
