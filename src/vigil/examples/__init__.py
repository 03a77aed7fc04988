"""Example configs shipped with Vigil (``demo.yaml``: see :func:`vigil.demo.demo_config_path`)."""
