"""Stock context: the catalog of stocks, their daily prices and splits."""
