"""Exports: victim-database entries, HURIDOCS ESF, anonymised research data and statistics,
each only as far as every record's consent allows, previewed first, audited, optionally
sealed."""
