"""Official-account channel: the WeChat callback, its skill chain and the chat flows.

The composition root (server.app) mounts the callback and installs each skill module explicitly;
a skill module offers ``install(app, config)`` that calls ``bot.skills.add_skill``, and the root wraps the
chain in its middlewares (``bot.skills.add_middleware``: handoff).
"""
