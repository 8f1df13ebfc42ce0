"""The permission matrix of the actions pages (``tests/permission_matrix.py``), on objects
of cité A carried by the partner's association: an open call, a draft (private to its
porteur), an unpublished call, a proposal sent back for changes (editable by its porteur, with a RIB attached),
a proposal in review, a proposal of a neighbour (another association of cité A,
sent back for changes), an action in progress ending in two months (its bilan), and a
pending request to join the association.

The calls for projects and the sign-up are public; instruction is the staff's.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from actions.models import Action, Attachment, JoinRequest
from tests.factories import OrganisationFactory, UserFactory
from tests.permission_matrix import Row, assert_complete, objects, role_users, run_rows

from .factories import ActionFactory, CallFactory

NAMESPACE = "actions"
S = Action.Status
PDF = b"%PDF-1.4\n%%EOF\n"
POST_DATA = {"avis-verdict": "favourable", "note-text": "Note", "message-text": "Message", "comment": "Motif"}
HTMX = {"HX-Request": "true"}

# fmt: off
ROWS = [
    #                                                           anon ptnr othp coor othc pilo pref othf admn
    # Public: the open calls of every cité, the sign-up.
    Row("public_call_list",                               get="200  200  200  200  200  200  200  200  200"),
    Row("public_call_detail", "call",                     get="200  200  200  200  200  200  200  200  200"),
    Row("signup", "call",                                 get="200  302  302  302  302  302  302  302  302",
                                                         post="200  302  302  302  302  302  302  302  302"),
    Row("signup_confirm", ["inconnu"],                    get="410  410  410  410  410  410  410  410  410",
                                                         post="410  410  410  410  410  410  410  410  410"),
    # The lists (each role its own actions), calls and join requests.
    Row("list",                                           get="302  200  200  200  200  200  200  200  200"),
    Row("export", ["csv"],                                get="302  200  200  200  200  200  200  200  200"),
    Row("export", ["xlsx"],                               get="302  200  200  200  200  200  200  200  200"),
    Row("call_list",                                      get="302  403  403  200  200  200  200  200  200"),
    Row("call_create",                                    get="302  403  403  200  200  403  403  403  200",
                                                         post="302  403  403  200  200  403  403  403  200"),
    Row("call_update", "call",                            get="302  403  403  200  403  403  403  403  200",
                                                         post="302  403  403  200  403  403  403  403  200"),
    Row("public_call_detail", "unpublished",              get="404  404  404  404  404  404  404  404  404"),
    Row("call_update", "unpublished",                     get="302  403  403  200  404  403  403  404  200"),
    Row("proposal_create", "unpublished",                 get="302  404  404  404  404  404  404  404  404"),
    Row("proposal_create", "call",                        get="302  200  200  403  403  403  403  403  403",
                                                         post="302  200  200  403  403  403  403  403  403"),
    Row("join_requests",                                  get="302  403  403  200  200  403  403  403  200"),
    Row("join_request_decide", "join_request accept",     get="302  405  405  405  405  405  405  405  405",
                                                         post="302  404  404  404  404  404  404  404  302"),
    # Joining a known organisation is its référents' decision (none here: the admin's),
    # never a coordinator's (tests/actions/test_join_requests_across_cites.py).
    Row("join_request_decide", "join_request refuse",    post="302  404  404  404  404  404  404  404  302"),
    # One action, by state.
    Row("detail", "draft",                                get="302  200  404  404  404  404  404  404  200",
                                                         post="302  405  405  405  405  405  405  405  405"),
    Row("detail", "changes",                              get="302  200  404  200  404  200  200  404  200"),
    Row("detail", "review",                               get="302  200  404  200  404  200  200  404  200"),
    Row("detail", "neighbour",                            get="302  404  404  200  404  200  200  404  200"),
    Row("update", "neighbour",                            get="302  404  404  403  404  403  403  404  403"),
    Row("update", "changes",                              get="302  200  404  403  404  403  403  404  403",
                                                         post="302  200  404  403  404  403  403  404  403"),
    Row("budget", "changes",                              get="302  200  404  403  404  403  403  404  403",
                                                         post="302  200  404  403  404  403  403  404  403"),
    Row("budget_row", "changes charges",                  get="302  302  404  403  404  403  403  404  403"),
    Row("budget_row", "changes charges", headers=HTMX, query={"charges-TOTAL_FORMS": "1"}, label="htmx",
                                                          get="302  200  404  403  404  403  403  404  403"),
    Row("indicators", "changes",                          get="302  200  404  403  404  403  403  404  403",
                                                         post="302  200  404  403  404  403  403  404  403"),
    Row("attachments", "changes",                         get="302  200  404  403  404  403  403  404  403",
                                                         post="302  200  404  403  404  403  403  404  403"),
    Row("attachment_download", "changes rib",             get="302  200  404  200  404  200  403  404  200"),
    Row("attachment_delete", "changes rib",               get="302  405  405  405  405  405  405  405  405",
                                                         post="302  302  404  403  404  403  403  404  403"),
    Row("bilan", "progress",                              get="302  200  404  403  404  403  403  404  403",
                                                         post="302  200  404  403  404  403  403  404  403"),
    Row("allow_early_bilan", "progress",                  get="302  405  405  405  405  405  405  405  405",
                                                         post="302  403  404  302  404  403  403  404  302"),
    Row("transition", "review reject", data=POST_DATA,    get="302  405  405  405  405  405  405  405  405",
                                                         post="302  403  404  302  404  403  403  404  302"),
    Row("transition", "review withdraw", data=POST_DATA, post="302  302  404  403  404  403  403  404  403"),
    Row("opinion", "review", data=POST_DATA,              get="302  405  405  405  405  405  405  405  405",
                                                         post="302  403  404  302  404  302  302  404  302"),
    Row("reviewers", "review",                            get="302  405  405  405  405  405  405  405  405",
                                                         post="302  403  404  302  404  403  403  404  302"),
    Row("note_create", "review", data=POST_DATA,          get="302  405  405  405  405  405  405  405  405",
                                                         post="302  403  404  302  404  302  302  404  302"),
    Row("message_create", "review", data=POST_DATA,       get="302  405  405  405  405  405  405  405  405",
                                                         post="302  302  404  302  404  403  403  404  302"),
]
# fmt: on


def _rib(action):
    attachment = Attachment(
        action=action, kind="rib", original_name="rib.pdf", content_type="application/pdf", extension=".pdf", size=15
    )
    attachment.file.save("rib.pdf", ContentFile(PDF))
    return attachment


@pytest.fixture
def matrix_objects(world, make_action):
    today = timezone.localdate()
    changes = make_action(status=S.CHANGES_REQUESTED)
    call = CallFactory(cite=world.a.cite)
    applicant = UserFactory(email="candidate@example.org")
    return objects(
        call=call,
        unpublished=CallFactory(cite=world.a.cite, is_published=False, title="Appel en préparation"),
        draft=make_action(),
        changes=changes,
        rib=_rib(changes),
        review=make_action(status=S.IN_REVIEW),
        neighbour=ActionFactory(
            call=call, porteur=OrganisationFactory(cites=[world.a.cite]), status=S.CHANGES_REQUESTED, complete=True
        ),
        progress=make_action(
            status=S.IN_PROGRESS, start_date=today - timedelta(days=30), end_date=today + timedelta(days=60)
        ),
        join_request=JoinRequest.objects.create(user=applicant, organisation=world.a.organisation, cite=world.a.cite),
        accept="accepter", refuse="refuser", charges="charges", reject="reject", withdraw="withdraw",
    )  # fmt: skip


def test_every_url_name_has_a_row():
    assert_complete(NAMESPACE, ROWS)


def test_permission_matrix(world, matrix_objects):
    run_rows(NAMESPACE, ROWS, matrix_objects, role_users(world))
