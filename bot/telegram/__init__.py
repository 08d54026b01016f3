"""The Telegram adapter, the only code that imports telegram: the composition root, handlers,
keyboards and callback encoding, delivery, alert dispatch and reminder jobs."""
