"""Business rules. Services take a session and a RequestContext, flush, and raise AppErrors;
the caller owns the transaction. Nothing here imports the web framework."""
