"""E-mail over SMTP: one plain-text message per delivery, with timeouts, optional STARTTLS or
implicit TLS, and optional credentials (``SMTP_*`` settings).

A reply code 5xx to the recipient or to the message itself means the server will never take
that message: the delivery fails at once. Everything else — a connection refused or timed out,
a 4xx, a dropped connection, a refused login or sender (this service's configuration, which an
operator can fix) — is worth trying again later.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from services.notifications.domain.outcome import DELIVERED, Sent
from shared.config import Settings


def compose(
    settings: Settings, to: str, language: str, subject: str, text: str, message_id: str
) -> EmailMessage:
    """A plain-text e-mail in ``language``. ``Auto-Submitted`` keeps auto-replies away."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(idstring=message_id, domain=_domain(settings.mail_from))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, charset="utf-8")
    message["Content-Language"] = language  # after set_content, which resets Content-* headers
    return message


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "turvaverkko.invalid"


class Mailer:
    """Sends e-mail through the configured SMTP server; one connection per message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> Sent:
        s = self.settings
        try:
            if s.smtp_security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=s.smtp_timeout,
                    context=self._tls(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            with smtp:
                if s.smtp_security == "starttls":
                    smtp.starttls(context=self._tls())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return _reply(codes[0] if codes else None, "SMTPRecipientsRefused")
        except smtplib.SMTPDataError as exc:
            return _reply(exc.smtp_code, type(exc).__name__)
        except smtplib.SMTPResponseException as exc:  # a refused login or sender: ours to fix
            return Sent("retry", exc.smtp_code, f"{type(exc).__name__} {exc.smtp_code}")
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, dropped, TLS
            return Sent("retry", None, type(exc).__name__)
        if refused:  # only with several recipients; a delivery has one
            code, _ = next(iter(refused.values()))
            return _reply(code, "SMTPRecipientsRefused")
        return DELIVERED

    def _tls(self) -> ssl.SSLContext:
        """The server's certificate is verified — against ``SMTP_CA_FILE`` if set — and must
        name the configured host."""
        return ssl.create_default_context(cafile=self.settings.smtp_ca_file or None)


def _reply(code: int | None, kind: str) -> Sent:
    permanent = code is not None and 500 <= code < 600
    return Sent("failed" if permanent else "retry", code, f"{kind} {code}")
