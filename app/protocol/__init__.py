"""Messages between the web, the media nodes and their clients.

Plain dataclasses and PyJWT; this package imports nothing else from ``app``,
so the web (Flask), the sfu and the egress (asyncio) can all depend on it.
"""
