"""Where a deployment's parts live: the URLs and file paths the generated files point at.

`load_deploy_config(path)` reads a YAML file such as `deploy/default.yaml`, lets
`FTW_DEPLOY_<FIELD>` environment variables override each value, and returns a
`DeployConfig`; bad values raise SpecError naming the file, line and field.
"""

from __future__ import annotations

from ftw_observe.deploy.load import (
    CONFIG_VARIABLE,
    DEFAULT_FILE,
    config_file,
    env_variable,
    load_deploy_config,
)
from ftw_observe.deploy.model import DeployConfig

__all__ = [
    "CONFIG_VARIABLE",
    "DEFAULT_FILE",
    "DeployConfig",
    "config_file",
    "env_variable",
    "load_deploy_config",
]
