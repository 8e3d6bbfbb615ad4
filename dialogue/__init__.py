"""The assistant's conversation logic: what to answer, what to ask, what to change, in context.

Framework-free on purpose: `actions/` adapts it to rasa-sdk, tests drive it directly. Rasa
recognises the intent and keeps the transcript; this package decides, per turn, with the whole
conversation state (a pending question, what "it" refers to, a queued second request, the
last change for undo) kept in one slot and, where it must outlive a session, in the store.
"""
