"""Exports: victim-database entries, HURIDOCS ESF and anonymised research data, each only
as far as every record's consent allows, previewed first, audited, optionally sealed."""
