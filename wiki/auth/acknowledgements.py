"""Being named in the acknowledgements of published editions: a consent of its own, recorded.

Separate from the perspectives consent (DESIGN §4): a person may show a perspective on comments yet
not want their name printed in a public document, or the other way round. Each change is kept as a
ConsentRecord with the wording shown, as for perspectives. Listing someone under a perspective
("Lived experience: Sam") needs a further tick, and is possible only while the perspectives consent
stands (without it no perspective is stored at all).
"""

from wiki.auth.models import ConsentRecord, User
from wiki.documents.text import single_line
from wiki.errors import InvalidInput

PURPOSE = "acknowledgements"
ORGANISATION_MAX = 120
WORDING = (
    "I agree that my display name, and my organisation if I give one, may be printed in the "
    "acknowledgements of documents I helped write or commented on, when they are published. Which "
    "comments are mine is never shown. A published edition cannot be changed afterwards, so "
    "withdrawing applies to editions published from then on."
)
PERSPECTIVES_WORDING = (
    "If I give no organisation, list me under the first of my perspectives (for example “Lived "
    "experience”) rather than among individual contributors."
)


def clean_organisation(value: str) -> str:
    organisation = single_line(value)
    if len(organisation) > ORGANISATION_MAX:
        raise InvalidInput(f"Enter an organisation of up to {ORGANISATION_MAX} characters.")
    return organisation


def update_acknowledgement(session, user: User, organisation: str, consent: bool, with_perspectives: bool) -> None:
    """Set the organisation and the acknowledgement choices; the caller commits.

    A change of either choice is recorded with the wording the person saw. Without consent the
    perspectives choice is off too, so a later consent starts from the plain default.
    """
    organisation = clean_organisation(organisation)
    with_perspectives = bool(consent and with_perspectives)
    if consent != user.acknowledge_consent or with_perspectives != user.acknowledge_perspectives:
        wording = WORDING + (" " + PERSPECTIVES_WORDING if with_perspectives else "")
        session.add(ConsentRecord(user_id=user.id, purpose=PURPOSE, granted=consent, wording=wording,
                                  perspectives=list(user.perspectives or []) if with_perspectives else []))
    user.organisation = organisation
    user.acknowledge_consent = consent
    user.acknowledge_perspectives = with_perspectives
    session.flush()
