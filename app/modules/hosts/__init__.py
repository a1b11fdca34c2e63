"""Hosts: the people who own meeting rooms, and their roles."""
