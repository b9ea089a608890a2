"""Sealing an export file to its recipients' age keys, or refusing a plain file unless
the person exporting confirmed the warning."""

from __future__ import annotations

from collections.abc import Sequence

from crypto import KeyFormatError, parse_recipient, seal
from intake.errors import N_, IntakeError

#: At most this many recipients per file.
MAX_RECIPIENTS = 20


class ExportRecipientError(IntakeError):
    """A recipient key is not a valid age X25519 recipient."""


class PlainExportNotConfirmedError(IntakeError):
    """No recipient key was given and writing an unencrypted file was not confirmed."""

    status = 409


class SecretKeyGivenError(ExportRecipientError):
    """An age secret key was given where a recipient (public) key belongs: it is neither
    kept nor shown again, and the field that held it is emptied."""


def parse_recipients(text: str | Sequence[str]) -> list[str]:
    """Recipient strings (one per line or in a list), each checked; duplicates dropped."""
    items = text.split() if isinstance(text, str) else [item.strip() for item in text]
    recipients = list(dict.fromkeys(item for item in items if item))
    if len(recipients) > MAX_RECIPIENTS:
        raise ExportRecipientError(
            N_("At most %(count)s recipient keys can be given."), count=MAX_RECIPIENTS
        )
    for recipient in recipients:
        if recipient.upper().startswith("AGE-SECRET-KEY-"):
            raise SecretKeyGivenError(
                N_(
                    "A secret key (AGE-SECRET-KEY-...) was given where a public key "
                    "belongs. It was not kept, and it is not shown here; give the public "
                    "key, which starts with age1, and keep the secret key with its owner "
                    "alone."
                )
            )
        try:
            parse_recipient(recipient)
        except KeyFormatError:
            raise ExportRecipientError(
                N_("%(key)s is not an age recipient key (age1...)."), key=recipient[:80]
            ) from None
    return recipients


def seal_export(data: bytes, recipients: Sequence[str], *, allow_plain: bool) -> tuple[bytes, bool]:
    """``data`` sealed to ``recipients`` (True), or as it is (False) only if
    ``allow_plain`` confirms the warning that an unencrypted file can be read by anyone
    who gets hold of it."""
    if recipients:
        return seal(data, list(recipients)), True
    if not allow_plain:
        raise PlainExportNotConfirmedError(
            N_(
                "No recipient key was given. An unencrypted file can be read by anyone "
                "who gets hold of it: give the partner's age key, or confirm that you "
                "want a plain file."
            )
        )
    return data, False
