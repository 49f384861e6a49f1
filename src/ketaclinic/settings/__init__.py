"""Django settings: ``base`` is read from the environment; ``demo``, ``production`` and
``test`` adjust it for their use."""
