"""Builds the Rasa NLU training data: Bitext rows converted to Rasa YAML (see scripts/build_nlu_data.py)."""
