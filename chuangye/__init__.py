"""创业幸福地服务平台: composition root (config, app factory, CLI, store, outbound WeChat)."""
__version__ = "0.1.0"
