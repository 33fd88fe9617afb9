"""A local QingCloud IaaS endpoint for MySQL Plus accounts (tests, demo, CI).

Built on :mod:`qingcloud_mysqlplus.rules` and :mod:`~qingcloud_mysqlplus.signing`,
so the server refuses exactly what the construct and the bridge refuse.
"""
