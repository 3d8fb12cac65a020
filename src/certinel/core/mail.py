"""Mail for a machine without a mail server (the demo, development): each message is printed
on the terminal as a person reads it, its headers decoded (Django's console backend prints the
MIME form, where a Chinese subject is base64)."""

from __future__ import annotations

import email.header

from django.core.mail.backends.console import EmailBackend as ConsoleBackend

SHOWN = ("Subject", "From", "To", "Cc", "Date")


def _decoded(value: str) -> str:
    return str(email.header.make_header(email.header.decode_header(value)))


class EmailBackend(ConsoleBackend):
    def write_message(self, message) -> None:  # type: ignore[no-untyped-def]
        msg = message.message()
        for name in SHOWN:
            if msg[name]:
                self.stream.write(f"{name}: {_decoded(str(msg[name]))}\n")
        self.stream.write("\n")
        for part in msg.walk():
            if part.get_content_type() == "text/plain" and not part.is_multipart():
                payload = part.get_payload(decode=True) or b""
                self.stream.write(payload.decode(part.get_content_charset() or "utf-8", "replace").rstrip() + "\n")
                break
        self.stream.write("-" * 79 + "\n")
