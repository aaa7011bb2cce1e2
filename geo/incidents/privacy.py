"""Personal data kept out of public text: reporters' names, phone numbers, e-mail, ID numbers."""

from __future__ import annotations

import re

MASK = "***"
# A name this short would blank ordinary words; shorter phone fragments are not numbers.
MIN_NAME_CHARS = 2
MIN_PHONE_CHARS = 5
_CONTACTS = re.compile(
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"  # e-mail (ASCII: 邮箱abc@… keeps 邮箱)
    r"|(?<!\d)\d{17}[\dXx](?![\dXx])"  # resident ID card
    r"|(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)"  # mobile
    r"|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"  # landline with area code
)


def mask_contacts(text: str) -> str:
    """`text` with phone numbers, e-mail addresses and ID-card numbers replaced by ***."""
    return _CONTACTS.sub(MASK, text)


def public_description(text: str, reporter_name: str | None, reporter_phone: str | None) -> str:
    """A description fit for the public: the reporter's own name and phone and any contact masked."""
    for value, shortest in ((reporter_phone, MIN_PHONE_CHARS), (reporter_name, MIN_NAME_CHARS)):
        if value and len(value.strip()) >= shortest:
            text = text.replace(value.strip(), MASK)
    return mask_contacts(text)
