"""eventsourcing's AES-GCM cipher, with its key schedule made once rather than per event.

``eventsourcing.cryptography.AESCipher`` builds a new ``AESGCM`` from the key for every
payload it encrypts or decrypts: about half of the cost of decrypting an event, so of
a case's first read (a thousand events: 8 of 16 ms) and of every save. ``AESGCM``
holds only the key and is safe to share between threads, so ``KeptKeyAESCipher``
builds it once. The stored format is the library's, byte for byte (nonce, tag,
ciphertext): a log written by either class is read by the other.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

TOPIC = f"{__name__}:KeptKeyAESCipher"

NONCE_BYTES = 12
TAG_BYTES = 16


class KeptKeyAESCipher(AESCipher):
    """``AESCipher`` with one ``AESGCM`` for the process's key."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self._aesgcm = AESGCM(self.key)

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = self.random_bytes(NONCE_BYTES)
        sealed = self._aesgcm.encrypt(nonce, plaintext, None)
        return nonce + sealed[-TAG_BYTES:] + sealed[:-TAG_BYTES]  # the tag first, as stored

    def decrypt(self, ciphertext: bytes) -> bytes:
        nonce = ciphertext[:NONCE_BYTES]
        if len(nonce) != NONCE_BYTES:
            raise ValueError("Damaged cipher text: invalid nonce length")
        tag = ciphertext[NONCE_BYTES : NONCE_BYTES + TAG_BYTES]
        if len(tag) != TAG_BYTES:
            raise ValueError("Damaged cipher text: invalid tag length")
        try:
            return self._aesgcm.decrypt(nonce, ciphertext[NONCE_BYTES + TAG_BYTES :] + tag, None)
        except InvalidTag as error:
            raise ValueError("Invalid cipher tag") from error
