"""Forms declared once as data: the spec and its validation, the chat stepper, and the three forms."""
