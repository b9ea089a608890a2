"""The testimony record definition: validation and derived values."""
