"""PURE list of self-declared perspectives and the consent wording shown beside them."""

PERSPECTIVES = {
    "lived_experience": "Lived experience",
    "carer": "Carer",
    "practitioner": "Practitioner",
    "voluntary_sector": "Voluntary or community sector",
    "statutory": "Statutory or commissioner",
    "other": "Other",
}

CONSENT_WORDING = (
    "I agree that the perspectives I have ticked may be stored and shown next to my comments "
    "when I choose. I can change or withdraw this at any time."
)


def clean_perspectives(keys: list[str]) -> list[str]:
    """Known keys only, in the canonical order, without duplicates."""
    wanted = set(keys)
    return [key for key in PERSPECTIVES if key in wanted]


def label(key: str) -> str:
    return PERSPECTIVES.get(key, key)
