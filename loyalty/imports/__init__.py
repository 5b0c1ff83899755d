"""Import from the shop's old till: reading the file, and the django-import-export resources
that check each row (preview) and write it through the services (confirmed run)."""
