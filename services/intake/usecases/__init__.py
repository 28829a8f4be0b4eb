"""What happens when someone does something in intake: one module per use case, each function
taking the caller's ``Principal``, a ``UnitOfWork`` and plain data. They decide who may do what,
apply ``domain`` rules and call ``store`` repositories; the API's views and the consumers' handlers
both call them. No Flask here (an import-linter contract checks it)."""
