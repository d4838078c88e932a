"""Forms declared once as data: the spec and its validation, the chat stepper, the three forms, and a
user's unfinished form in the store (drafts). Their live choices and submission: handlers/form_live.py."""
