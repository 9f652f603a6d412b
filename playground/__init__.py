"""`petition demo-channels`: the service's channels against local fakes of Telegram and Twilio.

Not part of the installed package (`[tool.setuptools.packages.find]` leaves it out): it is a tool
for a checkout of the source, like the tests, and `cli/playground.py` finds it there.
"""
