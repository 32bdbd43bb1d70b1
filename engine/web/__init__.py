"""The web application (``saraban serve``) and its users (``saraban user``).

Imported only by those two commands: nothing else of saraban loads Starlette, uvicorn or argon2.
:mod:`engine.web.accounts` keeps the users; :mod:`engine.web.app` is the application;
:mod:`engine.web.forms` makes forms from a workflow's inputs; docs/web.md describes it.
"""
