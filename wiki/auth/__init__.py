"""Accounts: users, passwords, login with backoff, API tokens, profiles and perspectives."""
