"""Delivery: stations, bundles, receipts, and the import pipeline."""
