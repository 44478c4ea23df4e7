"""Identity context: users, passwords, access tokens and API keys."""
