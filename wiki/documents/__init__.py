"""Documents and their revisions: pure diff / merge / attribution core, service and views."""
