"""The outbox messages alerts cause, built here and saved by the services: the link that
confirms a subscription, and an alert for each recipient, spaced to the channel's rate."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string

from publica.accounts.selectors import organisation_get
from publica.alerts import links, rules, selectors
from publica.alerts.models import Alert, AlertChannel, AlertSubscription
from publica.notify.models import Message

__all__ = ["alert_messages", "confirmation"]

#: Replaced by each recipient's own manage link after rendering a message once.
_LINK = "__publica_alert_manage_link__"


def alert_messages(
    alert: Alert, recipients: list[selectors.Recipient], now: dt.datetime
) -> list[Message]:
    """One message to each recipient, each channel rendered once and given each recipient's
    own manage link; the k-th message of a channel is due k * 60 / rate seconds after the
    channel's first free slot (now, or just after the last alert message still waiting)."""
    step = dt.timedelta(seconds=rules.rate_spacing(settings.PUBLICA_ALERT_RATE_PER_MINUTE))
    context = {
        "alert": alert,
        "topic": alert.get_topic_display(),
        "area": alert.area_text,
        "organisation": _organisation_name(),
        "manage_url": _LINK,
    }
    subject = f"{context['topic']}: {alert.title}"
    text = render_to_string("alerts/alert_email.txt", context)
    html = render_to_string("alerts/alert_email.html", context)
    sms = render_to_string("alerts/alert_sms.txt", context).strip()
    queued: dict[str, int] = {}
    starts: dict[str, dt.datetime] = {}
    messages = []
    for recipient in recipients:
        channel = recipient.channel
        if channel not in starts:
            latest = selectors.last_alert_slot(channel=channel, after=now)
            starts[channel] = latest + step if latest else now
        k = queued.get(channel, 0)
        queued[channel] = k + 1
        link = links.manage_url(recipient.subscription_id)
        email = channel == AlertChannel.EMAIL
        messages.append(Message(
            channel=channel, kind=selectors.ALERT_KIND, recipient=recipient.address,
            subject=subject if email else "",
            text=(text if email else sms).replace(_LINK, link),
            html=html.replace(_LINK, link) if email else "",
            essential=False, next_attempt_at=starts[channel] + k * step, created_at=now,
        ))  # fmt: skip
    return messages


def confirmation(subscription: AlertSubscription, now: dt.datetime) -> Message:
    """The message with the link that starts a subscription."""
    context = {
        "subscription": subscription,
        "organisation": _organisation_name(),
        "confirm_url": links.confirm_url(subscription.pk),
        "days": links.CONFIRM_DAYS,
    }
    email = subscription.channel == AlertChannel.EMAIL
    return Message(
        channel=subscription.channel, kind="alert.confirm", recipient=subscription.address,
        subject=f"Confirm your alerts from {context['organisation']}" if email else "",
        text=render_to_string(f"alerts/confirm_{'email' if email else 'sms'}.txt", context).strip(),
        html=render_to_string("alerts/confirm_email.html", context) if email else "",
        essential=True,  # asked for just now: an opt-out of other messages does not stop it
        next_attempt_at=now, created_at=now,
    )  # fmt: skip


def _organisation_name() -> str:
    organisation = organisation_get()
    return organisation.name if organisation else "Publica"
