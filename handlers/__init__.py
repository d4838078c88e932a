"""Use cases, grouped by capability: one package per thing a user or operator does.

They take plain values and know nothing of XML, HTTP or WeChat message types; ``bot`` and ``api``
are the channels that call them.
"""
