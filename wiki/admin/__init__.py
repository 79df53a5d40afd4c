"""Site administration: spaces and accounts (site admins only)."""
