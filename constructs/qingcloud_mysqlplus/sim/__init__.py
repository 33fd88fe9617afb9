"""A local QingCloud IaaS endpoint for MySQL Plus accounts (tests, demo, CI).

Built on :mod:`qingcloud_mysqlplus.rules` and
:mod:`qingcloud_mysqlplus.qingcloud.signing` only, so the server refuses
exactly what the construct and the bridge refuse.  It models QingCloud as
documented; what the documentation leaves open is a :class:`SimOptions` value
whose default is the documented (or least convenient) reading.
"""

from .control import SimControl, SimControlError
from .faults import Fault
from .http import make_server, serving
from .options import SimOptions

__all__ = ["Fault", "SimControl", "SimControlError", "SimOptions", "make_server", "serving"]
