from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "ketaclinic.records.sessions"
    # Django's own session app already holds the label "sessions".
    label = "infusions"
    verbose_name = "Infusion sessions"

    def ready(self) -> None:
        from ketaclinic.records.bookings.care import provide_session_states

        from .visits import appointment_session_states

        provide_session_states(appointment_session_states)
