"""The Telegram adapter (python-telegram-bot)."""
