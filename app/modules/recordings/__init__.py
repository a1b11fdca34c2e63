"""Recordings: what an egress recorded of a session, assembled into one MP4
(or M4A) in storage, listed in the portal and enterprise_api with expiring
links. Above ``meetings`` in the domain DAG; docs/recordings.md."""
