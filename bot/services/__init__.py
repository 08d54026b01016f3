"""Use cases joining the dialogue logic (flows) and the database (storage): no Telegram, no SQL text."""
