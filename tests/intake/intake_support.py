"""What the intake tests share (importable as ``intake_support``)."""

STRONG = "amber-walrus-kettle-91"
