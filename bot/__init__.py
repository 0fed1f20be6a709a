"""Chat adapters: Telegram, Slack and the console translate platform events to
IncomingMessage and render Reply values. They hold no business rule, query or commit."""
