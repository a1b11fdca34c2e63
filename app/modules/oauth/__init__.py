"""OAuth clients of the enterprise_api: a company admin's client credentials,
and the bearer tokens the token endpoint (app/api/oauth) issues for them."""
