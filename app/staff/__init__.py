"""Staff: advocates' accounts and what each role may do.

Owns accounts, passwords, the second factor and recovery codes (`accounts`), sign-in
throttling counted before checking (`throttle`), signed-in sessions with idle and absolute
expiry (`sessions`), and every authorisation decision as one pure function per decision
(`authz`: who may read a case, claim it, reassign it, read the audit trail), tested as a table.

May import: the foundation, `app.storage` and `app.audit`. Never the staff pages
(`app.advocates`), which call it.
"""
