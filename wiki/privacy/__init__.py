"""Privacy (UK GDPR, DESIGN §4): "download my data" and account erasure.

``registry`` (PURE) is the shape of a per-feature part, ``parts`` the one list of parts, ``service``
the use cases (export, erase by the person or an admin), ``routes`` the pages. docs/privacy.md says
what is kept, erased and logged.
"""
