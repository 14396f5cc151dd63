"""Ordning's web pages: Swedish, server-rendered, calling the services' APIs with the signed-in person's token."""
