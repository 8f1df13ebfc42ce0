#!/usr/bin/env python3
"""Deployment test (issue 13): the portal on one machine standing in for several
(deployment_stack.py starts it), driven over HTTP while parts of it fail:

1. the loop with everything up: a partner's message (e-mails to the coordination) and a
   PDF action sheet, downloaded through the permission-checked view;
2. a worker killed (SIGKILL of its process group) while it renders a report;
3. the broker (its own redis-server) stopped for a while: requests answer normally;
4. the SMTP server stopped for a while.

It asserts that every report is done and downloadable and every e-mail queued reached the
SMTP sink exactly once (by Message-ID), prints each fault, what it killed, what came back
and how long it took, and its total duration.

    .venv/bin/python scripts/deployment_test.py     # CI: .ci/run, « Test de déploiement »
"""

import json
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests
from deployment_stack import FAULTS, PARTNER, PASSWORD, Deployment, log, unit_commands, wait_for

FIND_ACTION = """
from accounts.models import User
from actions.models import Action
from actions.permissions import can_post_message
from pilotage.permissions import can_generate_action_sheet
user = User.objects.get(email="{email}")
print(*[a.pk for a in Action.objects.visible_to(user).order_by("pk")
         if can_post_message(user, a) and can_generate_action_sheet(user, a)])
"""
QUEUED = "en file d'attente"


class Partner:
    """The demo partner in a browser: one session cookie, used on both web machines (the
    sessions live in the database, as behind a load balancer)."""

    def __init__(self, deployment, actions):
        self.d = deployment
        self.action = actions[0]  # the messages' action
        self.actions = actions  # an identical report is not asked twice at once: one per action
        self.session = requests.Session()
        self.messages = 0
        self.reports = []  # every report this partner asked for

    def url(self, web, path):
        return f"http://127.0.0.1:{self.d.ports[web]}{path}"

    def post(self, web, path, data):
        data = {**data, "csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        started = time.monotonic()
        response = self.session.post(self.url(web, path), data=data, timeout=60)
        took = time.monotonic() - started
        assert response.status_code == 200, f"POST {path} sur {web} : {response.status_code}"
        return response, took

    def login(self, web):
        self.session.get(self.url(web, "/compte/connexion/"), timeout=30)
        response, _ = self.post(web, "/compte/connexion/", {"username": PARTNER, "password": PASSWORD})
        assert "/compte/connexion/" not in response.url, "connexion refusée"

    def message(self, web):
        self.messages += 1
        text = f"Message de test de déploiement n° {self.messages}"
        response, took = self.post(web, f"/actions/{self.action}/messages/", {"message-text": text})
        assert "Le message est envoyé." in response.text, "message non confirmé"
        saved = self.d.query("SELECT count(*) FROM actions_message WHERE text = %s", text)[0][0]
        assert saved == 1, f"{text!r} enregistré {saved} fois"
        return took

    def request_report(self, web):
        """Ask for the sheet of an action that has none queued or running (the portal
        returns an identical request in progress instead of making a new one)."""
        action = self.free_action()
        last = self.last_report(action)
        response, took = self.post(web, f"/pilotage/actions/{action}/fiche/", {})
        assert QUEUED in response.text.replace("&#x27;", "'"), "demande de rapport non confirmée"
        pk = self.last_report(action)
        assert pk != last, "aucun rapport créé"
        self.reports.append(pk)
        return pk, took

    def free_action(self):
        in_progress = "SELECT DISTINCT action_id FROM pilotage_report WHERE status IN ('queued', 'running')"
        busy = {row[0] for row in self.d.query(in_progress)}
        free = [action for action in self.actions if action not in busy]
        assert free, f"toutes les actions du partenaire ont déjà un rapport en cours ({len(self.actions)})"
        return free[0]

    def last_report(self, action):
        rows = self.d.query("SELECT max(id) FROM pilotage_report WHERE action_id = %s", action)
        return rows[0][0]

    def badge(self, web, pk):
        """The report's state as the page shows it (the row htmx polls every 2 s)."""
        response = self.session.get(self.url(web, f"/pilotage/rapports/{pk}/etat/"), timeout=30)
        assert response.status_code == 200, f"état du rapport {pk} : {response.status_code}"
        found = re.search(r'fr-badge[^"]*">([^<]+)<|(Télécharger le PDF)', response.text)
        return " ".join(found.group(found.lastindex).split()) if found else "?"

    def download(self, web, pk):
        response = self.session.get(self.url(web, f"/pilotage/rapports/{pk}/telecharger/"), timeout=60)
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), f"rapport {pk} : {response}"
        return len(response.content)


def done(d, pk):
    status, _task, _attempts, error = d.report(pk)
    assert status not in ("failed", "cancelled"), f"rapport {pk} : {status} ({error})"
    return status == "done"


def mails_sent(d):
    """True once no e-mail is waiting (post-office: 0 sent, 1 failed, 2 queued, 3 requeued)."""
    rows = dict(d.query("SELECT status, count(*) FROM post_office_email GROUP BY status"))
    assert not rows.get(1), f"e-mails en échec : {rows}"
    return not rows.get(2) and not rows.get(3)


def phase_loop(d, user):
    log("--- 1. Parcours complet, tout fonctionne")
    user.message("web1")
    pk, took = user.request_report("web2")
    started = time.monotonic()
    wait_for(f"rapport {pk}", lambda: done(d, pk))
    size = user.download("web1", pk)
    wait_for("e-mails envoyés", lambda: mails_sent(d))
    log(f"rapport {pk} prêt en {time.monotonic() - started:.1f} s ({size} octets), e-mails remis")
    return [pk]


def running_on(d, pk):
    """The worker whose log shows the run of report ``pk`` (None while it is not running)."""
    status, task_id, _attempts, _error = d.report(pk)
    if status != "running":
        return "fini" if status == "done" else None
    for name in ("worker1", "worker2"):
        if task_id and task_id in d.read_log(name):
            return name
    return None


def watch(d, user, pk, seen):
    """One poll of the page, as the browser's htmx does: True once the report is done."""
    badge = user.badge("web2", pk)
    if not seen or seen[-1] != badge:
        seen.append(badge)
    return done(d, pk)


def phase_worker_kill(d, user, units):
    log("--- 2. Un worker tué (SIGKILL) pendant qu'il produit un rapport")
    for _attempt in range(5):
        pk, _ = user.request_report("web1")
        victim = wait_for(f"rapport {pk} en cours", lambda pk=pk: running_on(d, pk), timeout=120, interval=0.05)
        if victim != "fini":
            break
        log(f"rapport {pk} produit avant le kill : une autre demande")
    else:
        raise AssertionError("aucun rapport saisi en cours de production")
    task_id = d.report(pk)[1]
    pid, children = d.procs.kill(victim)
    killed = time.monotonic()
    log(f"tué {victim} : pid {pid} et ses processus enfants {children}, pendant le rapport {pk}")
    seen = []
    wait_for(f"rapport {pk} repris", lambda: watch(d, user, pk, seen) or time.monotonic() - killed > 5, interval=2)
    d.start_worker(units, int(victim[-1]))
    wait_for(f"rapport {pk} repris", lambda: watch(d, user, pk, seen), interval=2)
    took = time.monotonic() - killed
    _status, final_task, attempts, _error = d.report(pk)
    how = "même message rendu par Redis" if final_task == task_id else "renvoyé par le balayage des rapports"
    user.download("web2", pk)
    log(f"rapport {pk} produit {took:.0f} s après le kill ({attempts} tentatives, {how}), téléchargé ; vu : {seen}")
    FAULTS.append(
        (
            f"worker {victim} tué (SIGKILL, pid {pid} + enfant {children}) en plein rendu",
            " → ".join(f"« {b} »" for b in seen),
            f"rapport {pk} produit ({attempts} tentatives, {how}) et téléchargé",
            took,
        )
    )
    return [pk]


def waiting_reports(d, user):
    """Ask for one more report; the reports whose message sits in Redis's queue."""
    user.request_report("web2")
    queued = redis.Redis(port=d.ports["redis"]).lrange("celery", 0, -1)
    task_ids = {json.loads(message)["headers"]["id"] for message in queued}
    rows = d.query("SELECT id, task_id FROM pilotage_report WHERE status = 'queued' ORDER BY id")
    return [pk for pk, task_id in rows if task_id in task_ids]


def phase_broker(d, user):
    log("--- 3. Broker (redis-server) arrêté, sans persistance : ses messages en attente sont perdus")
    frozen = [d.procs.signal(name, signal.SIGSTOP) for name in ("worker1", "worker2")]
    log(f"workers gelés (SIGSTOP, pids {frozen}) : les demandes restent dans le broker")
    # Each frozen worker has already taken one message into its socket; the others wait
    # in Redis's list, where they are lost with the broker.
    waiting = wait_for("un rapport dans la file de Redis", lambda: waiting_reports(d, user), timeout=60, interval=0)
    lost = waiting[0]
    pid = d.procs.stop("redis")
    stopped = time.monotonic()
    log(f"arrêté redis-server (pid {pid}) : le message du rapport {lost}, qui attendait dans sa file, est perdu")
    took_message = user.message("web2")
    pk, took_report = user.request_report("web1")
    assert d.report(pk)[0] == "queued"
    seen = f"message enregistré en {took_message:.1f} s, rapport « {QUEUED} » en {took_report:.1f} s"
    log(seen)
    time.sleep(max(0, 20 - (time.monotonic() - stopped)))
    d.start_redis()
    for name in ("worker1", "worker2"):
        d.procs.signal(name, signal.SIGCONT)
    back = time.monotonic()
    log(f"redis-server relancé (vide) après {back - stopped:.0f} s, workers dégelés")
    wait_for(f"rapport {pk} après le retour du broker", lambda: done(d, pk))
    took_pk = time.monotonic() - back
    wait_for("e-mails après le retour du broker", lambda: mails_sent(d))
    took_mail = time.monotonic() - back
    wait_for(f"rapport {lost} perdu par le broker", lambda: done(d, lost))
    took_lost = time.monotonic() - back
    for report in (pk, lost):
        user.download("web1", report)
    log(
        f"après le retour du broker : rapport {pk} en {took_pk:.0f} s, e-mails en {took_mail:.0f} s, "
        f"rapport {lost} (message perdu) en {took_lost:.0f} s"
    )
    FAULTS.append(
        (
            f"broker arrêté {back - stopped:.0f} s et relancé vide (redis-server pid {pid})",
            f"réponses normales : {seen}",
            f"rapport {pk} (demandé pendant la panne) en {took_pk:.0f} s, e-mails du message remis une fois "
            f"en {took_mail:.0f} s, rapport {lost} (message perdu avec le broker) renvoyé par le balayage",
            took_lost,
        )
    )
    return [pk, lost]


def phase_smtp(d, user):
    log("--- 4. Serveur SMTP arrêté")
    pid = d.procs.stop("smtp")
    stopped = time.monotonic()
    log(f"arrêté le puits SMTP (pid {pid})")
    took_message = user.message("web1")
    pk, _ = user.request_report("web2")
    wait_for(f"rapport {pk}", lambda: done(d, pk))
    failures = wait_for(
        "une tentative d'envoi refusée",
        lambda: d.query("SELECT count(*) FROM post_office_log WHERE status = 1")[0][0],
        timeout=120,
    )
    waiting = d.query("SELECT count(*) FROM post_office_email WHERE status IN (2, 3)")[0][0]
    log(f"{failures} tentatives refusées, {waiting} e-mails en attente")
    time.sleep(max(0, 20 - (time.monotonic() - stopped)))
    d.start_smtp()
    back = time.monotonic()
    log(f"puits SMTP relancé après {back - stopped:.0f} s")
    wait_for("e-mails après le retour du SMTP", lambda: mails_sent(d))
    took = time.monotonic() - back
    user.download("web1", pk)
    log(f"e-mails remis {took:.0f} s après le retour du serveur SMTP")
    FAULTS.append(
        (
            f"serveur SMTP arrêté {back - stopped:.0f} s (pid {pid})",
            f"réponses normales : message enregistré en {took_message:.1f} s, rapport produit",
            f"{waiting} e-mails en attente (après {failures} refus) remis une fois",
            took,
        )
    )
    return [pk]


def final_checks(d, user):
    log("--- Bilan")
    reports = user.reports
    wait_for("tous les rapports produits", lambda: all(done(d, pk) for pk in reports))
    for pk in reports:
        assert done(d, pk)
        user.download("web2", pk)
    rows = d.query("SELECT message_id, status FROM post_office_email ORDER BY id")
    assert rows and all(status == 0 for _, status in rows), f"e-mails non envoyés : {rows}"
    received = d.sink_messages()
    expected = {message_id for message_id, _ in rows}
    duplicates = {m: n for m, n in received.items() if n > 1}
    assert not duplicates, f"e-mails reçus plusieurs fois : {duplicates}"
    assert set(received) == expected, f"manquants {expected - set(received)}, inconnus {set(received) - expected}"
    for web in ("web1", "web2"):
        assert requests.get(user.url(web, "/sante/"), timeout=10).status_code == 200
    log(f"{len(reports)} rapports produits et téléchargés ; {len(rows)} e-mails, chacun reçu une fois")


def print_faults(total):
    print("\n=== Pannes provoquées ===", flush=True)
    print("| Panne | Ce que l'utilisateur a vu | Ce qui a été rétabli | Délai de reprise |")
    print("|---|---|---|---|")
    for fault, seen, recovered, took in FAULTS:
        print(f"| {fault} | {seen} | {recovered} | {took:.0f} s |")
    print(f"\nTest de déploiement réussi en {total:.0f} s.", flush=True)


def main():
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="portail-deploiement-") as tmp:
        work = Path(tmp)
        d = Deployment(work)
        try:
            units = unit_commands(work)
            d.start_services()
            d.environment()
            d.manage("migrate", "--noinput", "-v0")
            d.manage("collectstatic", "--noinput", "-v0")
            d.manage("load_demo")
            found = d.manage("shell", "-c", FIND_ACTION.format(email=PARTNER)).strip().splitlines()[-1]
            actions = [int(pk) for pk in found.split()]
            d.start_portal(units)
            log(f"déploiement prêt en {time.monotonic() - started:.0f} s ; actions {actions} du partenaire")
            user = Partner(d, actions)
            user.login("web1")
            phase_loop(d, user)
            phase_worker_kill(d, user, units)
            phase_broker(d, user)
            phase_smtp(d, user)
            final_checks(d, user)
        except BaseException:
            for name in ("web1", "worker1", "worker2", "beat"):
                tail = "\n".join(d.read_log(name).splitlines()[-15:])
                print(f"\n--- fin du journal {name} ---\n{tail}", file=sys.stderr)
            raise
        finally:
            d.stop()
    print_faults(time.monotonic() - started)


if __name__ == "__main__":
    main()
