"""The CDK constructs: the only layer that imports cdktf (or cdktn)."""
