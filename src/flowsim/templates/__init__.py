"""The Jinja templates, style sheet and script of the HTML reports (:mod:`flowsim.report`)."""
