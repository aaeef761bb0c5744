"""The names the event log stores its events under never change when code moves.

A stored event names its class by a topic (``module:Class.Event``). Moving a class
without keeping its topic would leave every stored event of it undecodable: cases,
the ledger and ``verify`` would all fail on the existing record. So the topics are
written out on the classes (``TOPIC``), and this list is the record of what has been
stored: a topic may be added here, never changed or removed.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic, resolve_topic

from service.application.idempotency import RememberedRequest
from service.domain.case import CASE_TOPICS, Case
from service.domain.child_index import ChildIndex

CASE = "service.domain.case:Case"
STORED = {
    f"{CASE}.CaseOpened": Case.CaseOpened,
    f"{CASE}.LocalReferenceRecorded": Case.LocalReferenceRecorded,
    f"{CASE}.AssessmentCompleted": Case.AssessmentCompleted,
    f"{CASE}.TransferProposed": Case.TransferProposed,
    f"{CASE}.InformationShared": Case.InformationShared,
    f"{CASE}.InformationReceiptConfirmed": Case.InformationReceiptConfirmed,
    f"{CASE}.TransferDateProposed": Case.TransferDateProposed,
    f"{CASE}.TransferDateAgreed": Case.TransferDateAgreed,
    f"{CASE}.ResponsibilityAccepted": Case.ResponsibilityAccepted,
    f"{CASE}.TransferDeclined": Case.TransferDeclined,
    f"{CASE}.TransferWithdrawn": Case.TransferWithdrawn,
    f"{CASE}.CaseClosed": Case.CaseClosed,
    f"{CASE}.StrategyDiscussionConvened": Case.StrategyDiscussionConvened,
    f"{CASE}.StrategyOutcomeRecorded": Case.StrategyOutcomeRecorded,
    f"{CASE}.MinutesCirculated": Case.MinutesCirculated,
    f"{CASE}.MinutesAcknowledged": Case.MinutesAcknowledged,
    f"{CASE}.DissentRecorded": Case.DissentRecorded,
    f"{CASE}.DissentWithdrawn": Case.DissentWithdrawn,
    f"{CASE}.ProfessionalDifferenceRaised": Case.ProfessionalDifferenceRaised,
    f"{CASE}.DifferenceResponded": Case.DifferenceResponded,
    f"{CASE}.DifferenceEscalated": Case.DifferenceEscalated,
    f"{CASE}.DifferenceResolutionRecorded": Case.DifferenceResolutionRecorded,
    f"{CASE}.DifferenceClosedUnresolved": Case.DifferenceClosedUnresolved,
    f"{CASE}.OpenMattersNamed": Case.OpenMattersNamed,
    "service.domain.child_index:ChildIndex.Started": ChildIndex.Started,
    "service.domain.child_index:ChildIndex.CaseOpened": ChildIndex.CaseOpened,
    "service.domain.child_index:ChildIndex.CaseClosed": ChildIndex.CaseClosed,
    "service.idempotency:RememberedRequest.Remembered": RememberedRequest.Remembered,
}
AGGREGATES = {
    CASE: Case,
    "service.domain.child_index:ChildIndex": ChildIndex,
    "service.idempotency:RememberedRequest": RememberedRequest,
}


def test_every_stored_topic_resolves_to_its_class() -> None:
    for topic, cls in {**STORED, **AGGREGATES}.items():
        assert resolve_topic(topic) is cls


def test_every_class_is_still_written_under_its_stored_topic() -> None:
    for topic, cls in {**STORED, **AGGREGATES}.items():
        assert get_topic(cls) == topic


def test_the_case_topics_the_log_readers_filter_on_are_every_case_event() -> None:
    assert sorted(CASE_TOPICS) == sorted(t for t in STORED if t.startswith(CASE + "."))
