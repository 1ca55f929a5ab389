"""Customer services (writes), one module per subdomain: `records` keeps the customer behind
each order."""
