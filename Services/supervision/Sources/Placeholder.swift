// SupervisionService — filled in by its issue.
