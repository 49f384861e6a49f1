"""``{{ field|field_label }}``: a field's name in words (web/labels.py)."""

from django import template

from ketaclinic.web.labels import field_label

register = template.Library()
register.filter("field_label", field_label)
