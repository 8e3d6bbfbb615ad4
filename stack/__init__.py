"""Runs the whole system on one machine: model training, Rasa server, action server."""
