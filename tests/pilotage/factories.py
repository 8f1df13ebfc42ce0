"""factory_boy factories for meetings and reports."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from pilotage.models import AgendaItem, Attendee, Meeting, Report
from tests.factories import CiteFactory


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    cite = factory.SubFactory(CiteFactory)
    kind = Meeting.Kind.COPIL
    title = factory.Sequence(lambda n: f"COPIL de programmation n° {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    place = "Salle du conseil"
    chair = "Le préfet et le président de l'agglomération"


class AttendeeFactory(DjangoModelFactory):
    class Meta:
        model = Attendee

    meeting = factory.SubFactory(MeetingFactory)
    name = factory.Sequence(lambda n: f"Participant {n}")
    organisation_name = "Préfecture"
    category = Attendee.Category.INSTITUTION


class AgendaItemFactory(DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.LazyAttribute(lambda item: str(item.action) if item.action else "Point divers")
    order = factory.Sequence(lambda n: n)
    action = None


class ReportFactory(DjangoModelFactory):
    class Meta:
        model = Report

    kind = Report.Kind.EVALUATION
    cite = factory.SubFactory(CiteFactory)
    year = 2026
