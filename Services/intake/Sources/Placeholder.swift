// IntakeService — filled in by its issue.
