"""Partner institutions (信易贷 lenders, 信易游 tourism platforms): OAuth 2.0 clients, consents, tokens and the partner API."""
