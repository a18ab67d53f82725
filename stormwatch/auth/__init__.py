"""Who may do what: users, workspace memberships and roles, sessions, API tokens, the audit log."""
