"""The client portal: the business's own window onto its outsourced chat."""
