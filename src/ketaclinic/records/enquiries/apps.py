from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "ketaclinic.records.enquiries"
    label = "enquiries"
    verbose_name = "Consultation requests"
