"""Every kind of document Waymark issues; importing this package registers them (app.services.documents.KINDS)."""
from app.services.document_kinds import progression_pack  # noqa: F401
from app.services.document_kinds import babcp_application, babcp_audit, ksa_portfolio, nmc_pack, portfolio, pwp_pack  # noqa: F401,E501
