"""Callbacks to the merchant's notifyUrl: one due-time heap, one task, bounded concurrency."""
