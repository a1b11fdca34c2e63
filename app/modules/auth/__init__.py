"""Who is calling: API tokens, password links, (later) SSO."""
