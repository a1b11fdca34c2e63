"""What applies to a meeting: platform defaults, then the company's, then the
room's, then the join's own (URL parameters). See DESIGN.md, "Settings cascade"."""
