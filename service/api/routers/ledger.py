"""GET /v1/ledger/checkpoint and /v1/ledger/keys: proofs of the record partners can keep."""

from __future__ import annotations

from ..deps import CurrentActor, Ledger
from ..errors import problem_responses
from ..operations import api_router
from ..schemas import LedgerCheckpoint, LedgerKey, LedgerKeys

router = api_router(prefix="/v1/ledger", tags=["ledger"])


@router.get("/checkpoint", response_model=LedgerCheckpoint, responses=problem_responses(403))
def checkpoint(actor: CurrentActor, ledger: Ledger) -> LedgerCheckpoint:
    """The ledger's chain hash over every event recorded before this request, signed.

    Keep the checkpoints you are given: with the service's public key (``/v1/ledger/keys``)
    anyone can check the signature, and ``case-transfer verify --checkpoint`` proves
    the record still matches one. Authorities and auditors; a MASH gets 403
    (``ledger-not-for-mash``). 503 ``read-models-behind`` if the ledger cannot catch up
    in time.
    """
    return LedgerCheckpoint.of(ledger.issue(actor))


@router.get("/keys", response_model=LedgerKeys, responses=problem_responses())
def keys(actor: CurrentActor, ledger: Ledger) -> LedgerKeys:
    """The Ed25519 public keys checkpoints are signed with: the current one, and retired
    ones that signed earlier checkpoints."""
    return LedgerKeys(items=[LedgerKey.of(key) for key in ledger.published_keys()])
