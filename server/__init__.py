"""The composition root: ``create_app`` (the aiohttp app factory) and the ``chuangye`` command.

The only place that imports every feature: channels (bot, api), use cases (handlers), knowledge,
infrastructure (chuangye). Every resource and background task is registered here.
"""
