"""Staff: roles and scopes, the staff page, invitations, `flask users`."""
