"""Transaction context: the book of transactions and its share ledger."""
