"""Parts of ``bench/egress.py``: the publishers' counter clips, the baseline
encode, and the report."""
