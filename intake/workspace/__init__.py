"""The workspace: its role, keys, recipients and lock state."""
