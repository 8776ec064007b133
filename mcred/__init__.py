"""The ``mcred`` command: starts, supervises and stops the whole stack, and runs the demo."""
