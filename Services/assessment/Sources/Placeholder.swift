// AssessmentService — filled in by its issue.
