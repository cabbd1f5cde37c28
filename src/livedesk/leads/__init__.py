"""Leads and hand-offs: what the visitor leaves behind always reaches the business."""
