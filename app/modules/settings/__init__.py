"""What applies to a meeting: platform defaults, then the reseller's (for the
companies that inherit them), the company's, the host's, the room's, then the
join's own (URL parameters). See DESIGN.md, "Settings cascade", and docs/settings.md."""
