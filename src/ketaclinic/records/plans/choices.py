"""The states and decisions of screenings, plans and orders that the faces show and compare
against. (Defined with the models; faces import them from here.)"""

from .models import Decision, OrderStatus, PlanStatus

__all__ = ["Decision", "OrderStatus", "PlanStatus"]
