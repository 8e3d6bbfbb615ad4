"""Code the Rasa server imports (Python 3.10 environment): custom channels and NLU components.

Nothing here may import from the modern environment (crm, actions, nlu): the two talk over HTTP.
"""
