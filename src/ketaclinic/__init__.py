"""ketaclinic: software for a ketamine infusion therapy programme for fibromyalgia.

The software informs clinicians; clinicians decide. It is not a medical device.
"""

__version__ = "0.1.0"
