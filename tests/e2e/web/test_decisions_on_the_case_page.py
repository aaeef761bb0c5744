"""The case page shows the decisions on the record: each discussion's outcome, whether it
is disputed, the minutes and acknowledgements as a checklist and who was not invited;
each professional difference's stage, who holds it, when it is due and if it stalled."""

from __future__ import annotations

import re

from tests.e2e.api.decision_support import (
    INVITED,
    circulate,
    convene,
    differences_url,
    discussions_url,
    dissent,
    hold,
    raise_difference,
)
from tests.e2e.api.support import Api

from .support import Staff, text


def _checklist(html: str) -> dict[str, str]:
    items = re.findall(r'data-agency-status="([\w ]+)">(.*?)</li>', html, flags=re.S)
    return {text(body).split(" Minutes")[0].split(" Disagrees")[0]: s for s, body in items}


def test_the_case_page_shows_each_discussion_and_difference(staff: Staff, api: Api) -> None:
    case_id = api.open_case()["case_id"]
    discussion_id = convene(api, case_id, invited=INVITED[:2]).json()["discussion_id"]
    hold(api, case_id, discussion_id, outcome="no-further-action")
    circulate(api, case_id, discussion_id, to=["police-avon-somerset", "hospital-musgrove"])
    dissent(api, case_id, discussion_id)
    api.police.post(discussions_url(case_id, discussion_id, "acknowledgements"), json={})
    url = differences_url(case_id, raise_difference(api, case_id).json()["difference_id"])
    api.hospital.post(f"{url}/escalation", json={"held_by": "Named doctor", "reason": "Stuck."})
    api.clock.advance(days=10)

    html = staff.signed_in().get(f"/mash/cases/{case_id}").text
    page = text(html)
    assert "Decisions on the record" in page
    assert "Not invited: the child's GP (Working Together 2023 expects them)" in page
    assert "Outcome No further action (decided at the discussion held" in page
    assert "Disputed" in page
    assert "Minutes sent to every agency invited or attending" in page
    assert _checklist(html) == {
        "Avon and Somerset Police": "Acknowledged",
        "Musgrove Park Hospital": "Dissented",
    }
    assert "Musgrove Park Hospital: We left believing a section 47 enquiry would start." in page
    found = re.search(r'<tr class="govuk-table__row" id="difference-.*?</tr>', html, re.S)
    assert found is not None, "no difference on the page"
    row = text(found.group(0))
    assert "Raised by Musgrove Park Hospital; responded by Somerset (933)" in row
    assert "Stage 2: managers" in row and "Named doctor" in row
    assert "Open Stalled Overdue" in row


def test_a_case_without_decisions_has_no_such_section(staff: Staff, api: Api) -> None:
    case_id = api.open_case()["case_id"]
    assert "Decisions on the record" not in staff.signed_in().get(f"/mash/cases/{case_id}").text
