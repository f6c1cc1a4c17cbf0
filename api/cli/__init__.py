"""The `signpost` command: tools for staff and service managers."""
