"""PLACEHOLDER until the outbound client lands."""


class WeChatAPI:
    def __init__(self, config, http, store):
        self.config, self.http, self.store = config, http, store
