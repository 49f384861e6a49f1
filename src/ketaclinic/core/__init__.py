"""The domain core: what every pure clinical package builds on (pure Python, no Django).

- ``DomainInputError``: the one base exception for bad input, naming the field;
- ``Sourced`` / ``SourcedInterval`` and the ``read_*`` readers: clinical numbers with their source;
- ``load_toml`` / ``data_file_names``: the packaged TOML data files (the domain's only I/O);
- ``input_range`` / ``input_ranges`` / ``check_input``: plausible ranges of measured inputs
  (weight, height, vitals, pain, CADSS), from ``core/data/ranges.toml``.
"""

from .datafiles import data_file_names, data_text, load_toml
from .errors import DomainInputError
from .ranges import InputRange, check_input, check_optional_input, input_range, input_ranges
from .sourced import (
    CLINIC_POLICY,
    Sourced,
    SourcedInterval,
    read_choice,
    read_interval,
    read_optional_sourced,
    read_sourced,
    read_sourced_fields,
    read_sourced_setting,
    read_table,
    read_text,
    read_texts,
)

__all__ = [
    "CLINIC_POLICY",
    "DomainInputError",
    "InputRange",
    "Sourced",
    "SourcedInterval",
    "check_input",
    "check_optional_input",
    "data_file_names",
    "data_text",
    "input_range",
    "input_ranges",
    "load_toml",
    "read_choice",
    "read_interval",
    "read_optional_sourced",
    "read_sourced",
    "read_sourced_fields",
    "read_sourced_setting",
    "read_table",
    "read_text",
    "read_texts",
]
