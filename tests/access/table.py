"""Who may use each URL, and what everyone else gets: the access table the generated tests
check. Read it as "for this URL and method, this principal gets this answer".

Keys are URL names (`namespace:name`) and, for the REST API, its operations
(`METHOD /api/v1/path`). Outcomes are a status code, or a `Redirect` whose target starts
with the given path (`{reference}` and the like are filled from the test world).

Principals (see world.py): anonymous; the resident who owns the case the URL names and
another resident; a caseworker of another department; the case department's caseworker and
supervisor; a service designer; an admin; an auditor. APIs: no key; a signed-in resident
without a key; a key without the needed scope; a key of another department; the right key;
an organisation-wide key.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.access.world import (
    ADMIN,
    ANONYMOUS,
    AUDITOR,
    CASEWORKER,
    CASEWORKER_OTHER_DEPARTMENT,
    KEY,
    KEY_ORGANISATION,
    KEY_OTHER_DEPARTMENT,
    KEY_WITHOUT_SCOPE,
    NO_KEY,
    OTHER_RESIDENT,
    OWNER,
    SERVICE_DESIGNER,
    SIGNED_IN_RESIDENT,
    SUPERVISOR,
    WEB,
)


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location's path starts with `to`."""

    to: str

    def __repr__(self) -> str:
        return f"302 to {self.to}"


Outcome = int | Redirect


@dataclass(frozen=True)
class Rule:
    """Per method, what each principal gets."""

    outcomes: dict[str, dict[str, Outcome]]
    note: str = ""


SIGN_IN = Redirect("/account/sign-in/")
STAFF_SIGN_IN = Redirect("/staff/sign-in/")
OK, CREATED, NO_CONTENT = 200, 201, 204
BAD, UNAUTHORISED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 400, 401, 403, 404, 405
INVALID, CONFLICT = 422, 409

#: Pages everyone gets the same answer from are tried as three very different people.
PUBLIC_SAMPLE = (ANONYMOUS, OWNER, ADMIN)
#: The staff who pass `staff_required` (the service designer has no back office).
BACK_OFFICE = (CASEWORKER_OTHER_DEPARTMENT, CASEWORKER, SUPERVISOR, ADMIN, AUDITOR)


def public(get: Outcome = OK, post: Outcome = NOT_ALLOWED, note: str = "") -> Rule:
    """Open to the world: the same answer for everyone."""
    return Rule(
        {
            "GET": dict.fromkeys(PUBLIC_SAMPLE, get),
            "POST": dict.fromkeys(PUBLIC_SAMPLE, post),
        },
        note,
    )


def staff(
    get: Outcome | dict[str, Outcome] = OK,
    post: Outcome | dict[str, Outcome] = OK,
    *,
    only: tuple[str, ...] = BACK_OFFICE,
    post_only_first: bool = True,
    note: str = "",
    **overrides: Outcome,
) -> Rule:
    """A back-office page: anonymous to the staff sign-in, residents and the service designer
    403, back-office staff not in `only` 403; `overrides` (per principal, both methods)."""
    outcomes: dict[str, dict[str, Outcome]] = {}
    for method, allowed in (("GET", get), ("POST", post)):
        row: dict[str, Outcome] = {
            ANONYMOUS: STAFF_SIGN_IN,
            OWNER: FORBIDDEN,
            OTHER_RESIDENT: FORBIDDEN,
            SERVICE_DESIGNER: FORBIDDEN,
        }
        for principal in BACK_OFFICE:
            given = allowed.get(principal, FORBIDDEN) if isinstance(allowed, dict) else allowed
            row[principal] = given if principal in only else FORBIDDEN
        row.update(overrides)
        if allowed == NOT_ALLOWED and post_only_first:  # require_POST outside: 405 for all
            row = dict.fromkeys(WEB, NOT_ALLOWED)
        outcomes[method] = row
    return Rule(outcomes, note)


def on_case(get: Outcome, post: Outcome, note: str = "") -> Rule:
    """A back-office page of resident A's case (department X): another department's
    caseworker gets 404, so the reference is not confirmed."""
    return staff(get, post, note=note, caseworker_other_department=NOT_FOUND)


def residents_own(get: Outcome, post: Outcome, *, others: Outcome = NOT_FOUND) -> Rule:
    """A portal page of resident A's case: only A; everyone else 404 (anonymous too: the case
    is found by signing in or by reference and email, never confirmed)."""
    outcomes = {}
    for method, mine in (("GET", get), ("POST", post)):
        row: dict[str, Outcome] = dict.fromkeys(WEB, others)
        row[OWNER] = mine
        if mine == NOT_ALLOWED:
            row = dict.fromkeys(WEB, NOT_ALLOWED)
        outcomes[method] = row
    return Rule(outcomes)


def signed_in_resident(get: Outcome, post: Outcome, *, staff_get: Outcome = SIGN_IN) -> Rule:
    """A resident's account page: anonymous to sign in; every resident sees their own."""
    outcomes = {}
    for method, mine in (("GET", get), ("POST", post)):
        row: dict[str, Outcome] = {ANONYMOUS: SIGN_IN, OWNER: mine, OTHER_RESIDENT: mine}
        for principal in (*BACK_OFFICE, SERVICE_DESIGNER):
            row[principal] = staff_get
        if mine == NOT_ALLOWED:
            row = dict.fromkeys(WEB, NOT_ALLOWED)
        outcomes[method] = row
    return Rule(outcomes)


def api(method: str, allowed: Outcome, *, scoped: bool = True, department: Outcome = OK) -> Rule:
    """A REST operation: no key (a portal session does not count) 401; a key without the
    scope 403; another department's key gets `department` (404 for a case of X)."""
    row: dict[str, Outcome] = {
        NO_KEY: UNAUTHORISED,
        SIGNED_IN_RESIDENT: UNAUTHORISED,
        KEY_WITHOUT_SCOPE: FORBIDDEN if scoped else allowed,
        KEY_OTHER_DEPARTMENT: department,
        KEY: allowed,
        KEY_ORGANISATION: allowed,
    }
    return Rule({method: row})


def open_api(method: str, outcome: Outcome) -> Rule:
    """A REST operation without a key (the public ledger, the assistant)."""
    return Rule({method: {NO_KEY: outcome, SIGNED_IN_RESIDENT: outcome, KEY: outcome}})


_CASE = "/cases/{reference}/"
_STAFF_CASE = "/staff/cases/{reference}/"

TABLE: dict[str, Rule] = {
    # --- The Django admin: only its front door. Admin needs is_staff (admin, auditor and
    # service designer have it) and a verified second factor.
    "admin:index": Rule(
        {
            "GET": {
                **dict.fromkeys(WEB, Redirect("/admin/login/")),
                SERVICE_DESIGNER: OK,
                ADMIN: OK,
                AUDITOR: OK,
            },
            # A POST from back-office staff meets staff_session's "prove your second factor
            # again" page (200) before the admin's own check, which then sends caseworkers to
            # its login. The service designer (not a back-office role) is not asked again:
            # a product decision for the lead (see docs/access-control.md).
            "POST": {
                **dict.fromkeys(WEB, OK),
                ANONYMOUS: Redirect("/admin/login/"),
                OWNER: Redirect("/admin/login/"),
                OTHER_RESIDENT: Redirect("/admin/login/"),
            },
        }
    ),
    "admin:login": Rule(
        {
            "GET": {
                **dict.fromkeys(WEB, OK),
                SERVICE_DESIGNER: Redirect("/admin/"),
                ADMIN: Redirect("/admin/"),
                AUDITOR: Redirect("/admin/"),
            },
            "POST": dict.fromkeys(PUBLIC_SAMPLE, OK),  # the form again: no credentials sent
        }
    ),
    # --- Operations: health for load balancers and monitoring. Product decision: /metrics is
    # open (no personal data; restrict it at the proxy if wanted).
    "health": public(post=OK),
    "ready": public(post=OK),
    "metrics": public(post=OK, note="open to anyone; a proxy may restrict it"),
    # --- The back office.
    "staff:signin": public(post=OK),
    "staff:verify": Rule(
        {
            method: {
                **dict.fromkeys(WEB, STAFF_SIGN_IN),
                **dict.fromkeys(BACK_OFFICE, OK),
            }
            for method in ("GET", "POST")
        }
    ),
    "staff:enrol": Rule(
        {
            method: {**dict.fromkeys(WEB, STAFF_SIGN_IN), **dict.fromkeys(BACK_OFFICE, OK)}
            for method in ("GET", "POST")
        }
    ),
    "staff:security": staff(post=NOT_ALLOWED),
    "staff:passkey-add": staff(get=NOT_ALLOWED),
    # Removing a passkey first asks for a fresh second factor (200, the re-check page).
    "staff:passkey-remove": staff(get=NOT_ALLOWED, post=OK),
    "staff:queue": staff(),
    "staff:bulk": staff(get=NOT_ALLOWED),  # an empty bulk POST changes nothing
    "staff:questions": staff(),
    "staff:question-reviewed": staff(
        get=NOT_ALLOWED,
        post=Redirect("/staff/questions/"),
        post_only_first=False,
        note="staff_required before require_POST: a GET by staff is 405",
    ),
    "staff:triage": staff(),
    # B's case is in X: a caseworker of Y does not see its triage.
    "staff:triage-decide": staff(
        get=NOT_ALLOWED, post=Redirect("/staff/triage/"), caseworker_other_department=NOT_FOUND
    ),
    "staff:review-flags": staff(),
    "staff:review-flag-action": staff(
        get=NOT_ALLOWED,
        post=Redirect("/staff/review-flags/"),
        caseworker_other_department=NOT_FOUND,
        auditor=FORBIDDEN,  # read-only: the "you cannot review this flag" page
    ),
    "staff:case": on_case(OK, OK),
    "staff:attachment": on_case(OK, OK),
    "staff:merge": on_case(OK, OK),
    # The auditor's note is refused by the service (a message on the case page; the
    # write test checks nothing was added).
    "staff:case-action": staff(
        get=NOT_ALLOWED, post=Redirect(_STAFF_CASE), caseworker_other_department=NOT_FOUND
    ),
    "staff_alerts:list": staff(),
    "staff_alerts:publish": staff(only=(SUPERVISOR, ADMIN)),
    "staff_sensors:overview": staff(),
    "staff_sensors:thing": staff(),
    # Who may publish is the service's decision (a message after the redirect).
    "staff_sensors:publication": staff(
        get=NOT_ALLOWED,
        post=Redirect("/staff/sensors/things/"),
        post_only_first=False,
        note="staff_required before require_POST: a GET by staff is 405",
    ),
    "procurement_staff:list": staff(),
    "procurement_staff:tender-new": staff(only=(SUPERVISOR, ADMIN), post=BAD),
    "procurement_staff:award-new": staff(
        post={SUPERVISOR: BAD, ADMIN: BAD},
        note="every back-office role may open the form; only the buyer's supervisor and "
        "admins may award (the empty POST is then 400)",
    ),
    # The tender is not awarded yet: back to the list.
    "procurement_staff:contract-new": staff(
        Redirect("/staff/procurement/"), Redirect("/staff/procurement/")
    ),
    "spending_staff:home": staff(),
    "spending_staff:import": staff(only=(ADMIN,)),
    "spending_staff:project-new": staff(only=(SUPERVISOR, ADMIN)),
    "spending_staff:project": staff(only=(SUPERVISOR, ADMIN), post=NOT_FOUND),
    "spending_staff:project-edit": staff(only=(SUPERVISOR, ADMIN)),
    "spending_staff:milestone": staff(
        get=NOT_ALLOWED, post=Redirect("/staff/spending/projects/"), only=(SUPERVISOR, ADMIN)
    ),
    "insights_staff:overview": staff(),
    "insights_staff:performance": staff(),
    "insights_staff:workload": staff(),
    "insights_staff:hotspots": staff(),
    "insights_staff:forecast": staff(post=NOT_ALLOWED),
    # A GET goes on to the forecast; the empty POST names no service (404).
    "insights_staff:handling-time": staff(Redirect("/staff/insights/forecast/"), NOT_FOUND),
    # Who read whose data: admins and auditors only.
    "exchange_staff:audit": staff(only=(ADMIN, AUDITOR), post=NOT_ALLOWED),
    # --- The portal: public pages.
    "portal:home": public(post=OK),
    "portal:describe": public(post=BAD),
    "portal:help": public(post=OK),
    "portal:service": public(post=OK),
    "portal:start": public(Redirect("/services/pothole/form/1/"), Redirect("/services/")),
    "portal:form-page": public(post=OK),
    # Submitting: residents, anyone by email, and staff who take reports; a service designer
    # and an auditor may not submit cases (403).
    "portal:check": Rule(
        {
            "GET": dict.fromkeys(PUBLIC_SAMPLE, OK),
            "POST": {**dict.fromkeys(WEB, OK), SERVICE_DESIGNER: FORBIDDEN, AUDITOR: FORBIDDEN},
        }
    ),
    "portal:possible-duplicates": public(
        Redirect("/services/pothole/start/"), Redirect("/services/pothole/start/")
    ),
    # A report as the public sees it (Open311's view); anyone may follow it by email.
    "portal:report": Rule(
        {
            "GET": dict.fromkeys(PUBLIC_SAMPLE, OK),
            "POST": {**dict.fromkeys(WEB, OK), OTHER_RESIDENT: Redirect("/reports/")},
        },
        note="the empty POST is the form again, except for a signed-in resident who follows",
    ),
    "portal:track": public(post=OK),
    "portal:transparency-ledger": public(),
    "portal:signin": public(post=OK),
    "portal:signout": public(NOT_ALLOWED, Redirect("/")),
    "portal:signup": public(post=OK),
    "portal:password-reset": public(post=OK),
    "portal:password-reset-sent": public(),
    "portal:password-reset-confirm": public(
        Redirect("/account/password-reset/"), Redirect("/account/password-reset/")
    ),
    "portal:password-reset-done": public(),
    # Signed links from messages: whoever holds the link (it names the case and email).
    "portal:case-link": public(Redirect(_CASE), Redirect(_CASE)),
    "portal:notification-preferences": public(post=Redirect("/notifications/")),
    # --- The portal: the resident's own case. Staff use the back office (404 here).
    "portal:case": residents_own(OK, OK),
    "portal:confirmation": residents_own(OK, OK),
    "portal:withdraw": residents_own(OK, Redirect(_CASE)),
    "portal:respond": residents_own(NOT_ALLOWED, Redirect(_CASE)),
    "portal:attachment": residents_own(OK, OK),
    # --- The portal: the resident's account. Staff have none (the cases list sends them on).
    "portal:my-cases": signed_in_resident(OK, OK, staff_get=Redirect("/staff/")),
    "exchange:tracker": signed_in_resident(OK, NOT_ALLOWED, staff_get=NOT_FOUND),
    "exchange:consents": signed_in_resident(OK, OK),
    # Another resident's consent is a 404.
    "exchange:revoke": Rule(
        {
            "GET": dict.fromkeys(WEB, NOT_ALLOWED),
            "POST": {
                **signed_in_resident(OK, OK).outcomes["POST"],
                OWNER: Redirect("/account/consents/"),
                OTHER_RESIDENT: NOT_FOUND,
            },
        }
    ),
    # No consent is needed for the demo permit: on to the form.
    "exchange:ask": public(
        Redirect("/services/parking-permit/start/"), Redirect("/services/parking-permit/start/")
    ),
    "privacy:privacy": signed_in_resident(OK, NOT_ALLOWED),
    "privacy:download": signed_in_resident(OK, NOT_ALLOWED),
    "privacy:erase": signed_in_resident(OK, OK),
    # --- Alerts and ratings: by signed links.
    "alerts:start": public(post=OK),
    "alerts:sent": public(post=OK),
    "alerts:confirm": public(post=OK),
    "alerts:manage": public(post=OK),
    "insights:performance": public(),
    # The case is open: nothing to rate yet (409), whoever holds the link.
    "insights:rate": public(post=CONFLICT),
    # --- Open data, the ledger, procurement, spending: public.
    "opendata:index": public(),
    "opendata:catalogue": public(post=OK),
    "opendata:dataset": public(NOT_FOUND, note="no dataset is published in the world"),
    "opendata:download": public(NOT_FOUND),
    "opendata:dcat": public(NOT_FOUND, NOT_FOUND),
    "opendata:schema": public(NOT_FOUND, NOT_FOUND),
    "ckan3:action": public(post=OK),
    "ckan:action": public(post=OK),
    "procurement:index": public(),
    "procurement:releases": public(),
    "procurement:records": public(),
    "procurement:process": public(),
    "procurement:process-releases": public(),
    "procurement:process-record": public(),
    "spending:budget": public(post=OK),
    "spending:spending": public(post=OK),
    "spending:projects": public(post=OK),
    "spending:project": public(post=OK),
    "ledger:checkpoint": public(NOT_FOUND, note="no checkpoint is signed in the world"),
    "ledger:key": public(),
    "ledger:proof": public(NOT_FOUND),
    "ledger:tile": public(NOT_FOUND),
    "api-v1:openapi-json": public(post=OK),
    "api-v1:openapi-view": public(post=OK),
    "api-v1:api-root": public(NOT_FOUND, NOT_FOUND),
    # --- Machine-to-machine with their own credentials: unsigned or untokened is refused.
    "exchange_api:query": public(NOT_ALLOWED, UNAUTHORISED, note="a signed request: see exchange"),
    "notify:notify-callback": public(NOT_ALLOWED, UNAUTHORISED),
    "oidc:start": public(NOT_FOUND, note="no identity provider is configured in the world"),
    "oidc:callback": public(NOT_FOUND),
    # --- Open311: reads public; writes and the update feed need a key with open311:write
    # (the key of another department may submit: a report goes to whichever department).
    "open311:discovery": public(),
    "open311:services": public(),
    "open311:service": public(),
    "open311:request": public(),
    "open311:token": public(NOT_FOUND),
    "open311:not-found": public(NOT_FOUND, NOT_FOUND),
    "open311:requests": Rule(
        {
            "GET": {NO_KEY: OK, KEY: OK},
            "POST": {
                NO_KEY: FORBIDDEN,
                SIGNED_IN_RESIDENT: FORBIDDEN,
                KEY_WITHOUT_SCOPE: FORBIDDEN,
                KEY_OTHER_DEPARTMENT: BAD,
                KEY: BAD,
                KEY_ORGANISATION: BAD,
            },
        },
        note="the POST sends no service_code: 400 once the key is accepted",
    ),
    "open311:updates": Rule(
        {
            method: {
                NO_KEY: FORBIDDEN,
                SIGNED_IN_RESIDENT: FORBIDDEN,
                KEY_WITHOUT_SCOPE: FORBIDDEN,
                KEY_OTHER_DEPARTMENT: allowed,
                KEY: allowed,
                KEY_ORGANISATION: allowed,
            }
            for method, allowed in (("GET", OK), ("POST", BAD))
        }
    ),
    # --- SensorThings: reads public; writes need a key with sensors:write (401 without).
    "sensors:root": public(post=OK),
    "sensors:resource": Rule(
        {
            "GET": {NO_KEY: OK, KEY: OK},
            "POST": {
                NO_KEY: UNAUTHORISED,
                SIGNED_IN_RESIDENT: UNAUTHORISED,
                KEY_WITHOUT_SCOPE: FORBIDDEN,
                KEY_OTHER_DEPARTMENT: CREATED,
                KEY: CREATED,
                KEY_ORGANISATION: CREATED,
            },
        }
    ),
    "sensors:create-observations": Rule(
        {
            "GET": {NO_KEY: NOT_ALLOWED, KEY: NOT_ALLOWED},
            "POST": {
                NO_KEY: UNAUTHORISED,
                SIGNED_IN_RESIDENT: UNAUTHORISED,
                KEY_WITHOUT_SCOPE: BAD,
                KEY_OTHER_DEPARTMENT: BAD,
                KEY: BAD,
                KEY_ORGANISATION: BAD,
            },
        },
        note="the empty POST is refused as a bad body before the scope is looked at; the "
        "service checks sensors:write before it writes",
    ),
    # --- REST API v1.
    "GET /api/v1/me": api("GET", OK, scoped=False),
    "GET /api/v1/services": api("GET", OK, scoped=False),
    "GET /api/v1/services/{slug}": api("GET", OK, scoped=False),
    "GET /api/v1/services/{slug}/form": api("GET", OK, scoped=False),
    "GET /api/v1/cases": api("GET", OK),  # another department's key: its own (none) cases
    "POST /api/v1/cases": api("POST", CREATED, department=CREATED),
    "GET /api/v1/cases/{reference}": api("GET", OK, department=NOT_FOUND),
    "GET /api/v1/cases/{reference}/timeline": api("GET", OK, department=NOT_FOUND),
    "POST /api/v1/cases/{reference}/transitions": api("POST", OK, department=NOT_FOUND),
    "POST /api/v1/cases/{reference}/notes": api("POST", CREATED, department=NOT_FOUND),
    "POST /api/v1/cases/{reference}/information-requests": api(
        "POST", CREATED, department=NOT_FOUND
    ),
    "GET /api/v1/cases/{reference}/attachments": api("GET", OK, department=NOT_FOUND),
    "POST /api/v1/cases/{reference}/attachments": api("POST", CREATED, department=NOT_FOUND),
    "GET /api/v1/cases/{reference}/attachments/{attachment_id}": api(
        "GET", OK, department=NOT_FOUND
    ),
    # Webhooks belong to the key that made them: any other key gets 404.
    "POST /api/v1/webhooks": api("POST", CREATED, department=CREATED),
    "GET /api/v1/webhooks": api("GET", OK),
    "GET /api/v1/webhooks/{pk}": Rule(
        {"GET": {**api("GET", OK, department=NOT_FOUND).outcomes["GET"], KEY_ORGANISATION: 404}}
    ),
    "DELETE /api/v1/webhooks/{pk}": Rule(
        {
            "DELETE": {
                **api("DELETE", NO_CONTENT, department=NOT_FOUND).outcomes["DELETE"],
                KEY_ORGANISATION: NOT_FOUND,
            }
        }
    ),
    "POST /api/v1/webhooks/{pk}/enable": Rule(
        {
            "POST": {
                **api("POST", OK, department=NOT_FOUND).outcomes["POST"],
                KEY_ORGANISATION: NOT_FOUND,
            }
        }
    ),
    "POST /api/v1/webhooks/{pk}/replay": Rule(
        {
            "POST": {
                **api("POST", INVALID, department=NOT_FOUND).outcomes["POST"],
                KEY_ORGANISATION: NOT_FOUND,
            }
        },
        note="the owner's replay is 422: the world's webhook is not disabled",
    ),
    "GET /api/v1/ledger/checkpoint": open_api("GET", NOT_FOUND),
    "GET /api/v1/ledger/entries": open_api("GET", INVALID),
    "GET /api/v1/ledger/entries/{index}": open_api("GET", NOT_FOUND),
    "GET /api/v1/ledger/consistency": open_api("GET", INVALID),
    "POST /api/v1/assistant/ask": open_api("POST", INVALID),
}


def cases() -> list[tuple[str, str, str, Outcome]]:
    """Every (key, method, principal, outcome) of the table, in a stable order."""
    return [
        (key, method, principal, outcome)
        for key, rule in sorted(TABLE.items())
        for method, row in rule.outcomes.items()
        for principal, outcome in row.items()
    ]
