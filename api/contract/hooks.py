"""What the API's OpenAPI document states in words rather than in JSON Schema, told to the contract
tester so that every request it calls valid really is valid:

- `format: phone`: a phone number as a person would type it (E.164, or national for the default region),
  judged by libphonenumber; a string that merely looks like digits may still be no number at all.
- cross-field rules that JSON Schema cannot state (a window ends after it starts; an exclusion names
  exactly one of `mobile` and `match`); the API answers them with 422, covered by the route tests;
- identifiers a body refers to exist only once created: the seeded setup's ids are put in their place.
"""
import schemathesis
from hypothesis import strategies as st

VALID_PHONES = [
    "+14155552671",
    "+442071838750",
    "+919876543210",
    "+61291234567",
    "+4930123456",
    "9876543210",
    "+1 (415) 555-2671",
]

schemathesis.openapi.format("phone", st.sampled_from(VALID_PHONES))


def _minutes(hhmm):
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _present(value):
    return value is not None and not (isinstance(value, str) and value.strip() == "")


@schemathesis.hook
def filter_body(ctx, body):
    if not isinstance(body, dict):
        return True
    # The exclude route takes exactly one of `mobile` and `match` (a null or blank one counts as absent).
    if "campaign_id" in body and ("mobile" in body or "match" in body) and "metadata" not in body:
        if _present(body.get("mobile")) == _present(body.get("match")):
            return False
    for key in ("window", "recipient_hours"):
        window = body.get(key)
        if isinstance(window, dict):
            start, end = window.get("start"), window.get("end")
            if isinstance(start, str) and isinstance(end, str) and _minutes(end) <= _minutes(start):
                return False
    return True
