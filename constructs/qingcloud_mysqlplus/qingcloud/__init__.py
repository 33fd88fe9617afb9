"""QingCloud IaaS API: signing, endpoint, credentials, errors, retries and the client."""
