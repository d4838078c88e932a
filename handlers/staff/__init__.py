"""Staff: accounts, login and sessions, what each role may see, the audit trail, registries."""
