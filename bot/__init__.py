"""The composition root and the platform adapters; the only package that knows Telegram."""
