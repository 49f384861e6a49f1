from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "ketaclinic.records.bookings"
    label = "bookings"

    def ready(self) -> None:
        from ketaclinic.records.clinics.booked import provide_booked_visits

        from .booked import booked_in_span

        provide_booked_visits(booked_in_span)
