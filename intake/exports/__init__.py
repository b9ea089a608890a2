"""Exports: what leaves the case database, each only as consent allows."""
