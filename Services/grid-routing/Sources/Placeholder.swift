// GridRoutingService — filled in by its issue.
