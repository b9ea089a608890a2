"""Russian rules: patronymics (-ович, -овна) and family-name endings (-ов, -ева)."""

from __future__ import annotations

import re

# After fold(): -ovich/-evich/-ovna/-evna and their Czech/Slovak forms (-ovič becomes
# -ovich through fold, plain -ovic is what is left when the caron is lost).
PATRONYMIC = re.compile(r"^(?P<stem>[a-z]{3,}?)(?:ovich|evich|ovna|evna|ovic|evic|ovitch|ichna)$")

# Russified family names add -ov/-ev (-ova/-eva for women) to a Turkic name, written
# -yev/-jev after a vowel; Lithuanian adds -as. Stripped so that Zakirov meets Zakir
# and Tokayev meets 托卡耶夫. The stem must keep three letters.
FAMILY = re.compile(
    r"^(?P<stem>[a-z]{3,}?)(?:ov|ova|ev|eva|yev|yeva|jev|jeva|ovas|evas|jevas|yevas|of|off)$"
)
