"""The platform scaled out on one machine (tests/cluster/cluster.py), its
tests, and `make demo-cluster` (``python -m tests.cluster``)."""
