from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "ketaclinic.records.bookings"
    label = "bookings"
