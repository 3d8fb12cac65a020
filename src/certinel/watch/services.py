"""Every write to watchlists, with its history. A user acts only on their own watchlists:
anyone else's is answered as if it did not exist (NotFound), so that ids reveal nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, NotFound, NotPermitted, ValidationFailed
from certinel.core.history import change_record, record_change, record_changes, snapshot
from certinel.core.services import lock

from . import webhooks
from .io import CodeFile, normalise, uscc_problem
from .models import WatchItem, Watchlist

MAX_WATCHLISTS = 50
MAX_ITEMS = 20000


def _user(actor: Actor):
    if actor.user is None or not actor.user.is_authenticated:
        raise NotPermitted(_("请先登录。"))
    return actor.user


def _own(actor: Actor, watchlist: Watchlist, *, locked: bool = True) -> Watchlist:
    user = _user(actor)
    current = lock(Watchlist, watchlist.pk) if locked else watchlist
    if current.owner_id != user.pk:
        raise NotFound(_("没有这个关注列表。"))
    return current


def _check_channels(errors: ErrorList, email: str, webhook_url: str) -> None:
    if email:
        try:
            EmailValidator()(email)
        except DjangoValidationError:
            errors.add("email", _("请输入有效的邮箱地址。"))
    if webhook_url:
        if len(webhook_url) > 500:
            errors.add("webhook_url", _("网址最长 500 个字符。"))
        else:
            try:
                webhooks.check_url(webhook_url)
            except webhooks.WebhookRefused as exc:
                errors.add("webhook_url", str(exc), "refused")


def _new_secret(watchlist: Watchlist) -> str:
    """Make, encrypt and set a new signing secret; returns it (shown once)."""
    from certinel.credentials.keycrypt import encrypt_private_key

    secret = "whsec_" + secrets.token_urlsafe(32)
    blob, kek_id = encrypt_private_key(secret.encode(), associated=f"watchlist:{watchlist.pk}")
    watchlist.webhook_secret, watchlist.webhook_secret_kek = blob, kek_id
    return secret


def watchlist_secret(watchlist: Watchlist) -> bytes:
    """The signing secret, decrypted (for sending)."""
    from certinel.credentials.keycrypt import decrypt_private_key

    if not watchlist.webhook_secret:
        raise ValueError(f"Watchlist {watchlist.pk} has no webhook secret.")
    return decrypt_private_key(bytes(watchlist.webhook_secret), kek_id=watchlist.webhook_secret_kek,
                               associated=f"watchlist:{watchlist.pk}")


def watchlist_create(*, actor: Actor, name: str, email: str = "", webhook_url: str = "",
                     language: str | None = None) -> tuple[Watchlist, str | None]:
    """A new watchlist of the acting user; returns it and, with a webhook, its new signing
    secret (shown once)."""
    user = _user(actor)
    name, email, webhook_url = name.strip(), email.strip(), webhook_url.strip()
    errors = ErrorList()
    if not name:
        errors.add("name", _("请给关注列表起个名字，例如“主要供应商”。"), "required")
    _check_channels(errors, email, webhook_url)
    if Watchlist.objects.filter(owner=user, active=True).count() >= MAX_WATCHLISTS:
        errors.add("name", _("每个账号最多 %(n)s 个关注列表。") % {"n": MAX_WATCHLISTS}, "too_many")
    errors.raise_if_any()
    lang = (language or get_language() or "zh-hans")
    lang = "en" if lang.startswith("en") else "zh-hans"
    with transaction.atomic():
        watchlist = Watchlist.objects.create(owner=user, name=name[:100], email=email, webhook_url=webhook_url,
                                             language=lang)
        secret = None
        if webhook_url:
            secret = _new_secret(watchlist)
            watchlist.save(update_fields=["webhook_secret", "webhook_secret_kek"])
        record_change(actor=actor, action="watchlist_created", obj=watchlist, before=None, after=snapshot(watchlist))
    return watchlist, secret


def watchlist_update(*, actor: Actor, watchlist: Watchlist, name: str | None = None, email: str | None = None,
                     webhook_url: str | None = None, language: str | None = None) -> tuple[Watchlist, str | None]:
    """Change a watchlist's name or channels; a webhook set for the first time gets a secret
    (returned, shown once)."""
    errors = ErrorList()
    if name is not None and not name.strip():
        errors.add("name", _("请给关注列表起个名字。"), "required")
    _check_channels(errors, (email or "").strip(), (webhook_url or "").strip())
    if language is not None and language not in ("zh-hans", "en"):
        errors.add("language", _("请选择通知语言。"), "invalid_choice")
    errors.raise_if_any()
    with transaction.atomic():
        current = _own(actor, watchlist)
        before = snapshot(current)
        for attr, value in (("name", name), ("email", email), ("webhook_url", webhook_url), ("language", language)):
            if value is not None:
                setattr(current, attr, value.strip()[:500])
        secret = _new_secret(current) if current.webhook_url and not current.has_secret else None
        current.save()
        after = snapshot(current)
        if after != before:
            record_change(actor=actor, action="watchlist_updated", obj=current, before=before, after=after)
    return current, secret


def watchlist_rotate_secret(*, actor: Actor, watchlist: Watchlist) -> str:
    """A new webhook signing secret (the old one stops working at once); shown once."""
    with transaction.atomic():
        current = _own(actor, watchlist)
        if not current.webhook_url:
            raise ValidationFailed(FieldError("webhook_url", _("请先设置 Webhook 地址。"), "required"))
        secret = _new_secret(current)
        current.save(update_fields=["webhook_secret", "webhook_secret_kek", "updated_at"])
        record_change(actor=actor, action="watchlist_secret_rotated", obj=current, before=None, after=None,
                      reason="webhook secret replaced")
    return secret


def watchlist_set_active(*, actor: Actor, watchlist: Watchlist, active: bool) -> Watchlist:
    """Pause (no notifications) or resume a watchlist. Watchlists are never deleted: their
    notifications and delivery log stay."""
    with transaction.atomic():
        current = _own(actor, watchlist)
        if current.active != active:
            before = snapshot(current)
            current.active = active
            current.save(update_fields=["active", "updated_at"])
            record_change(actor=actor, action="watchlist_resumed" if active else "watchlist_paused", obj=current,
                          before=before, after=snapshot(current))
    return current


def watch_item_add(*, actor: Actor, watchlist: Watchlist, uscc: str, label: str = "") -> WatchItem:
    code = normalise(uscc)
    problem = uscc_problem(code) if code else _("请输入统一社会信用代码。")
    if problem:
        raise ValidationFailed(FieldError("uscc", problem, "invalid_identifier"))
    with transaction.atomic():
        current = _own(actor, watchlist)
        if WatchItem.objects.filter(watchlist=current, uscc=code).exists():
            raise ValidationFailed(FieldError("uscc", _("该供应商已在列表中。"), "duplicate"))
        if WatchItem.objects.filter(watchlist=current).count() >= MAX_ITEMS:
            raise ValidationFailed(FieldError("uscc", _("一个关注列表最多 %(n)s 个供应商。") % {"n": MAX_ITEMS},
                                              "too_many"))
        item = WatchItem.objects.create(watchlist=current, uscc=code, label=label.strip()[:100])
        record_change(actor=actor, action="watch_item_added", obj=item, before=None, after=snapshot(item))
    return item


@dataclass
class ImportResult:
    added: list[WatchItem] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def watch_items_import(*, actor: Actor, watchlist: Watchlist, codes: CodeFile) -> ImportResult:
    """Add the suppliers of a read file (`io.read_codes`): all of them, or none when any row
    is wrong (every wrong row is reported with its number). Codes already on the list are
    left as they are."""
    result = ImportResult(errors=list(codes.errors))
    if result.errors:
        return result
    with transaction.atomic():
        current = _own(actor, watchlist)
        existing = set(WatchItem.objects.filter(watchlist=current).values_list("uscc", flat=True))
        fresh = [r for r in codes.rows if r.uscc not in existing]
        result.already = [r.uscc for r in codes.rows if r.uscc in existing]
        if len(existing) + len(fresh) > MAX_ITEMS:
            result.errors.append(FieldError("file", _("一个关注列表最多 %(n)s 个供应商。") % {"n": MAX_ITEMS},
                                            "too_many"))
            return result
        WatchItem.objects.bulk_create([WatchItem(watchlist=current, uscc=r.uscc, label=r.label) for r in fresh])
        items = list(WatchItem.objects.filter(watchlist=current, uscc__in=[r.uscc for r in fresh]))
        record_changes([change_record(actor=actor, action="watch_item_added", obj=item, before=None,
                                      after=snapshot(item), reason="file import") for item in items])
        result.added = items
    return result


def watch_item_remove(*, actor: Actor, watchlist: Watchlist, item: WatchItem) -> None:
    with transaction.atomic():
        current = _own(actor, watchlist)
        row = WatchItem.objects.filter(pk=item.pk, watchlist=current).first()
        if row is None:
            raise NotFound(_("该供应商不在这个关注列表中。"))
        record_change(actor=actor, action="watch_item_removed", obj=row, before=snapshot(row), after=None)
        row.delete()


def watchlist_send_test(*, actor: Actor, watchlist: Watchlist) -> int:
    """Send a test notification through the watchlist's channels (to check the settings);
    returns how many deliveries were made."""
    from django.utils import timezone

    from .notify import dispatch_new, notify

    current = _own(actor, watchlist, locked=False)
    payload = {"type": "test", "event": "test", "sent_for": actor.label,
               "watchlist": {"id": current.pk, "name": current.name}, "created_at": timezone.now().isoformat()}
    deliveries = notify(current, event="test", payload=payload)
    dispatch_new([delivery.pk for delivery in deliveries])
    return len(deliveries)
