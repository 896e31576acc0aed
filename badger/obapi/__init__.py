"""The Open Badges 3.0 API (OB 3.0 §"Open Badges API"): Badger as a Service Provider (a host:
OAuth 2.0 authorization server with Authlib, the credentials and profile resources) and as a
Service Consumer (sending a learner's badges to another host)."""
