"""Minimum-wage tables and exchange rates edited at the case database."""
