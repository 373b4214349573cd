"""The admin area: accounts, scheme editing with drafts, revisions and publishing."""
