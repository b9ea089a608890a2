"""Passphrase key derivation with Argon2id (RFC 9106).

Protects against: offline guessing of a passphrase from a stolen keyring, by making
each guess cost a calibrated amount of memory and time.
Does not protect against: a weak passphrase guessed in few tries, or a passphrase
captured by a keylogger or coerced from its holder.
"""

from __future__ import annotations

import os
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from crypto.encoding import b64decode, b64encode
from crypto.errors import KeyFormatError

#: The floor DESIGN.md sets for stored keys: 64 MiB of memory per guess.
MIN_MEMORY_KIB = 64 * 1024
#: A ceiling, so an edited keyring cannot make unlocking exhaust memory (4 GiB).
MAX_MEMORY_KIB = 4 * 1024 * 1024
#: The iteration floor of every new keyring, whatever the machine's load while it is
#: calibrated. RFC 9106 section 4 recommends t=3 at 64 MiB as a uniformly safe choice;
#: calibration used to start there, so a machine busy at that moment gave t=3 or 4 where
#: an idle one gave t=13. The floor is twice the RFC's value: on a two-core laptop an
#: unlock then costs at least about 0.2 s, and an offline guesser at least 6 passes
#: over 64 MiB per guess. Unlocking is unaffected: stored parameters are checked by
#: their memory floor, so keyrings made with t=3 keep opening.
MIN_CALIBRATED_ITERATIONS = 6
#: The time one derivation should take on the machine that creates the keyring.
TARGET_SECONDS = 0.5
KEY_LENGTH = 32
SALT_LENGTH = 16
_MAX_ITERATIONS = 64
_LANES = 4


@dataclass(frozen=True)
class Argon2idParams:
    """Argon2id cost parameters and salt, stored beside what they protect.

    Construction refuses a memory cost below ``minimum_memory_kib`` (64 MiB unless a
    test lowers it explicitly), so a keyring can never be made or opened with weak
    parameters by accident.
    """

    salt: bytes
    memory_kib: int
    iterations: int
    lanes: int

    @classmethod
    def create(
        cls,
        *,
        memory_kib: int,
        iterations: int,
        lanes: int = _LANES,
        salt: bytes | None = None,
        minimum_memory_kib: int = MIN_MEMORY_KIB,
    ) -> Argon2idParams:
        """Check and return parameters; a fresh random salt is drawn unless one is given."""
        salt = os.urandom(SALT_LENGTH) if salt is None else salt
        if len(salt) < SALT_LENGTH:
            raise KeyFormatError("Argon2id salt is too short")
        if not 1 <= lanes <= 255 or not 1 <= iterations <= _MAX_ITERATIONS:
            raise KeyFormatError("Argon2id lanes or iterations out of range")
        if memory_kib < max(minimum_memory_kib, 8 * lanes):
            raise KeyFormatError("Argon2id memory cost is below the allowed minimum")
        if memory_kib > MAX_MEMORY_KIB:
            raise KeyFormatError("Argon2id memory cost is above the allowed maximum")
        return cls(salt=salt, memory_kib=memory_kib, iterations=iterations, lanes=lanes)

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage (JSON-safe)."""
        return {
            "algorithm": "argon2id",
            "salt": b64encode(self.salt),
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], *, minimum_memory_kib: int = MIN_MEMORY_KIB
    ) -> Argon2idParams:
        """Parse stored parameters, refusing unknown algorithms and weak costs."""
        try:
            if data["algorithm"] != "argon2id":
                raise KeyFormatError("unknown key derivation algorithm")
            return cls.create(
                salt=b64decode(data["salt"]),
                memory_kib=int(data["memory_kib"]),
                iterations=int(data["iterations"]),
                lanes=int(data["lanes"]),
                minimum_memory_kib=minimum_memory_kib,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFormatError("malformed Argon2id parameters") from exc

    def derive(self, passphrase: str) -> bytes:
        """Derive a 256-bit key from ``passphrase``.

        The passphrase is normalised to Unicode NFC first, so the same words typed on
        a different keyboard layout (composed or decomposed letters such as Ә or й)
        give the same key.
        """
        if not passphrase:
            raise KeyFormatError("the passphrase is empty")
        passphrase = unicodedata.normalize("NFC", passphrase)
        kdf = Argon2id(
            salt=self.salt,
            length=KEY_LENGTH,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(passphrase.encode("utf-8"))


def calibrate(
    *,
    target_seconds: float = TARGET_SECONDS,
    memory_kib: int = MIN_MEMORY_KIB,
    minimum_memory_kib: int = MIN_MEMORY_KIB,
) -> Argon2idParams:
    """Choose Argon2id iterations so one derivation takes about ``target_seconds`` here.

    Memory stays at ``memory_kib`` (64 MiB by default); iterations start at
    :data:`MIN_CALIBRATED_ITERATIONS` and only grow, so a loaded machine never makes
    a keyring cheaper than that fixed floor. Iterations are measured, not
    extrapolated from one pass, because a pass's cost is not linear (allocating the
    memory is a fixed part): up to four measured rounds, stopping within 80% of the
    target or at the maximum. Tests lower the cost only by passing smaller
    ``memory_kib`` and ``minimum_memory_kib`` explicitly.
    """

    def measure(iterations: int) -> float:
        probe = Argon2idParams.create(
            memory_kib=memory_kib, iterations=iterations, minimum_memory_kib=minimum_memory_kib
        )
        start = time.perf_counter()
        probe.derive("calibration")
        return max(time.perf_counter() - start, 1e-6)

    iterations, rounds = MIN_CALIBRATED_ITERATIONS, 1
    elapsed = measure(iterations)
    while elapsed < 0.8 * target_seconds and iterations < _MAX_ITERATIONS and rounds < 4:
        estimate = round(iterations * target_seconds / elapsed)
        iterations = min(_MAX_ITERATIONS, max(iterations + 1, estimate))
        elapsed = measure(iterations)
        rounds += 1
    return Argon2idParams.create(
        memory_kib=memory_kib, iterations=iterations, minimum_memory_kib=minimum_memory_kib
    )
