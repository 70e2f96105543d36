"""The ground floor: user-facing errors, typed settings, roles and pseudonyms (privacy),
and the users file of the login (auth). Imports nothing else of cxmetrics."""
