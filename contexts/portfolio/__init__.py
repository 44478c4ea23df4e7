"""Portfolio context: portfolios, and the holdings, valuation and performance derived from them."""
