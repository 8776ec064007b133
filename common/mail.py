"""Sending e-mail over SMTP (aiosmtplib): a letter with a plain-text body, an HTML alternative and images
the HTML shows inline (``cid:``). Whether a failure is worth retrying is the SMTP server's word: a 5xx reply
is permanent, anything else (a 4xx, a refused or dropped connection, a timeout) is tried again later."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal

import aiosmtplib

__all__ = ["Letter", "MailError", "Mailer"]


@dataclass(frozen=True)
class Letter:
    recipient: str
    subject: str
    text: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)
    """PNG images by content id; the HTML names each as ``cid:<id>``."""


class MailError(Exception):
    def __init__(self, detail: str, *, permanent: bool):
        super().__init__(detail)
        self.detail, self.permanent = detail, permanent


class Mailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: Literal["starttls", "tls", "none"] = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ):
        self.host, self.port, self.sender, self.security = host, port, sender, security
        self.username, self.password, self.timeout = username, password, timeout

    def message(self, letter: Letter) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, letter.recipient, letter.subject
        message["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1].strip("> ") or None)
        message.set_content(letter.text)
        message.add_alternative(letter.html, subtype="html")
        html = message.get_body(preferencelist=("html",))
        assert html is not None
        for cid, png in letter.images.items():
            html.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>")
        return message

    async def send(self, letter: Letter) -> None:
        try:
            await aiosmtplib.send(
                self.message(letter),
                hostname=self.host,
                port=self.port,
                use_tls=self.security == "tls",
                start_tls=True if self.security == "starttls" else False,
                username=self.username,
                password=self.password,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as err:
            codes = [refusal.code for refusal in err.recipients]
            detail = "; ".join(f"{r.code} {r.message}" for r in err.recipients)
            raise MailError(f"the server refused the address: {detail}", permanent=min(codes) >= 500) from err
        except aiosmtplib.SMTPResponseException as err:
            raise MailError(
                f"the server answered {err.code} {err.message}", permanent=err.code >= 500
            ) from err
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as err:
            raise MailError(f"the mail server could not be reached: {err}", permanent=False) from err
