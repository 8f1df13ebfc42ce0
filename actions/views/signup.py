"""Partner sign-up from a call page, and the decisions on join requests: a référent of the
organisation (or the national administration) for a known organisation, the coordination
of the call's cité for a new one."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from accounts.scope import get_visible_or_404
from actions import notifications, signup, signup_forms
from actions.models import Call, JoinRequest
from core.permissions import ensure_allowed
from core.views import form_page


def _call_crumbs(call):
    return [("Appels à projets", reverse("actions:public_call_list")), (call.title, call.get_absolute_url())]


@login_not_required
@require_http_methods(["GET", "POST"])
def signup_start(request, pk):
    call = get_visible_or_404(request, Call.objects.published().select_related("cite"), pk=pk)
    if request.user.is_authenticated:
        return redirect("actions:proposal_create", call_pk=call.pk)
    if not call.is_open:
        messages.error(request, "Cet appel à projets n'accepte pas de proposition en ce moment.")
        return redirect(call)
    form = signup_forms.SignupEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        has_account = User.objects.filter(email__iexact=email).exists()
        url = request.build_absolute_uri(
            reverse("accounts:login")
            if has_account
            else reverse("actions:signup_confirm", args=[signup.make_token(email, call)])
        )
        notifications.notify_signup_link(email, url, call.title, has_account)
        # The same answer whether or not the address has an account.
        return render(
            request,
            "actions/signup_sent.html",
            {
                "email": email,
                "call": call,
                "page_title": "Vérifiez votre messagerie",
                "breadcrumbs": _call_crumbs(call),
            },
        )
    return form_page(
        request,
        form,
        title="Créer un compte partenaire",
        intro=f"Pour répondre à l'appel « {call.title} » de la {call.cite.name}, créez votre compte : "
        "commencez par votre adresse électronique.",
        breadcrumbs=_call_crumbs(call),
        cancel_url=call.get_absolute_url(),
        submit_label="Recevoir le lien",
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def signup_confirm(request, token):
    try:
        data = signup.read_token(token)
    except signup.SignupError as error:
        return render(
            request,
            "actions/signup_invalid.html",
            {"reason": error.message, "page_title": "Lien non valide", "breadcrumbs": []},
            status=410,
        )
    call = get_visible_or_404(request, Call.objects.published().select_related("cite"), pk=data["call"])
    email = data["email"]
    if User.objects.filter(email__iexact=email).exists():
        messages.info(request, "Votre compte existe déjà : connectez-vous pour déposer une proposition.")
        return redirect(reverse("accounts:login") + "?next=" + reverse("actions:proposal_create", args=[call.pk]))
    form = signup_forms.SignupForm(request.POST or None, email=email)
    if request.method == "POST" and form.is_valid():
        try:
            user, join_request = signup.sign_up_partner(
                email=email,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                siret=form.cleaned_data["siret"],
                organisation_name=form.cleaned_data["organisation_name"],
                organisation_kind=form.cleaned_data["organisation_kind"],
                call=call,
            )
        except signup.SignupError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if join_request.creates_organisation:
                messages.success(
                    request,
                    f"Votre compte et l'organisation « {join_request.organisation.name} » sont créés. Vous pouvez "
                    "préparer votre proposition ; vous pourrez la déposer dès que la coordination de la cité aura "
                    "validé votre organisation.",
                )
                return redirect("actions:proposal_create", call_pk=call.pk)
            messages.success(
                request,
                f"Votre compte est créé. « {join_request.organisation.name} » est déjà connue du portail : votre "
                "demande de rattachement est transmise à ses référents (à l'administration nationale si elle n'en a "
                "pas), qui vous donneront accès à ses actions.",
            )
            return redirect(call)
    return form_page(
        request,
        form,
        title="Créer un compte partenaire",
        intro=f"Adresse confirmée : {email}. Indiquez votre nom, choisissez un mot de passe et donnez le "
        "SIRET de l'organisation pour laquelle vous répondez.",
        breadcrumbs=_call_crumbs(call),
        cancel_url=call.get_absolute_url(),
        submit_label="Créer mon compte",
    )


@require_safe
def join_request_list(request):
    scope = request.scope
    ensure_allowed(
        scope.is_admin or scope.coordinator_cites or scope.referent_organisations,
        "Seuls les référents d'une organisation et la coordination d'une cité traitent les demandes de rattachement.",
    )
    requests = JoinRequest.objects.managed_by(request.user).select_related("user", "organisation", "cite", "decided_by")
    return render(
        request,
        "actions/join_request_list.html",
        {
            "pending": requests.pending().order_by("created_at", "id"),
            "decided": requests.exclude(status=JoinRequest.Status.PENDING).order_by("-decided_at", "-id")[:50],
            "page_title": "Demandes de rattachement",
            "breadcrumbs": [],
        },
    )


@require_POST
def join_request_decide(request, pk, decision):
    ensure_allowed(decision in ("accepter", "refuser"), "Décision inconnue.")
    join_request = get_visible_or_404(request, JoinRequest, pk=pk)
    try:
        decided = signup.decide(join_request, by=request.user, approve=decision == "accepter")
    except signup.SignupError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Demande de {join_request.user.full_name} pour « {join_request.organisation.name} » : "
            f"{decided.get_status_display().lower()}.",
        )
    return redirect("actions:join_requests")
