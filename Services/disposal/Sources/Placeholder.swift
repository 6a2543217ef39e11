// DisposalService — filled in by its issue.
