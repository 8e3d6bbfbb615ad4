"""Helpers shared by test layers (unit, integration, end-to-end)."""
