"""Resellers and their companies; which company a host name belongs to."""
