"""Scheduled conferences: a room booked for a time, its invitees, their
calendar invitations and reminders. Above ``meetings`` in the domain DAG."""
