"""Confera: a self-hostable, white-label video-meeting platform.

This package's ``__init__`` holds nothing else on purpose: importing
``app.sfu`` or ``app.protocol`` (a media process, one per core) must not load
the web stack. The web application is built by ``app.factory.create_app``.
"""
