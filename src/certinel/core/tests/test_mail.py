"""The demo's mail on the terminal: readable headers (a Chinese subject as written, not
base64) and the plain-text body."""

from __future__ import annotations

import io

from django.core.mail import EmailMultiAlternatives

from certinel.core.mail import EmailBackend


def test_a_chinese_message_reads_as_written():
    out = io.StringIO()
    message = EmailMultiAlternatives("【质量认证信息公开平台】证书状态变为“暂停”",
                                     "证书编号：00126Q07707R0M\n现在的状态：暂停", "certinel@localhost",
                                     ["buyer@certinel.example"])
    message.attach_alternative("<p>html</p>", "text/html")
    assert EmailBackend(stream=out).send_messages([message]) == 1
    text = out.getvalue()
    assert "Subject: 【质量认证信息公开平台】证书状态变为“暂停”" in text
    assert "To: buyer@certinel.example" in text and "现在的状态：暂停" in text
    assert "=?utf-8?" not in text and "<p>" not in text
