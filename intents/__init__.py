"""Dialogue: one handler per intent, pending slots and confirmations, speaking only
IncomingMessage and Reply (never Telegram or Slack)."""
