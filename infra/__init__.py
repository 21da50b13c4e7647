"""The Pulumi program of the one-cloud-one-network landing zone (see README.md)."""
