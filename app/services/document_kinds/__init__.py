"""Every kind of document Waymark issues; importing this package registers them (app.services.documents.KINDS)."""
from app.services.document_kinds import babcp_application, portfolio, progression_pack  # noqa: F401
