"""The Telegram adapter: handlers, rendering, provider delivery, settings and the command line."""
