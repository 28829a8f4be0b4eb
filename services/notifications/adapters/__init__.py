"""The outside world the notifications service sends to: SMTP servers and webhook receivers."""
