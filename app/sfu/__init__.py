"""The media node: an asyncio process that forwards RTP between WebRTC peers.

It imports neither Flask nor ``app.modules``; it talks to the web only through
the messages in ``app.protocol`` (import-linter enforces it).
"""
