"""Per-company API keys: the team key an integrator sends to the rooms API."""
