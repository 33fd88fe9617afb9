"""The Terraform names of a stack's shared blocks, read by the blocks and by the synth-time lookups.

Renaming any of them orphans deployed accounts (Terraform would see new
resources and forget the old ones without running their destroy steps).
"""

from __future__ import annotations

HOLDER_ID = "qingcloud_mysqlplus"  # the construct under the stack that holds the blocks
ACCOUNTS_ID = "qingcloud_mysqlplus_accounts"  # A: the declared accounts; its destroy step deletes one
MADE_ID = "qingcloud_mysqlplus_made"  # M: runs add-user (and replay) when its token or A changes
CONFIRMED_ID = "qingcloud_mysqlplus_confirmed"  # D: exists with M's token and id only once M's steps all finished
VARIABLES_ID = "qingcloud_mysqlplus_variables"  # writes ephemeral_password's variables; no Terraform name
PASSWORDS_ID = f"{ACCOUNTS_ID}_passwords"  # the local holding the password tokens, by key
ATTRIBUTES = ("user", "host", "database", "cluster_id")  # what an account exposes, from D's output
