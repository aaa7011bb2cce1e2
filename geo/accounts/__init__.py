"""Accounts: users with a role and an area, API tokens, browser sessions and the audit log."""
