"""What pages, API and admin share: request infrastructure, the catalogue as read, wording."""
