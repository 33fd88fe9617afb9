"""The bridge that Terraform's local-exec runs: parse, decide from evidence, report."""
