"""Signpost's API: web and SMS channels, the helpline directory, and the bridge to Rasa."""
