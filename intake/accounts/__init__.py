"""Accounts: people who sign in, their roles and their UI language."""
